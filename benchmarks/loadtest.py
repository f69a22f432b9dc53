"""`make loadtest`: the itinerary pages against a plain page of the same server, 2,000 clinicians.

Creates (or reuses) the event with a published schedule in a PostgreSQL database (DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/rounds_loadtest, migrated first), starts gunicorn on
a free loopback port with production settings and Redis as the cache (REDIS_URL, a database of
its own: it is cleared), behind nginx as in production (--proxy none: without), then measures
with wrk (a C load generator; wrk and nginx are installed with apt-get when missing), each run
from a cold cache:

1. saturation: the login page, then random personal links, each with --users connections that
   send their next request as soon as the last is answered; prints requests/s, p50/p95/p99,
   errors and the ratio of the two throughputs (then the links once more, their pages kept);
2. users: --users clinicians at once, each opening a random link and then reading for
   --think-ms (1 to 3 s by default, uniformly: a busy evening's worst minute, everyone at once
   and reading fast) before the next; prints the links' p95;
3. mixed: the same clinicians while --organizers organizers, logged in, poll the event's grid
   page (its first page of tables) and its solve run's status every --poll-s seconds; prints
   the clinicians' p95 and the organizers' figures.

With --think, Locust runs the login page and links instead, users reading between clicks. All
traffic stays on 127.0.0.1.

    python -m benchmarks.loadtest [--users 200] [--duration 30s] [--think-ms 1000,3000]
        [--organizers 10] [--poll-s 5] [--runs saturation,users,mixed] [--proxy nginx|none]
        [--cpu N]

--cpu N measures no throughput: the server's CPU time a request of each page, in this process.
"""

import argparse
import csv
import json
import os
import secrets
import shutil
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
WRK_SCRIPT = Path(__file__).with_name("wrk_pages.lua")
WRK_MARKER = "ROUNDS_WRK "


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


def wait_until_idle(base_url: str, *, timeout_s: float = 120) -> None:
    """Wait until gunicorn has answered what the last run left queued (wrk stops sending, the
    server does not stop answering): /healthz answers within 200 ms three times in a row."""
    deadline, quick = time.monotonic() + timeout_s, 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=30) as response:
                response.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        quick = quick + 1 if time.monotonic() - started < 0.2 else 0
        time.sleep(0.2)


def warm_up(base_url: str, tokens: list[str]) -> None:
    """A few itinerary pages before measuring, so every gunicorn worker has loaded its URLs
    and templates: at an event the workers have been up since long before the doors open.
    The measured requests use other tokens, so no page of theirs is ready beforehand."""
    for token in tokens:
        with urllib.request.urlopen(f"{base_url}/i/{token}/", timeout=10) as response:
            response.read()


def read_summary(stats_csv: Path, name: str = "Aggregated") -> dict[str, str]:
    with stats_csv.open(newline="") as file:
        for row in csv.DictReader(file):
            if row["Name"] == name:
                return row
    raise SystemExit(f"No {name} row in {stats_csv}")


def ensure_tool(name: str, *, package: str, why: str) -> str:
    """The path of the program `name`, installed from the OS packages (Debian's `package`)
    when missing and we are root; otherwise exit saying `why` it is needed."""
    # Daemons such as nginx are installed under sbin, which a non-root PATH may leave out.
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        print(f"{name} is missing: installing it with apt-get (Debian's package '{package}') ...")
        install = [apt, "install", "-y", "--no-install-recommends", package]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "check": False}
        if subprocess.run(install, **quiet).returncode != 0:
            subprocess.run([apt, "update"], **quiet)
            subprocess.run(install, **quiet)
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
        if found:
            return found
    raise SystemExit(
        f"make loadtest needs {name}, {why}, and could not install it (not root, or no "
        f"apt-get). Install it (Debian/Ubuntu: `sudo apt-get install {package}`; macOS: "
        f"`brew install {name}`) and run again."
    )


def ensure_wrk() -> str:
    """wrk, the C load generator (a few percent of a core where Locust needs more than the
    server)."""
    return ensure_tool(
        "wrk", package="wrk", why="a C load generator that leaves the cores to the server"
    )


