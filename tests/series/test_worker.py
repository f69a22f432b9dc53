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
from series.models import Evening, Series
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
