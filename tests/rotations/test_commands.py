import io
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from events.models import Anchor, Event
from rotations import services
from rotations.models import Schedule, SolveRun
from tests.events.scenario import make_ready_event
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


def replan_event(*args, **options):
    out = io.StringIO()
    call_command("replan_event", *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def published_day(db):
    """A published four-round event and the anchor of a table with visits from round 3."""
    event = make_ready_event(groups=4, tables=8, rounds=4, name="North day")
    run = services.start_solve(event=event, by=None, time_limit_s=5)
    services.run_solve(run_id=run.pk)
    published = services.publish_schedule(schedule=Schedule.objects.get(solve_run=run), by=None)
    table_pk = published.visits.filter(round__gte=3).values_list("table", flat=True).first()
    return event, published, Anchor.objects.get(table_id=table_pk)


@pytest.mark.django_db(transaction=True)
def test_replan_event_json_prints_the_chosen_option(published_day, worker):
    event, published, anchor = published_day

    out = replan_event(
        str(event.pk),
        from_round=3,
        absent=[anchor.clinician.email],
        strategy="fewest-changes",
        json=True,
        time_limit=5,
    )

    result = json.loads(out)
    schedule = Schedule.objects.get(event=event, strategy="fewest-changes")
    attendance = event.attendances.get(clinician=anchor.clinician)
    assert attendance.status == "no-show"
    assert {key: result[key] for key in ("version", "strategy", "published", "from_round")} == {
        "version": schedule.version,
        "strategy": "fewest-changes",
        "published": False,
        "from_round": 3,
    }
    assert result["visits_before"] == published.visits.count()
    assert result["visits_after"] == schedule.visits.count()
    assert result["changed_visits"] >= 1
    assert result["changed_itineraries"] == len(
        services.changed_itineraries(old=published, new=schedule)
    )
    assert [option["strategy"] for option in result["options"]] == ["fewest-changes"]


@pytest.mark.django_db(transaction=True)
def test_replan_event_publish_publishes_the_best_option(published_day, worker):
    event, _published, anchor = published_day

    replan_event(
        "North day", from_round=3, absent=[anchor.clinician.email], publish=True, strategy="best"
    )

    assert Schedule.objects.get(event=event, is_published=True).strategy == "best"


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["404"], {"from_round": 2}, 'No event has the id or name "404".'),
        (["North day"], {"from_round": 5}, "North day has rounds 1–4; there is no round 5."),
        (
            ["North day"],
            {"from_round": 2, "absent": ["nobody@example.org"]},
            "Not at North day: nobody@example.org.",
        ),
    ],
)
def test_replan_event_bad_input_is_a_command_error(published_day, args, options, message):
    with pytest.raises(CommandError) as error:
        replan_event(*args, **options)

    assert str(error.value) == message
    assert not SolveRun.objects.filter(replan_from_round__isnull=False).exists()


def test_replan_event_nothing_published_is_a_command_error(db):
    make_ready_event(name="Unpublished")

    with pytest.raises(CommandError) as error:
        replan_event("Unpublished", from_round=2)

    assert str(error.value) == (
        "Unpublished has no published schedule: a re-plan keeps the rounds that happened. "
        "Publish a schedule first."
    )
