import io
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from events.models import Event
from rotations import services
from rotations.models import Schedule, SolveRun
from tests.factories import make_event


def solve_event(*args, **options):
    out = io.StringIO()
    call_command("solve_event", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def worker():
    """Stands in for the broker and the worker (what would leave the machine): the task
    message, once sent, is solved in this process."""

    def deliver(args, **options):
        services.run_solve(run_id=args[0])

    with mock.patch("rotations.tasks.solve_task.apply_async", side_effect=deliver) as apply:
        yield apply


def test_solve_event_unknown_event_is_a_command_error(db):
    with pytest.raises(CommandError) as error:
        solve_event("No such event")

    assert str(error.value) == 'No event has the id or name "No such event".'


def test_solve_event_two_events_with_the_name_asks_for_the_id(db):
    first, second = make_event(name="Twice"), make_event(name="Twice")

    with pytest.raises(CommandError) as error:
        solve_event("Twice")

    assert str(error.value) == f'2 events are named "Twice"; give the id: {first.pk}, {second.pk}.'


def test_solve_event_not_ready_lists_the_problems(db):
    event = make_event(name="Empty")

    with pytest.raises(CommandError) as error:
        solve_event(str(event.pk))

    assert str(error.value) == (
        "The event is not ready to schedule:\n"
        "  - The event has no tables.\n"
        "  - The event has no travelling groups."
    )


def test_solve_event_already_running_is_a_command_error(small):
    SolveRun.objects.create(event=small.event, status=SolveRun.Status.RUNNING)

    with pytest.raises(CommandError) as error:
        solve_event("North spring")

    assert str(error.value).startswith("A solve is already running for this event (started ")


def test_solve_event_without_wait_queues_and_dispatches_on_commit(
    small, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        out = solve_event("North spring", time_limit=7, seed=2)

    run = SolveRun.objects.get()
    assert out == f"Queued solve run {run.pk} for {small.event} (7 s).\n"
    assert (run.status, run.time_limit_s, run.seed, len(callbacks)) == ("queued", 7, 2, 1)


@pytest.mark.django_db(transaction=True)
def test_solve_event_wait_reports_the_schedule(small, worker):
    out = solve_event(str(small.event.pk), wait=True, time_limit=5)

    run = SolveRun.objects.get()
    assert out == (
        f"Queued solve run {run.pk} for {small.event} (5 s).\n"
        f"Succeeded: {run.visits} visits (optimal), min share {run.min_share:.2f} of at most "
        f"{run.min_share_upper_bound:.2f}; schedule version 1.\n"
    )
    assert Schedule.objects.get().is_published is False


@pytest.mark.django_db(transaction=True)
def test_solve_event_publish_publishes_the_new_schedule(small, worker):
    out = solve_event("North spring", publish=True, time_limit=5)

    small.event.refresh_from_db()
    assert out.endswith("schedule version 1.\nPublished version 1.\n")
    assert (Schedule.objects.get().is_published, small.event.status) == (
        True,
        Event.Status.PUBLISHED,
    )


@pytest.mark.django_db(transaction=True)
def test_solve_event_infeasible_exits_1_with_the_reasons(small):
    def deliver(args, **options):
        small.t3.anchors.all().delete()  # the anchor drops out before the worker starts
        services.run_solve(run_id=args[0])

    with (
        mock.patch("rotations.tasks.solve_task.apply_async", side_effect=deliver),
        pytest.raises(CommandError) as error,
    ):
        solve_event("North spring", wait=True)

    assert (str(error.value), error.value.returncode) == (
        "No schedule keeps every rule:\n  - Table 3 (Dermatology) has no anchor.",
        1,
    )


@pytest.mark.django_db(transaction=True)
def test_solve_event_failed_run_exits_1_with_the_error(small):
    def deliver(args, **options):
        services.fail_stalled_runs(now=timezone.now() + services.QUEUED_TOO_LONG * 2)

    with (
        mock.patch("rotations.tasks.solve_task.apply_async", side_effect=deliver),
        pytest.raises(CommandError) as error,
    ):
        solve_event("North spring", wait=True)

    assert (str(error.value), error.value.returncode) == (
        f"The solve failed: {services.LOST_ERROR}",
        1,
    )


def test_export_instance_prints_the_instance_json(small):
    out = io.StringIO()

    call_command("export_instance", "North spring", stdout=out)

    assert json.loads(out.getvalue()) == services.export_instance(event=small.event)


def test_export_instance_output_writes_the_file(small, tmp_path):
    path = tmp_path / "north.json"

    call_command("export_instance", str(small.event.pk), output=str(path), stdout=io.StringIO())

    assert json.loads(path.read_text()) == services.export_instance(event=small.event)


def test_export_instance_unknown_event_is_a_command_error(db):
    with pytest.raises(CommandError) as error:
        call_command("export_instance", "404")

    assert str(error.value) == 'No event has the id or name "404".'
