import io
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from series import planning

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    """Stands in for the broker and the worker (what would leave the machine): the plan task,
    once sent, runs in this process."""

    def deliver(args, **options):
        planning.run_plan(plan_id=args[0])

    with mock.patch("series.tasks.plan_task.apply_async", side_effect=deliver) as apply_async:
        yield apply_async


def plan_series(*args, **options):
    out = io.StringIO()
    call_command("plan_series", *args, stdout=out, **options)
    return out.getvalue()


def test_plan_series_json_prints_the_figures(world, worker):
    figures = json.loads(plan_series("Regional evenings", "--json", "--time-limit", "5"))

    assert {key: figures[key] for key in planning_keys()} == {
        "evenings": 2,
        "shared_patient_pairs": 5,
        "pairs_meeting": 4,
        "upper_bound": 4,
    }
    # No evening is solved yet: no figure from schedules (test_shared_patients has one).
    assert (figures["pairs_meeting_scheduled"], figures["evenings_scheduled"]) == (None, 0)
    assert worker.call_count == 1


def planning_keys():
    return ("evenings", "shared_patient_pairs", "pairs_meeting", "upper_bound")


def test_plan_series_wait_says_the_summary(world, worker):
    out = plan_series(str(world.series.pk), "--wait")

    # Needs: Internal Medicine at Quincy and at Hingham each need Cardiology (the one
    # cardiologist anchors one evening), Pediatrics at Milton Neonatology, Internal Medicine
    # at Hingham Dermatology: 3 of the 4 can be met.
    assert out.splitlines()[-1] == (
        "Planned: 80% of shared-patient pairs meet this season (the most that can); "
        "3 of 4 needs met."
    )


def test_plan_series_without_wait_only_queues(world):
    with mock.patch("series.tasks.plan_task.apply_async") as apply_async:
        out = plan_series(str(world.series.pk))
    assert out.startswith("Queued plan ") and apply_async.call_count == 1


def test_plan_series_unknown_series_is_a_command_error(db):
    with pytest.raises(CommandError, match='No series has the id or name "Nowhere"'):
        plan_series("Nowhere")


def test_plan_series_queue_down_is_a_command_error(world):
    with (
        mock.patch("series.tasks.plan_task.apply_async", side_effect=OSError("refused")),
        pytest.raises(CommandError, match="task queue is unavailable"),
    ):
        plan_series(str(world.series.pk))
