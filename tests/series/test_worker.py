"""The season on real workers (marker ``services``): *Solve every evening*'s chord on a private
Redis (broker and result backend, as in production) with two worker processes, one of them
killed with SIGKILL mid-chord; and a plan whose worker is killed.

The workers read the test database, so these tests need PostgreSQL (DATABASE_URL) or a file
SQLite test database, and redis-server (started here on a free port, or on
ROUNDS_TEST_REDIS_PORT). When a service is missing they are skipped, or fail when
ROUNDS_REQUIRE_SERVICES=1 (as CI sets it).
"""

import datetime
import time
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from config.celery import app as celery_app
from rotations.models import Schedule, SolveRun
from rotations.services import jobs
from series import planning
from series.models import Evening, Series, SeriesPlan
from tests.rotations.helpers import event_from_problem, hard_problem
from tests.rotations.test_faults import RedisServer
from tests.rotations.test_worker import Worker, _use_broker, database_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _use_results(url: str) -> None:
    celery_app.conf.result_backend = url
    # Drop the backend made for the previous URL (kept per app or per thread).
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


@pytest.fixture
def redis_server(tmp_path, monkeypatch):
    """A private Redis as this process's broker and result backend; stopped after the test."""
    server = RedisServer(tmp_path / "redis.log")
    saved = (
        celery_app.conf.broker_url,
        celery_app.conf.broker_transport_options,
        celery_app.conf.result_backend,
    )
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    _use_broker(server.url, {"visibility_timeout": 3600, "socket_connect_timeout": 2})
    _use_results(server.url)
    yield server
    server.stop()
    monkeypatch.undo()
    _use_broker(*saved[:2])
    _use_results(saved[2])


@pytest.fixture
def workers(transactional_db, redis_server, tmp_path):
    """Start workers on the test database and the private Redis, with the production settings
    (results in the broker's Redis); stopped after the test."""
    env = {
        "ROUNDS_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": redis_server.url,
        "CELERY_RESULT_BACKEND": redis_server.url,
        "DATABASE_URL": database_url(),
    }
    started: list[Worker] = []

    def start(*, beat: bool = False) -> Worker:
        pool: tuple[str, ...] = ("--pool=solo",)
        if beat:  # the watchdogs, every 10 s, as `celery beat` runs them in production
            pool += ("--beat", f"--schedule={tmp_path / 'beat'}")
        worker = Worker(env, tmp_path / f"worker-{len(started) + 1}.log", pool)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def make_season(evenings: int) -> Series:
    """A series of ``evenings`` evenings, each an event whose solve searches until its time
    limit (``hard_problem``), ready to solve."""
    today = datetime.date.today()
    series = Series.objects.create(
        name="Worker season", starts_on=today, ends_on=today + datetime.timedelta(days=90)
    )
    for seed in range(1, evenings + 1):
        event = event_from_problem(
            hard_problem(seed=seed), name=f"Evening {seed}", date=today + datetime.timedelta(seed)
        )
        Evening.objects.create(
            series=series, event=event, reply_by=timezone.now() + datetime.timedelta(days=1)
        )
    return series


