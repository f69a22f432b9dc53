"""`make loadtest`: how the itinerary pages hold up on a 2,000-clinician event.

Creates (or reuses) the event with a published schedule in a PostgreSQL database (DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/rounds_loadtest, migrated first), starts gunicorn on
a free loopback port with production settings, runs Locust headless against random personal
links for a bounded time, prints requests/s, p95 and errors, and stops gunicorn. All traffic
stays on 127.0.0.1.

    python -m benchmarks.loadtest [--users 200] [--spawn-rate 50] [--duration 30s] [--think 0.5,1.5]
"""

import argparse
import csv
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rounds_loadtest"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
WARM_UP_REQUESTS = 40
EVENT_NAME = "Load test: 2,000 clinicians"
TABLES, ANCHORS_PER_TABLE, GROUPS, MEMBERS_PER_GROUP, ROUNDS = 100, 2, 300, 6, 10
BASE_DIR = Path(__file__).resolve().parent.parent


def create_database(url: str) -> None:
    """Create the database named in `url` when it does not exist yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    params = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def build_event():
    """The 2,000-clinician event with a published round-robin schedule, made with bulk_create
    in one transaction (no solver): group g meets table (g + r) mod 100 in round r, three groups
    a table a round. Reused when it is already there."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from clinicians.models import Clinician, Department, Region, Site, Specialty
    from events.models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup
    from rotations.models import Schedule, Visit

    event = Event.objects.filter(name=EVENT_NAME, schedules__is_published=True).first()
    if event is not None:
        return event
    with transaction.atomic():
        Event.objects.filter(name=EVENT_NAME).delete()
        region, _ = Region.objects.get_or_create(name="Load test region")
        site, _ = Site.objects.get_or_create(name="Load test site", region=region)
        department, _ = Department.objects.get_or_create(name="Load test medicine", site=site)
        specialties = [
            Specialty.objects.get_or_create(name=f"Load test specialty {n}")[0]
            for n in range(1, 11)
        ]
        Clinician.objects.filter(email__startswith="loadtest-").delete()
        specialists = Clinician.objects.bulk_create(
            Clinician(
                first_name="Spec",
                last_name=f"Ialist{n:04d}",
                credentials="MD",
                email=f"loadtest-s{n}@example.org",
                role=Clinician.Role.SPECIALIST,
                specialty=specialties[n % len(specialties)],
            )
            for n in range(TABLES * ANCHORS_PER_TABLE)
        )
        travellers = Clinician.objects.bulk_create(
            Clinician(
                first_name="Prim",
                last_name=f"Ary{n:04d}",
                credentials="MD",
                email=f"loadtest-p{n}@example.org",
                role=Clinician.Role.PRIMARY_CARE,
                department=department,
            )
            for n in range(GROUPS * MEMBERS_PER_GROUP)
        )
        event = Event.objects.create(
            name=EVENT_NAME,
            date=datetime.date.today() + datetime.timedelta(days=30),
            venue="Convention Center",
            rounds=ROUNDS,
            status=Event.Status.PUBLISHED,
        )
        tables = Table.objects.bulk_create(
            Table(
                event=event,
                number=n + 1,
                specialty=specialties[n % len(specialties)],
                capacity=4,
                location=f"Hall {'ABCD'[n // 25]}, table {n % 25 + 1}",
            )
            for n in range(TABLES)
        )
        Anchor.objects.bulk_create(
            Anchor(event=event, table=tables[n // ANCHORS_PER_TABLE], clinician=clinician)
            for n, clinician in enumerate(specialists)
        )
        groups = TravelGroup.objects.bulk_create(
            TravelGroup(event=event, name=f"Group {n + 1:03d}", department=department)
            for n in range(GROUPS)
        )
        GroupMember.objects.bulk_create(
            GroupMember(event=event, group=groups[n // MEMBERS_PER_GROUP], clinician=clinician)
            for n, clinician in enumerate(travellers)
        )
        Attendance.objects.bulk_create(
            Attendance(event=event, clinician=clinician) for clinician in specialists + travellers
        )
        schedule = Schedule.objects.create(
            event=event, version=1, is_published=True, published_at=timezone.now()
        )
        Visit.objects.bulk_create(
            Visit(schedule=schedule, round=r + 1, group=group, table=tables[(g + r) % TABLES])
            for g, group in enumerate(groups)
            for r in range(ROUNDS)
        )
    return event


def collect_static() -> None:
    """collectstatic for gunicorn's manifest storage. The vendored Bootstrap names source maps
    that are not shipped, which the manifest storage refuses; files are collected without
    rewriting source-map references (other references are rewritten as usual)."""
    from django.conf import settings
    from django.core.management import call_command

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "benchmarks.loadtest.StaticFilesWithoutSourceMaps"},
    }
    call_command("collectstatic", verbosity=0, interactive=False)


def __getattr__(name: str):
    # Defined on first use: importing whitenoise needs configured settings.
    if name == "StaticFilesWithoutSourceMaps":
        from whitenoise.storage import CompressedManifestStaticFilesStorage

        class StaticFilesWithoutSourceMaps(CompressedManifestStaticFilesStorage):
            patterns = tuple(
                (extension, tuple(rule for rule in rules if "sourceMappingURL" not in str(rule)))
                for extension, rules in CompressedManifestStaticFilesStorage.patterns
            )

        globals()[name] = StaticFilesWithoutSourceMaps
        return StaticFilesWithoutSourceMaps
    raise AttributeError(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, *, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer at {url} within {timeout_s:.0f} s")


def warm_up(base_url: str, tokens: list[str]) -> None:
    """A few itinerary pages before measuring, so every gunicorn worker has loaded its URLs
    and templates: at an event the workers have been up since long before the doors open.
    The measured requests use other tokens, so no page of theirs is ready beforehand."""
    for token in tokens:
        with urllib.request.urlopen(f"{base_url}/i/{token}/", timeout=10) as response:
            response.read()


def read_summary(stats_csv: Path) -> dict[str, str]:
    with stats_csv.open(newline="") as file:
        for row in csv.DictReader(file):
            if row["Name"] == "Aggregated":
                return row
    raise SystemExit(f"No aggregated row in {stats_csv}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=int, default=50)
    parser.add_argument("--duration", default="30s")
    parser.add_argument(
        "--think",
        default="0.5,1.5",
        help="seconds each user waits between requests, MIN,MAX (default: a stress test)",
    )
    # One more than the cores: the load generator shares the machine.
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="rounds-loadtest-"))
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "ROUNDS_VAR_DIR": str(workdir / "var"),
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        # As in production: one cache for every gunicorn worker (rate limits, itineraries).
        "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        # The real rate limits: every virtual clinician comes from 127.0.0.1, like a venue
        # behind one Wi-Fi address, so a 429 here is one a venue would see.
    }
    os.environ.update(env)

    print(f"Database: {database_url}")
    create_database(database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    collect_static()

    from events.models import Attendance

    started = time.monotonic()
    event = build_event()
    tokens = list(Attendance.objects.filter(event=event).values_list("link_token", flat=True))
    print(f"Event {event.pk}: {len(tokens)} clinicians ready in {time.monotonic() - started:.1f} s")
    tokens_file = workdir / "tokens.txt"
    warm, measured = tokens[:WARM_UP_REQUESTS], tokens[WARM_UP_REQUESTS:]
    tokens_file.write_text("\n".join(measured))
    from django.db import connections

    connections.close_all()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.workers), "--threads", "2",
            "--log-level", "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )  # fmt: skip
    try:
        wait_until_up(f"{base_url}/healthz")
        warm_up(base_url, warm)
        print(
            f"gunicorn at {base_url} ({args.workers} workers x 2 threads); Locust: "
            f"{args.users} users, {args.spawn_rate}/s, {args.duration}, think {args.think} s"
        )
        prefix = workdir / "locust"
        subprocess.run(
            [
                sys.executable, "-m", "locust",
                "-f", str(Path(__file__).with_name("locustfile.py")),
                # Measure from when every user is running: the ramp-up is the load
                # generator's own work, not the site's.
                "--headless", "--only-summary", "--reset-stats",
                "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.duration,
                "--stop-timeout", "5",
                "--host", base_url,
                "--csv", str(prefix),
                "--loglevel", "WARNING",
            ],
            cwd=BASE_DIR,
            env={
                **env,
                "ROUNDS_LOADTEST_TOKENS": str(tokens_file),
                "ROUNDS_LOADTEST_THINK": args.think,
            },
            check=False,
            timeout=600,
        )  # fmt: skip
        summary = read_summary(Path(f"{prefix}_stats.csv"))
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    print()
    print(f"requests:       {summary['Request Count']}")
    print(f"requests/s:     {float(summary['Requests/s']):.1f}")
    print(f"median:         {summary['50%']} ms")
    print(f"p95:            {summary['95%']} ms")
    print(f"errors:         {summary['Failure Count']}")


if __name__ == "__main__":
    main()
