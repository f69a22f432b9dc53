"""The solve path end to end with a real Celery worker process, a real broker (Redis, and the
filesystem transport that `make run` uses) and a database both processes share.

The worker reads the test database, so it needs PostgreSQL (DATABASE_URL) or a file SQLite
test database; Redis is DB 15 on 127.0.0.1, flushed before each test. When a service is
missing these tests are skipped, or fail when ROUNDS_REQUIRE_SERVICES=1 (as CI sets it).
"""

import datetime
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from rotations import services
from rotations.models import Schedule, SolveRun
from tests.rotations.helpers import event_from_problem, hard_problem

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"
REQUIRED = os.environ.get("ROUNDS_REQUIRE_SERVICES") == "1"


def missing(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (ROUNDS_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}{port}/{db['NAME']}"
    name = str(db["NAME"])
    if connection.is_in_memory_db():
        missing(
            "services tests need a database a worker process can open: set DATABASE_URL to "
            "PostgreSQL (the SQLite test database is in memory)"
        )
    return f"sqlite:///{Path(name).resolve()}"


@pytest.fixture(params=["filesystem", "redis"])
def broker(request, tmp_path, monkeypatch):
    """Point this process's Celery app at the broker, and return the worker's environment."""
    env = {"ROUNDS_VAR_DIR": str(tmp_path)}
    if request.param == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
        except redis.RedisError as exc:
            missing(f"Redis is not reachable at {REDIS_URL}: {exc}")
        url, options = REDIS_URL, {"visibility_timeout": 3600}
        env["CELERY_BROKER_URL"] = url
    else:
        folder = tmp_path / "celery-broker"
        for name in ("queue", "processed", "control"):
            (folder / name).mkdir(parents=True)
        url = "filesystem://"
        options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "store_processed": False,
            "control_folder": str(folder / "control"),
        }
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    _use_broker(url, options)
    yield env
    monkeypatch.undo()
    _use_broker(*saved)


def _use_broker(url, options):
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options
    # Drop the connections made for the previous broker.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Worker:
    def __init__(self, env: dict[str, str], log: Path, pool: tuple[str, ...] = ("--pool=solo",)):
        self.log = log
        clean = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CELERY_BROKER_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        clean.update(env, DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="INFO")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                *pool,
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=clean,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while " ready." not in log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the worker did not start:\n{log.read_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        # The test is over: a cold shutdown is enough and quicker than a warm one.
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(transactional_db, broker, tmp_path):
    """Start a worker on the test database and the broker; stopped after the test."""
    env = {**broker, "DATABASE_URL": database_url()}
    workers = []

    def start() -> Worker:
        worker = Worker(env, tmp_path / f"worker-{len(workers) + 1}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(run: SolveRun, condition, *, timeout: float = 60) -> list[int]:
    """Poll the run like the browser does until ``condition(run)``; the progress seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        if run.status == SolveRun.Status.RUNNING:
            seen.append(run.progress)
        if condition(run):
            return seen
        if time.monotonic() > deadline:
            pytest.fail(f"run {run.pk} is still {run.status} ({run.progress}%) after {timeout} s")
        time.sleep(0.1)


def finished(run: SolveRun) -> bool:
    return not run.is_active


def searching(run: SolveRun) -> bool:
    """In the CP-SAT phase, which runs until its time limit on the hard problem (or already
    over, if the solver got fast enough to prove it: then the asserts after say so)."""
    return not run.is_active or (run.status == SolveRun.Status.RUNNING and run.progress >= 50)


@pytest.fixture
def hard_event(transactional_db):
    return event_from_problem(hard_problem(seed=1))


def test_worker_solves_a_queued_run_end_to_end(start_worker, hard_event):
    start_worker()

    run = services.start_solve(event=hard_event, by=None, time_limit_s=3)
    seen = wait_for(run, finished)

    schedule = Schedule.objects.get(event=hard_event)
    assert (run.status, run.progress, run.error) == ("succeeded", 100, "")
    assert (schedule.solve_run, schedule.visits.count(), schedule.is_published) == (
        run,
        run.visits,
        False,
    )
    assert (seen == sorted(seen), any(0 < progress < 100 for progress in seen)) == (True, True)


@pytest.mark.parametrize("broker", ["filesystem"], indirect=True)
def test_worker_cancel_stops_the_solve_and_writes_nothing(start_worker, hard_event):
    start_worker()
    run = services.start_solve(event=hard_event, by=None, time_limit_s=120)
    wait_for(run, searching)

    assert run.status == "running", "the solve ended before it could be cancelled"
    services.cancel_solve(run=run, by=None)
    wait_for(run, finished)

    assert (run.status, run.cancel_requested, Schedule.objects.count()) == ("cancelled", True, 0)


def test_worker_killed_mid_solve_leaves_no_schedule_and_the_next_worker_redoes_it(
    start_worker, hard_event
):
    worker = start_worker()
    run = services.start_solve(event=hard_event, by=None, time_limit_s=60)
    wait_for(run, searching)

    worker.kill()

    run.refresh_from_db()
    assert (run.status, Schedule.objects.count()) == ("running", 0)
    # The watchdog, once the heartbeat is older than STALLED_AFTER: queued again, once.
    SolveRun.objects.filter(pk=run.pk).update(time_limit_s=2)
    later = timezone.now() + services.STALLED_AFTER + datetime.timedelta(seconds=5)
    assert services.fail_stalled_runs(now=later) == 1
    run.refresh_from_db()
    assert (run.status, run.message) == ("queued", services.REQUEUED_MESSAGE)

    start_worker()
    wait_for(run, finished)

    assert (run.status, list(Schedule.objects.values_list("version", "solve_run"))) == (
        "succeeded",
        [(1, run.pk)],
    )


@pytest.mark.parametrize("broker", ["filesystem"], indirect=True)
def test_two_simultaneous_starts_make_one_run(broker, hard_event):
    barrier = threading.Barrier(2)
    outcomes = []

    def start():
        try:
            barrier.wait()
            services.start_solve(event=hard_event, by=None, time_limit_s=2)
            outcomes.append("started")
        except services.SolveAlreadyRunning:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (sorted(outcomes), SolveRun.objects.count()) == (["refused", "started"], 1)