def wait_until(condition, *, timeout: float, what: str, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
            pytest.fail(f"{what} after {timeout} s\n{tails}")
        time.sleep(0.2)


def season_done(series: Series):
    progress = planning.series_progress(series=series)
    return progress if not progress["is_active"] and progress["progress"] == 100 else None


def claimed_by_pid(run: SolveRun) -> int:
    return int(run.claimed_by.split(":")[1])


def test_two_workers_solve_every_evening_and_the_chord_calls_back(workers):
    first, second = workers(), workers()
    logs = [first.log, second.log]
    series = make_season(3)

    runs = planning.solve_every_evening(series=series, by=None, time_limit_s=3)
    listening = celery_app.backend.result_consumer.subscribed_to.copy()
    progress = wait_until(
        lambda: season_done(series), timeout=120, what="the season is not solved", logs=logs
    )
    solved = wait_until(
        lambda: AuditEntry.objects.filter(action=planning.EVENINGS_SOLVED).first(),
        timeout=30,
        what="the chord did not call back",
        logs=logs,
    )

    runs = list(SolveRun.objects.filter(pk__in=[run.pk for run in runs]).order_by("pk"))
    assert [run.status for run in runs] == ["succeeded"] * 3
    assert sorted(Schedule.objects.values_list("event__name", "solve_run")) == [
        (f"Evening {n}", run.pk) for n, run in enumerate(runs, start=1)
    ]
    # Both workers took evenings (one task per evening, any free worker).
    assert {claimed_by_pid(run) for run in runs} == {first.process.pid, second.process.pid}
    assert (progress["progress"], progress["message"]) == (100, "Evenings: 3 succeeded")
    # The web process sent the chord and reads the runs, not the results: it stopped listening.
    assert listening == set()
    assert (solved.message, solved.details) == (
        "3 of the 3 evenings of Worker season were solved.",
        {"statuses": ["succeeded"] * 3},
    )


def test_a_worker_killed_mid_chord_its_evening_is_solved_by_the_other(workers):
    survivor, doomed = workers(beat=True), workers()
    logs = [survivor.log, doomed.log]
    series = make_season(2)

    runs = planning.solve_every_evening(series=series, by=None, time_limit_s=8)

    def held_by_doomed():
        return SolveRun.objects.filter(
            pk__in=[run.pk for run in runs],
            status=SolveRun.Status.RUNNING,
            claimed_by__contains=f":{doomed.process.pid}:",
            progress__gte=50,  # in the solver's search
        ).first()

    victim = wait_until(held_by_doomed, timeout=60, what="no evening reached worker 2", logs=logs)
    doomed.kill()
    killed_at = time.monotonic()
    # The watchdog (beat, in the surviving worker) queues the run again once its heartbeat is
    # STALLED_AFTER old; the other worker solves it from the start.
    progress = wait_until(
        lambda: season_done(series), timeout=120, what="the season is not solved", logs=logs
    )
    finished_after = time.monotonic() - killed_at

    victim.refresh_from_db()
    assert [SolveRun.objects.get(pk=run.pk).status for run in runs] == ["succeeded"] * 2
    assert (victim.claimed_by.endswith(jobs.RETRY_CLAIM_SUFFIX), claimed_by_pid(victim)) == (
        True,
        survivor.process.pid,
    )
    assert sorted(Schedule.objects.values_list("solve_run", flat=True)) == sorted(
        run.pk for run in runs
    )
    assert (progress["progress"], progress["message"]) == (100, "Evenings: 2 succeeded")
    # Silent for STALLED_AFTER, seen by a watchdog that runs every WATCHDOG_EVERY_S, solved
    # again within its time limit.
    limit = jobs.STALLED_AFTER.total_seconds() + jobs.WATCHDOG_EVERY_S + 8 + 15
    assert finished_after < limit


def load_season(problem) -> Series:
    """A synthetic season (``benchmarks.series_synthetic``) as rows: sites, departments and
    their clinicians, specialists and their sites, evenings with their tables, and the
    specialists' replies; big enough that planning it takes a few seconds."""
    from clinicians.models import Clinician, Department, Region, Site, Specialty
    from events.models import Event, Table
    from series.models import Invitation

    today = datetime.date.today()
    region = Region.objects.create(name="Synthetic")
    names = {site for e in problem.evenings for site in e.sites}
    names |= {site for s in problem.specialists for site in s.sites}
    names |= {site for g in problem.groups for site, _ in g.clinicians}
    Site.objects.bulk_create([Site(name=name, region=region) for name in sorted(names)])
    sites = {site.name: site for site in Site.objects.filter(region=region)}
    specialties = {}
    for specialist in problem.specialists:
        if specialist.specialty not in specialties:
            specialties[specialist.specialty] = Specialty.objects.get_or_create(
                name=specialist.specialty, defaults={"track": specialist.track.value}
            )[0]
    departments = Department.objects.bulk_create(
        [
            Department(name=g.id, site=sites[g.clinicians[0][0]], track=g.track.value)
            for g in problem.groups
        ]
    )
    people = [
        Clinician(
            first_name="Pc",
            last_name=f"{group.id}-{n}",
            email=f"{group.id}-{n}@synthetic.example.org",
            role=Clinician.Role.PRIMARY_CARE,
            department=department,
        )
        for group, department in zip(problem.groups, departments, strict=True)
        for n in range(sum(count for _, count in group.clinicians))
    ]
    Clinician.objects.bulk_create(people)
    specialists = Clinician.objects.bulk_create(
        [
            Clinician(
                first_name="Sp",
                last_name=s.id,
                email=f"{s.id}@synthetic.example.org",
                role=Clinician.Role.SPECIALIST,
                specialty=specialties[s.specialty],
            )
            for s in problem.specialists
        ]
    )
    Clinician.sites.through.objects.bulk_create(
        [
            Clinician.sites.through(clinician_id=row.pk, site_id=sites[name].pk)
            for s, row in zip(problem.specialists, specialists, strict=True)
            for name in s.sites
        ]
    )
    series = Series.objects.create(
        name="Synthetic season", starts_on=today, ends_on=today + datetime.timedelta(days=200)
    )
    any_specialty = next(iter(specialties.values()))
    evenings = {}
    for number, item in enumerate(problem.evenings, start=1):
        event = Event.objects.create(
            name=item.label or item.id,
            date=today + datetime.timedelta(days=number),
            venue="Hall",
            start_time=datetime.time(18, 0),
        )
        Table.objects.bulk_create(
            [
                Table(event=event, number=n, specialty=any_specialty, capacity=8)
                for n in range(1, item.tables + 1)
            ]
        )
        evening = Evening.objects.create(
            series=series, event=event, reply_by=timezone.now() + datetime.timedelta(days=1)
        )
        evening.sites.set([sites[name] for name in item.sites])
        evenings[item.id] = (evening, set(item.sites))
    Invitation.objects.bulk_create(
        [
            Invitation(
                evening=evening,
                clinician=row,
                status=Invitation.Status.YES
                if s.available_evenings is None or key in s.available_evenings
                else Invitation.Status.NO,
                replied_at=timezone.now(),
            )
            for s, row in zip(problem.specialists, specialists, strict=True)
            for key, (evening, covered) in evenings.items()
            if covered & set(s.sites)
        ]
    )
    return series


def test_a_plan_whose_worker_is_killed_is_planned_by_the_next_worker(workers):
    from benchmarks.series_synthetic import series_season

    series = load_season(series_season(1, clinicians=2000, sites=20, evenings=6))
    doomed = workers()
    series_plan = planning.start_plan(series=series, by=None, time_limit_s=30)

    def planning_it():
        series_plan.refresh_from_db()
        return series_plan.status != SeriesPlan.Status.QUEUED

    wait_until(planning_it, timeout=60, what="no worker took the plan", logs=[doomed.log])
    doomed.kill()
    killed_at = time.monotonic()
    series_plan.refresh_from_db()
    assert (series_plan.status, claimed_by_pid(series_plan)) == ("running", doomed.process.pid)
    # The next worker, with beat's watchdog: the plan is queued again once its heartbeat is
    # STALLED_AFTER old, and planned from the start.
    survivor = workers(beat=True)

    def planned():
        series_plan.refresh_from_db()
        return not series_plan.is_active

    wait_until(planned, timeout=120, what="the plan did not end", logs=[doomed.log, survivor.log])
    finished_after = time.monotonic() - killed_at

    assert (series_plan.status, series_plan.error) == ("succeeded", "")
    assert (
        series_plan.claimed_by.endswith(jobs.RETRY_CLAIM_SUFFIX),
        claimed_by_pid(series_plan),
    ) == (True, survivor.process.pid)
    assert series_plan.places.exists()
    assert finished_after < jobs.STALLED_AFTER.total_seconds() + jobs.WATCHDOG_EVERY_S + 60