def ensure_nginx() -> str:
    """nginx, the proxy in front of gunicorn as in production (README, "Deploying")."""
    return ensure_tool(
        "nginx", package="nginx-light", why="the proxy in front of gunicorn, as in production"
    )


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/nginx-body;
    proxy_temp_path {workdir}/nginx-proxy;
    fastcgi_temp_path {workdir}/nginx-fastcgi;
    uwsgi_temp_path {workdir}/nginx-uwsgi;
    scgi_temp_path {workdir}/nginx-scgi;
    keepalive_timeout 65;
    keepalive_requests 100000;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
{upstreams}
    server {{
        listen 127.0.0.1:{port};
{locations}
    }}
}}
"""
# The clinicians' personal pages (itinerary, survey, reply, dinner sign-up and host): with
# --pools two, nginx sends them to a gunicorn of their own.
PERSONAL_LINKS = r"^/(i|r|d|dh)/"


def nginx_conf(
    *, workdir: Path, port: int, upstream_port: int, links_port: int | None = None
) -> str:
    """nginx's configuration for the run: one worker on `port`, passing complete requests to
    gunicorn on `upstream_port` over kept-alive connections (with `links_port`, the personal
    links to the gunicorn there); every file under `workdir`."""
    # As root, nginx's workers would run as nobody, who cannot write under `workdir`.
    user = "user root;" if os.geteuid() == 0 else ""
    pools = {"rounds": upstream_port}
    locations = ["        location / { proxy_pass http://rounds; }"]
    if links_port is not None:
        pools["links"] = links_port
        locations.insert(0, f"        location ~ {PERSONAL_LINKS} {{ proxy_pass http://links; }}")
    upstreams = "\n".join(
        f"    upstream {name} {{ server 127.0.0.1:{pool_port}; keepalive 64; }}"
        for name, pool_port in pools.items()
    )
    return NGINX_CONF.format(
        workdir=workdir, user=user, port=port, upstreams=upstreams, locations="\n".join(locations)
    )


def start_nginx(
    nginx: str, *, workdir: Path, port: int, upstream_port: int, links_port: int | None = None
):
    """nginx in front of gunicorn, in the foreground (the caller terminates it)."""
    conf = workdir / "nginx.conf"
    conf.write_text(
        nginx_conf(workdir=workdir, port=port, upstream_port=upstream_port, links_port=links_port)
    )
    return subprocess.Popen([nginx, "-p", str(workdir), "-c", str(conf)])


def start_gunicorn(*, port: int, workers: int, threads: int, env: dict):
    """gunicorn with production settings on `port` (the caller terminates it)."""
    return subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads),
            # Clinicians' phones keep their connection while they read (browsers keep it for
            # a minute or more); gunicorn's default of 2 s closes it under a user who reads
            # 1-3 s, and every such request pays a new connection (wrk counts it an error).
            "--keep-alive", str(KEEP_ALIVE_S),
            "--log-level", "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )  # fmt: skip


def parse_wrk(output: str) -> dict[str, float]:
    """The figures line that benchmarks/wrk_pages.lua prints at the end of a wrk run."""
    for line in output.splitlines():
        if line.startswith(WRK_MARKER):
            figures = json.loads(line[len(WRK_MARKER) :])
            figures["rps"] = figures["requests"] / figures["seconds"] if figures["seconds"] else 0
            return figures
    raise SystemExit(f"wrk printed no figures:\n{output}")


def wrk_command(
    wrk: str,
    *,
    url: str,
    paths: Path | None,
    connections: int,
    duration: str,
    threads: int,
    think_ms: tuple[int, int] | None = None,
    cookie: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command and environment of one wrk run against `url`: random paths from the file
    `paths` (the URL's own path when None), `connections` at once; with `think_ms` (min, max)
    each connection waits that long after an answer, like a person reading; with `cookie`,
    sent on every request."""
    env = {**os.environ}
    for name in ("ROUNDS_WRK_PATHS", "ROUNDS_WRK_THINK", "ROUNDS_WRK_COOKIE"):
        env.pop(name, None)
    if paths is not None:
        env["ROUNDS_WRK_PATHS"] = str(paths)
    if think_ms is not None:
        env["ROUNDS_WRK_THINK"] = f"{think_ms[0]},{think_ms[1]}"
    if cookie is not None:
        env["ROUNDS_WRK_COOKIE"] = cookie
    command = [
        wrk, "-t", str(threads), "-c", str(connections), "-d", duration,
        "--timeout", "10s", "-s", str(WRK_SCRIPT), url,
    ]  # fmt: skip
    return command, env


