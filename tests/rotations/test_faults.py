"""Faults around solving: the broker refusing a task, a worker dying mid-solve, and (with the
``services`` marker) a real Redis stopped and restarted under a real worker, and a real
worker killed with SIGKILL."""

import datetime
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from celery import current_app
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from rotations import services
from rotations.models import Schedule, SolveRun
from rotations.services import solving
from tests.events.scenario import make_organizer, make_ready_event
from tests.rotations.helpers import event_from_problem, hard_problem
from tests.rotations.test_worker import (
    Worker,
    _use_broker,
    database_url,
    finished,
    missing,
    searching,
    wait_for,
)


@pytest.fixture
def organizer_client(client, db):
    client.force_login(make_organizer(username="olive"))
    return client


def refuse(*args, **kwargs):
    raise OSError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def broker_down(monkeypatch):
    monkeypatch.setattr(current_app.tasks[solving.SOLVE_TASK], "apply_async", refuse)


@pytest.fixture
def sent(monkeypatch):
    """The runs whose task was sent, instead of sending it."""
    runs = []
    monkeypatch.setattr(
        solving, "_dispatch", lambda run, raise_error=True: runs.append(run.pk) or True
    )
    return runs


@pytest.mark.django_db
def test_start_solve_broker_down_fails_the_run_and_leaves_nothing_queued(
    broker_down, django_capture_on_commit_callbacks
):
    event = make_ready_event()

    with (
        pytest.raises(services.QueueUnavailable),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.start_solve(event=event, by=None)

    assert list(SolveRun.objects.values_list("status", "error")) == [
        ("failed", services.QUEUE_UNAVAILABLE_ERROR)
    ]


@pytest.mark.django_db(transaction=True)
def test_solve_view_broker_down_says_the_queue_is_unavailable(organizer_client, broker_down):
    event = make_ready_event()

    response = organizer_client.post(
        reverse("rotations:solve", kwargs={"event_pk": event.pk}), follow=True
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [services.QUEUE_UNAVAILABLE_ERROR]
    assert SolveRun.objects.filter(event=event, status__in=SolveRun.ACTIVE_STATUSES).count() == 0


@pytest.mark.django_db
def test_solve_view_after_the_broker_is_back_starts_a_solve(
    organizer_client, monkeypatch, django_capture_on_commit_callbacks, sent
):
    event = make_ready_event()
    SolveRun.objects.create(
        event=event, status=SolveRun.Status.FAILED, error=services.QUEUE_UNAVAILABLE_ERROR
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(reverse("rotations:solve", kwargs={"event_pk": event.pk}))

    run = SolveRun.objects.get(event=event, status=SolveRun.Status.QUEUED)
    assert (response.url, sent) == (run.get_absolute_url(), [run.pk])


@pytest.mark.django_db
def test_watchdog_queues_a_run_whose_worker_died_again_once(
    sent, django_capture_on_commit_callbacks
):
    event = make_ready_event()
    now = timezone.now()
    run = SolveRun.objects.create(
        event=event,
        status=SolveRun.Status.RUNNING,
        claimed_by="host:1:abc",
        progress=60,
        heartbeat_at=now - datetime.timedelta(seconds=25),
    )

    with django_capture_on_commit_callbacks(execute=True):
        count = services.fail_stalled_runs(now=now)

    run.refresh_from_db()
    assert (count, run.status, run.progress, run.message, run.claimed_by, sent) == (
        1,
        "queued",
        0,
        services.REQUEUED_MESSAGE,
        "host:1:abc",
        [run.pk],
    )


@pytest.mark.django_db
def test_watchdog_fails_a_retry_whose_worker_died_too(sent):
    event = make_ready_event()
    now = timezone.now()
    run = SolveRun.objects.create(
        event=event,
        status=SolveRun.Status.RUNNING,
        claimed_by=f"host:2:def{solving.RETRY_CLAIM_SUFFIX}",
        heartbeat_at=now - datetime.timedelta(seconds=25),
    )

    count = services.fail_stalled_runs(now=now)

    run.refresh_from_db()
    assert (count, run.status, run.error, sent) == (1, "failed", services.STALLED_ERROR, [])


@pytest.mark.django_db
def test_watchdog_requeue_with_the_broker_down_fails_the_run(
    broker_down, django_capture_on_commit_callbacks
):
    event = make_ready_event()
    now = timezone.now()
    run = SolveRun.objects.create(
        event=event,
        status=SolveRun.Status.RUNNING,
        claimed_by="host:1:abc",
        heartbeat_at=now - datetime.timedelta(seconds=25),
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.fail_stalled_runs(now=now)

    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", services.QUEUE_UNAVAILABLE_ERROR)


@pytest.mark.django_db
def test_run_solve_requeued_run_is_solved_under_a_retry_claim():
    event = make_ready_event(groups=2, tables=3, rounds=3)
    run = SolveRun.objects.create(
        event=event, status=SolveRun.Status.QUEUED, claimed_by="host:1:abc", time_limit_s=5
    )

    services.run_solve(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.claimed_by.endswith(solving.RETRY_CLAIM_SUFFIX)) == (
        "succeeded",
        True,
    )


@pytest.mark.django_db
def test_run_status_silent_first_attempt_shows_waiting_for_another_worker():
    event = make_ready_event()
    run = SolveRun.objects.create(
        event=event,
        status=SolveRun.Status.RUNNING,
        claimed_by="host:1:abc",
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=25),
    )

    status = services.run_status(run=run)

    assert (status["status"], status["message"], status["error"]) == (
        "queued",
        services.REQUEUED_MESSAGE,
        "",
    )


# --- With a real Redis and real workers (services) --------------------------------------


class RedisServer:
    """A throwaway redis-server on a free port (or ROUNDS_TEST_REDIS_PORT, on a machine that
    hands out ports), no persistence: ``stop`` and ``start`` it to play an outage or a restart
    (which, like a real one without persistence, loses the queue)."""

    def __init__(self, log: Path):
        if shutil.which("redis-server") is None:
            missing("redis-server is not installed")
        self.port = int(os.environ.get("ROUNDS_TEST_REDIS_PORT", "0"))
        if not self.port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--daemonize", "no"],
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"redis-server did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path, monkeypatch):
    """A private Redis as this process's Celery broker; stopped after the test."""
    server = RedisServer(tmp_path / "redis.log")
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    _use_broker(server.url, {"visibility_timeout": 3600, "socket_connect_timeout": 2})
    yield server
    server.stop()
    monkeypatch.undo()
    _use_broker(*saved)


@pytest.fixture
def workers(transactional_db, redis_server, tmp_path):
    """Start workers on the test database and the private Redis; stopped after the test."""
    env = {
        "ROUNDS_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": redis_server.url,
        "DATABASE_URL": database_url(),
    }
    started = []

    def start(pool: tuple[str, ...] = ("--pool=solo",)) -> Worker:
        worker = Worker(env, tmp_path / f"worker-{len(started) + 1}.log", pool)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def hard_event(transactional_db):
    return event_from_problem(hard_problem(seed=1))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_redis_down_solve_is_refused_and_nothing_stays_queued(redis_server, hard_event):
    redis_server.stop()

    started = time.monotonic()
    with pytest.raises(services.QueueUnavailable):
        services.start_solve(event=hard_event, by=None, time_limit_s=2)
    took = time.monotonic() - started

    assert list(SolveRun.objects.values_list("status", "error")) == [
        ("failed", services.QUEUE_UNAVAILABLE_ERROR)
    ]
    assert took < 15


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pool", ["solo", "prefork-with-beat"])
def test_real_redis_restarted_mid_solve_worker_finishes_and_takes_the_next_solve(
    workers, redis_server, hard_event, pool, tmp_path
):
    if pool == "solo":
        worker = workers(("--pool=solo",))
    else:  # as in production and `make run`
        worker = workers(("--pool=prefork", "--beat", f"--schedule={tmp_path / 'beat'}"))
    run = services.start_solve(event=hard_event, by=None, time_limit_s=8)
    wait_for(run, searching, timeout=60)

    redis_server.stop()
    time.sleep(8)  # down for longer than the solve has left
    redis_server.start()
    wait_for(run, finished, timeout=60)
    time.sleep(3)  # time for the worker to notice the lost connection and reconnect

    alive_after_restart = worker.process.poll() is None
    second = services.start_solve(event=hard_event, by=None, time_limit_s=2)
    wait_for(second, finished, timeout=90)

    assert (run.status, second.status, alive_after_restart) == ("succeeded", "succeeded", True)
    assert sorted(Schedule.objects.values_list("solve_run", flat=True)) == [run.pk, second.pk]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_worker_killed_mid_solve_the_next_worker_solves_it_again(workers, hard_event):
    first = workers()
    run = services.start_solve(event=hard_event, by=None, time_limit_s=60)
    wait_for(run, searching, timeout=60)
    first_claim = SolveRun.objects.get(pk=run.pk).claimed_by

    first.kill()
    killed_at = time.monotonic()
    # The retry needs less time than the test's first, deliberately long, solve.
    SolveRun.objects.filter(pk=run.pk).update(time_limit_s=3)
    workers()

    def watchdog_then(condition):
        # What beat does every WATCHDOG_EVERY_S: here every second.
        def check(run):
            services.fail_stalled_runs()
            return condition(run)

        return check

    wait_for(run, watchdog_then(lambda run: run.status != "running"), timeout=60)
    requeued_after = time.monotonic() - killed_at
    wait_for(run, finished, timeout=90)

    assert (run.status, run.claimed_by.endswith(solving.RETRY_CLAIM_SUFFIX)) == (
        "succeeded",
        True,
    )
    assert run.claimed_by != first_claim
    assert list(Schedule.objects.values_list("solve_run", flat=True)) == [run.pk]
    assert requeued_after < services.STALLED_AFTER.total_seconds() + 10


@pytest.mark.services
@pytest.mark.django_db
def test_real_redis_cache_stopped_personal_links_still_open(tmp_path, settings, caplog):
    from config import cache as tolerant
    from tests.itineraries.factories import make_small_event
    from tests.test_security import personal_urls

    server = RedisServer(tmp_path / "redis.log")
    try:
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.TolerantRedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        tolerant.TolerantRedisCache._down_until = 0.0
        urls = personal_urls(make_small_event())
        client = Client()
        with_redis = {client.get(url).status_code for url in urls}

        server.stop()
        started = time.monotonic()
        without_redis = {client.get(url).status_code for url in urls}
        took = time.monotonic() - started
        guess = client.get(reverse("itineraries:detail", kwargs={"token": "guess"}))
    finally:
        server.stop()
        tolerant.TolerantRedisCache._down_until = 0.0

    assert (with_redis, without_redis, guess.status_code) == ({200}, {200}, 404)
    assert took < 5
    assert "Cache unreachable" in caplog.text


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_prefork_child_killed_mid_solve_is_solved_again(workers, hard_event):
    workers(("--pool=prefork",))
    run = services.start_solve(event=hard_event, by=None, time_limit_s=60)
    wait_for(run, searching, timeout=60)
    child = int(SolveRun.objects.get(pk=run.pk).claimed_by.split(":")[1])

    os.kill(child, signal.SIGKILL)  # the pool process solving it, as the OOM killer would
    SolveRun.objects.filter(pk=run.pk).update(time_limit_s=3)

    def watchdog_then_finished(run):
        services.fail_stalled_runs()  # what beat does every WATCHDOG_EVERY_S
        return finished(run)

    wait_for(run, watchdog_then_finished, timeout=120)

    assert (run.status, run.claimed_by.endswith(solving.RETRY_CLAIM_SUFFIX)) == (
        "succeeded",
        True,
    )
    assert list(Schedule.objects.values_list("solve_run", flat=True)) == [run.pk]
