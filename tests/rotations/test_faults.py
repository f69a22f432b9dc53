"""Faults around solving: the broker refusing a task, a worker dying mid-solve, and (with the
``services`` marker) a real Redis stopped and restarted under a real worker, and a real
worker killed with SIGKILL."""

import datetime

import pytest
from celery import current_app
from django.urls import reverse
from django.utils import timezone

from rotations import services
from rotations.models import SolveRun
from rotations.services import solving
from tests.events.scenario import make_organizer, make_ready_event


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