def run_wrk(wrk: str, **options) -> dict[str, float]:
    """One wrk run (``wrk_command``'s options) and its figures."""
    command, env = wrk_command(wrk, **options)
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=900
    )
    return parse_wrk(result.stdout + result.stderr)


def run_wrk_together(wrk: str, runs: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Several wrk runs at the same time (``wrk_command``'s options each), their figures by
    name."""
    started = {}
    for name, options in runs.items():
        command, env = wrk_command(wrk, **options)
        started[name] = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    return {
        name: parse_wrk(process.communicate(timeout=900)[0]) for name, process in started.items()
    }


def format_figures(name: str, figures: dict[str, float]) -> str:
    return (
        f"{name:<24} {figures['rps']:>9.1f} req/s   p50 {figures['p50_ms']:>7.1f} ms   "
        f"p95 {figures['p95_ms']:>7.1f} ms   p99 {figures['p99_ms']:>7.1f} ms   "
        f"errors {int(figures['non_2xx'] + figures['socket_errors'])}"
    )


def format_users(name: str, figures: dict[str, float]) -> str:
    """A run with think time: what the users waited (p50/p95/p99), not a throughput."""
    return (
        f"{name:<34} p50 {figures['p50_ms']:>7.1f} ms   p95 {figures['p95_ms']:>7.1f} ms   "
        f"p99 {figures['p99_ms']:>7.1f} ms   ({figures['rps']:.0f} req/s, errors "
        f"{int(figures['non_2xx'] + figures['socket_errors'])})"
    )


def organizer_pages(event) -> list[str]:
    """The pages an organizer keeps open during the event: the grid of the published version
    (its first page of tables) and the status of its solve run (made for it, finished)."""
    from django.urls import reverse

    from rotations.models import Schedule, SolveRun

    schedule = Schedule.objects.get(event=event, is_published=True)
    run = schedule.solve_run
    if run is None:
        run = SolveRun.objects.create(
            event=event, status=SolveRun.Status.SUCCEEDED, progress=100, message="Solved."
        )
        Schedule.objects.filter(pk=schedule.pk).update(solve_run=run)
    return [
        reverse("rotations:schedule", kwargs={"event_pk": event.pk, "pk": schedule.pk}),
        reverse("rotations:run_status", kwargs={"event_pk": event.pk, "pk": run.pk}),
    ]


def organizer_cookie() -> str:
    """A logged-in organizer's session cookie (an admin of the load test's own)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="loadtest-organizer", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def parse_pair(text: str) -> tuple[int, int]:
    """'1000,3000' -> (1000, 3000)."""
    low, high = (int(part) for part in text.split(","))
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"{text!r}: use MIN,MAX with 0 <= MIN <= MAX")
    return low, high


def clear_cache() -> None:
    """Cold caches before each measured page: the rate limits' counters and rendered pages
    alike (the load test's cache is a Redis database of its own)."""
    from django.core.cache import cache

    cache.clear()


# gunicorn's keep-alive for the run, longer than any user's reading time (--think-ms).
KEEP_ALIVE_S = 10


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="connections at once")
    parser.add_argument("--duration", default="30s", help="each page's run, e.g. 30s, 2m")
    parser.add_argument(
        "--think",
        default=None,
        help="seconds each user waits between requests, MIN,MAX: runs Locust (a Python load "
        "generator that shares the cores) instead of wrk, which sends without pause",
    )
    parser.add_argument(
        "--think-ms",
        type=parse_pair,
        default=(1000, 3000),
        help="users and mixed runs: milliseconds each user reads after an answer, MIN,MAX",
    )
    parser.add_argument("--organizers", type=int, default=10, help="mixed run: organizers")
    parser.add_argument(
        "--poll-s", type=float, default=5.0, help="mixed run: seconds between an organizer's polls"
    )
    parser.add_argument(
        "--runs",
        default="saturation,users,mixed",
        help="which wrk runs, comma-separated: saturation, users, mixed",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        metavar="N",
        help="instead of wrk: the server's own CPU time a request (in this process, Django's "
        "test client, the same settings), over N requests of each page; steadier than "
        "requests/s on a machine whose cores are shared",
    )
    parser.add_argument("--spawn-rate", type=int, default=50, help="Locust only")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument(
        "--proxy",
        choices=("nginx", "none"),
        default="nginx",
        help="what stands in front of gunicorn: nginx, as in production (default), or nothing",
    )
    # One more than the cores, as gunicorn advises for a machine of its own.
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2, help="gunicorn's threads a worker")
    parser.add_argument(
        "--pools",
        choices=("one", "two"),
        default="one",
        help="two: the personal links on a gunicorn of their own (--workers), the organizers' "
        "pages on another (--organizer-workers), nginx routing between them",
    )
    parser.add_argument("--organizer-workers", type=int, default=1)
    args = parser.parse_args(argv)
    if args.pools == "two" and args.proxy != "nginx":
        parser.error("--pools two needs nginx in front, to route the links (--proxy nginx)")
    wrk = None if args.think or args.cpu else ensure_wrk()
    nginx = ensure_nginx() if args.proxy == "nginx" and not args.cpu else None

    workdir = Path(tempfile.mkdtemp(prefix="rounds-loadtest-"))
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",  # testserver: Django's test client (--cpu)
        "SECURE_SSL_REDIRECT": "0",
        "ROUNDS_VAR_DIR": str(workdir / "var"),
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        # As in production: one cache for every gunicorn worker (rate limits, itineraries).
        "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        # Every virtual clinician comes from 127.0.0.1, like a venue behind one Wi-Fi
        # address, but sends without pause (wrk) where people read: the flood cap is raised
        # above what wrk sends, the failed-guess budget is the real one.
        "ROUNDS_RATE_LIMIT_LINKS": os.environ.get("ROUNDS_RATE_LIMIT_LINKS", "10000000/m"),
        # Behind nginx the client's address is the one nginx adds to X-Forwarded-For.
        "ROUNDS_TRUSTED_PROXY_COUNT": "1" if nginx else "0",
    }
    os.environ.update(env)

    print(f"Database: {database_url}; cache: {env['REDIS_URL']}")
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
    paths_file = workdir / "paths.txt"
    paths_file.write_text("\n".join(f"/i/{token}/" for token in measured))
    organizers_file = workdir / "organizer-paths.txt"
    organizers_file.write_text("\n".join(organizer_pages(event)))
    cookie = organizer_cookie()
    runs = {name.strip() for name in args.runs.split(",") if name.strip()}
    if args.cpu:
        pages = organizers_file.read_text().split()
        for line in measure_cpu(
            tokens=measured, requests=args.cpu, organizer_paths=pages, cookie=cookie
        ):
            print(line)
        return
    from django.db import connections

    connections.close_all()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    gunicorn_port, links_port, proxy = port, None, None
    if nginx:
        # As in production: gunicorn's threaded workers give a new connection a thread until
        # its first request arrives (up to 5 s), and wrk opens every connection before its
        # user's first think time is over, so without a proxy the first requests of a run
        # queue behind idle connections. nginx passes gunicorn only complete requests.
        gunicorn_port = free_port()
        links_port = free_port() if args.pools == "two" else None
        proxy = start_nginx(
            nginx, workdir=workdir, port=port, upstream_port=gunicorn_port, links_port=links_port
        )
    servers = [proxy] if proxy else []
    if links_port is not None:
        servers.append(
            start_gunicorn(port=links_port, workers=args.workers, threads=args.threads, env=env)
        )
        servers.append(
            start_gunicorn(
                port=gunicorn_port, workers=args.organizer_workers, threads=args.threads, env=env
            )
        )
    else:
        servers.append(
            start_gunicorn(port=gunicorn_port, workers=args.workers, threads=args.threads, env=env)
        )
    try:
        wait_until_up(f"{base_url}/healthz")
        warm_up(base_url, warm)
        in_front = "behind nginx" if proxy else "without a proxy"
        print(
            f"gunicorn at {base_url} ({args.workers} workers x {args.threads} threads, {in_front})"
        )
        if wrk is None:
            results = run_locust(args, base_url=base_url, env=env, workdir=workdir)
            users = {}
        else:
            results, users = measure(
                wrk,
                args,
                base_url=base_url,
                runs=runs,
                links=paths_file,
                organizer_paths=organizers_file,
                cookie=cookie,
            )
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    print()
    for name, figures in results.items():
        print(format_figures(name, figures))
    if "login page" in results and "personal links (random)" in results:
        login, links = results["login page"], results["personal links (random)"]
        ratio = links["rps"] / login["rps"] if login["rps"] else 0.0
        print(f"personal links (random, cold cache) / login page throughput: {ratio:.2f}")
        if "personal links (kept)" in results:
            kept = results["personal links (kept)"]["rps"] / login["rps"] if login["rps"] else 0
            print(f"personal links (kept) / login page throughput: {kept:.2f}")
    for name, figures in users.items():
        print(format_users(name, figures))


def measure_cpu(
    *, tokens: list[str], requests: int, organizer_paths: list[str], cookie: str
) -> list[str]:
    """CPU time a request, in this process, of the login page, one personal link again and
    again (its page kept), random links each from an empty cache (every page rendered anew),
    random links from a cold cache as a wrk run sends them (``requests`` each, that one ten
    times as many: a run's worth, where each group's page is rendered once and then kept), and
    the organizer's grid and run status (a tenth as many). Lines to print."""
    import random

    from django.test import Client

    client = Client()
    rng = random.Random(7)

    def links(count: int) -> list[str]:
        return [f"/i/{rng.choice(tokens)}/" for _ in range(count)]

    scenarios = (
        ("login page", ["/login/"] * requests, "cold"),
        ("personal link, kept", [f"/i/{tokens[0]}/"] * requests, "kept"),
        ("personal links, each cold", links(requests), "each cold"),
        ("personal links, random", links(10 * requests), "cold"),
        ("organizer: grid page", organizer_paths[:1] * max(1, requests // 10), "cold"),
        ("organizer: run status", organizer_paths[1:] * max(1, requests // 10), "cold"),
    )
    cookie_name, _, value = cookie.partition("=")

    def get(path: str, *, organizer: bool):
        client.cookies.clear()  # as wrk: no cookies but the organizer's
        if organizer:
            client.cookies[cookie_name] = value
        return client.get(path)

    lines, login_ms = [], None
    for name, paths, cache in scenarios:
        organizer = name.startswith("organizer")
        get(paths[0], organizer=organizer)  # templates and URLs loaded first
        if cache != "kept":
            clear_cache()
        spent, size = 0.0, 0
        for path in paths:
            if cache == "each cold":
                clear_cache()
            started = time.process_time()
            response = get(path, organizer=organizer)
            spent += time.process_time() - started
            size += len(response.content)
        ms = spent / len(paths) * 1000
        login_ms = login_ms or ms
        lines.append(
            f"{name:<28} {ms:7.2f} ms CPU a request   {ms / login_ms:5.2f} x login page   "
            f"{size / len(paths) / 1024:6.1f} KB"
        )
    return lines


# The runs with think time are measured after a ramp-up of this long, from a cold cache, as
# Locust's --reset-stats does: wrk opens every connection and sends its first request at the
# same instant, a burst no crowd of readers makes, and the ramp-up lets the users spread out.
RAMP_UP = "5s"


def ramp_up(options: dict) -> dict:
    """``options`` of a wrk run with think time, for its unreported ramp-up."""
    return {**options, "duration": RAMP_UP}


def measure(
    wrk: str,
    args,
    *,
    base_url: str,
    runs: set[str],
    links: Path,
    organizer_paths: Path,
    cookie: str,
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """The wrk runs of ``runs`` (saturation, users, mixed): the saturation figures and the
    figures of the runs with think time, by name."""
    common = {"duration": args.duration, "threads": args.wrk_threads}
    clinicians = {
        "url": base_url + "/",
        "paths": links,
        "connections": args.users,
        "think_ms": args.think_ms,
        **common,
    }
    results: dict[str, dict[str, float]] = {}
    users: dict[str, dict[str, float]] = {}
    if "saturation" in runs:
        print(f"saturation: {args.users} connections without pause, {args.duration} a page")
        for name, url, paths, cold in (
            ("login page", f"{base_url}/login/", None, True),
            ("personal links (random)", base_url + "/", links, True),
            # The same links again, pages kept from the run before: the one-query path.
            ("personal links (kept)", base_url + "/", links, False),
        ):
            wait_until_idle(base_url)
            if cold:
                clear_cache()
            results[name] = run_wrk(wrk, url=url, paths=paths, connections=args.users, **common)
    think = f"{args.think_ms[0] / 1000:g}-{args.think_ms[1] / 1000:g} s"
    if "users" in runs:
        print(f"users: {args.users} clinicians reading {think} between random links")
        wait_until_idle(base_url)
        clear_cache()
        run_wrk(wrk, **ramp_up(clinicians))
        users[f"{args.users} users: personal links"] = run_wrk(wrk, **clinicians)
    if "mixed" in runs:
        print(
            f"mixed: {args.users} clinicians as above and {args.organizers} organizers polling "
            f"the grid and the run status every {args.poll_s:g} s"
        )
        # Each organizer's connection asks for one of the two pages (at random) every half
        # poll, so each page about once a poll.
        half = args.poll_s * 1000 / 2
        organizers = {
            "url": base_url + "/",
            "paths": organizer_paths,
            "connections": args.organizers,
            "think_ms": (int(half * 0.8), int(half * 1.2)),
            "cookie": cookie,
            **common,
        }
        wait_until_idle(base_url)
        clear_cache()
        run_wrk_together(
            wrk, {"clinicians": ramp_up(clinicians), "organizers": ramp_up(organizers)}
        )
        together = run_wrk_together(wrk, {"clinicians": clinicians, "organizers": organizers})
        users[f"mixed: {args.users} clinicians' links"] = together["clinicians"]
        users[f"mixed: {args.organizers} organizers' pages"] = together["organizers"]
    return results, users


def run_locust(args, *, base_url: str, env: dict, workdir: Path) -> dict[str, dict[str, float]]:
    """Locust with think time (--think): both pages in one run, users reading between clicks."""
    prefix = workdir / "locust"
    subprocess.run(
        [
            sys.executable, "-m", "locust",
            "-f", str(Path(__file__).with_name("locustfile.py")),
            # Measure from when every user is running: the ramp-up is the load generator's
            # own work, not the site's.
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
            "ROUNDS_LOADTEST_TOKENS": str(workdir / "tokens.txt"),
            "ROUNDS_LOADTEST_THINK": args.think,
        },
        check=False,
        timeout=900,
    )  # fmt: skip
    results = {}
    for name, row in (("login page", "/login/"), ("personal links (random)", "/i/[token]/")):
        summary = read_summary(Path(f"{prefix}_stats.csv"), row)
        results[name] = {
            "rps": float(summary["Requests/s"]),
            "p50_ms": float(summary["50%"]),
            "p95_ms": float(summary["95%"]),
            "p99_ms": float(summary["99%"]),
            "non_2xx": float(summary["Failure Count"]),
            "socket_errors": 0.0,
        }
    return results


if __name__ == "__main__":
    main()
