"""Planning a season (series.planning): the planner's problem read from a hand-made series,
the plan task writing the plan, the chord over the evenings, the memory across the season."""

import datetime
import io
from unittest import mock

import pytest
from celery import current_app
from django.test import TestCase
from django.utils import timezone

from accounts.models import AuditEntry
from rotations.models import SolveRun
from rotations.services import build_problem, group_id, jobs, table_id
from rotations.solver import solve
from series import planning
from series.models import PlannedPlace, SeriesPlan
from series.tasks import plan_task
from tests.factories import make_anchor, make_group, make_table
from tests.rotations.helpers import make_schedule

pytestmark = pytest.mark.django_db


def ids(world, *clinicians):
    return {planning.specialist_id(c) for c in clinicians}


def test_the_problem_of_a_series_nobody_was_invited_to(world):
    problem = planning.build_series_problem(world.series)

    north, south = (
        planning.evening_id(world.north_evening),
        planning.evening_id(world.south_evening),
    )
    assert [(e.id, e.sites, e.tables) for e in problem.evenings] == [
        (north, ("Milton", "Quincy"), 3),
        (south, ("Hingham",), 3),
    ]
    assert {s.id: (s.specialty, s.sites, s.available_evenings) for s in problem.specialists} == {
        planning.specialist_id(world.heart): ("Cardiology", ("Hingham", "Quincy"), None),
        planning.specialist_id(world.baby): ("Neonatology", ("Milton",), None),
        planning.specialist_id(world.skin): ("Dermatology", ("Hingham",), None),
    }
    # Two active clinicians of Internal Medicine at Quincy (the retired one does not count).
    assert sorted((g.name, g.clinicians) for g in problem.groups) == [
        ("Internal Medicine (Hingham)", (("Hingham", 1),)),
        ("Internal Medicine (Quincy)", (("Quincy", 2),)),
        ("Pediatrics (Milton)", (("Milton", 1),)),
    ]


def test_a_plan_by_hand_four_of_five_pairs_meet(world):
    # Pairs: Quincy's 2 with the cardiologist, Milton's 1 with the neonatologist, Hingham's 1
    # with the cardiologist and 1 with the dermatologist: 5. The cardiologist anchors one
    # evening: at the North one 2 meet, at the South one 1; the best plan brings 4 together.
    problem = planning.build_series_problem(world.series)
    series_plan = SeriesPlan.objects.create(series=world.series, status="running")
    plan = planning.plan_series(problem, time_limit_s=10)

    planning.write_plan(series_plan=series_plan, problem=problem, plan=plan)

    series_plan.refresh_from_db()
    figures = series_plan.figures
    assert (
        figures["evenings"],
        figures["shared_patient_pairs"],
        figures["pairs_meeting"],
        figures["upper_bound"],
        figures["summary"],
        series_plan.status,
    ) == (
        2,
        5,
        4,
        4,
        "80% of shared-patient pairs meet this season (the most that can); 3 of 4 needs met",
        "succeeded",
    )
    anchors = {
        (place.clinician_id, place.evening_id)
        for place in PlannedPlace.objects.filter(plan=series_plan, clinician__isnull=False)
    }
    assert anchors == {
        (world.heart.pk, world.north_evening.pk),
        (world.baby.pk, world.north_evening.pk),
        (world.skin.pk, world.south_evening.pk),
    }
    assert PlannedPlace.objects.filter(plan=series_plan, department__isnull=False).count() == 3


def test_replies_decide_the_evenings_a_specialist_may_anchor(world, invite, answer):
    north = invite(world.north_evening)
    south = invite(world.south_evening)
    answer(north[world.heart], "no")
    answer(south[world.heart], "yes")
    answer(north[world.ann], "no")

    problem = planning.build_series_problem(world.series)
    plan = planning.plan_series(problem, time_limit_s=10)

    heart = next(s for s in problem.specialists if s.id == planning.specialist_id(world.heart))
    assert heart.available_evenings == frozenset({planning.evening_id(world.south_evening)})
    # Ann said no to her only invitation: Quincy's group counts Bob alone. Pairs: Bob and
    # Hingham's one with the cardiologist, Milton with the neonatologist, Hingham with the
    # dermatologist (4); the cardiologist can only be at the South evening: 3 meet.
    assert (plan.shared_patient_pairs, plan.pairs_meeting, plan.upper_bound) == (4, 3, 3)


def test_the_plan_task_writes_the_plan(world):
    with mock.patch("series.tasks.plan_task.apply_async") as apply_async:
        series_plan = planning.start_plan(series=world.series, by=world.user, time_limit_s=5)
    assert apply_async.call_args.kwargs["args"] == [series_plan.pk]

    plan_task(series_plan.pk)
    plan_task(series_plan.pk)  # redelivered: nothing more

    series_plan.refresh_from_db()
    assert (series_plan.status, series_plan.figures["pairs_meeting"]) == ("succeeded", 4)
    assert PlannedPlace.objects.filter(plan=series_plan).count() == 6
    assert planning.plan_in_force(world.series) == series_plan
    assert AuditEntry.objects.filter(action=planning.PLANNED).count() == 1


def test_a_second_plan_while_one_runs_is_refused(world):
    with mock.patch("series.tasks.plan_task.apply_async"):
        planning.start_plan(series=world.series, by=world.user)
        with pytest.raises(planning.PlanAlreadyRunning):
            planning.start_plan(series=world.series, by=world.user)


def test_queue_down_fails_the_plan_and_says_so(world):
    with (
        mock.patch("series.tasks.plan_task.apply_async", side_effect=OSError("refused")),
        pytest.raises(planning.QueueUnavailable, match="task queue is unavailable"),
    ):
        planning.start_plan(series=world.series, by=world.user)
    assert list(SeriesPlan.objects.values_list("status", flat=True)) == ["failed"]


def seat(world):
    """Each evening gets a cardiology table (the cardiologist anchors) and a dermatology
    table, and a group of Internal Medicine (Quincy) with Ann."""
    groups = {}
    for evening in (world.north_evening, world.south_evening):
        event = evening.event
        cardio = make_table(event=event, specialty=world.cardiology)
        make_anchor(event=event, table=cardio, clinician=world.heart)
        skin = make_table(event=event, specialty=world.dermatology)
        make_anchor(event=event, table=skin, clinician=world.skin)
        groups[evening.pk] = (
            make_group(event=event, department=world.ann.department, members=[world.ann]),
            cardio,
            skin,
        )
    return groups


def test_solve_every_evening_runs_one_task_per_evening_as_a_chord(world, settings):
    seat(world)
    for evening in (world.north_evening, world.south_evening):
        evening.event.rounds = 1
        evening.event.save(update_fields=["rounds"])
    current_app.conf.task_always_eager = True
    try:
        runs = planning.solve_every_evening(series=world.series, by=world.user, time_limit_s=5)
    finally:
        current_app.conf.task_always_eager = False

    statuses = set(SolveRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("status"))
    assert (len(runs), statuses) == (2, {("succeeded",)})
    assert AuditEntry.objects.get(action=planning.EVENINGS_SOLVED).message == (
        "2 of the 2 evenings of Regional evenings were solved."
    )
    status = planning.evenings_status(series=world.series)
    assert (status["progress"], status["is_active"]) == (100, False)


def test_solve_every_evening_with_the_queue_down_leaves_nothing_queued(world):
    seat(world)
    with (
        mock.patch("series.planning.chord", side_effect=OSError("refused")),
        pytest.raises(planning.QueueUnavailable),
    ):
        planning.solve_every_evening(series=world.series, by=world.user)
    assert set(SolveRun.objects.values_list("status", flat=True)) == {"failed"}


def test_an_evening_not_ready_queues_nothing(world):
    with pytest.raises(planning.EveningsNotReady) as refused:
        planning.solve_every_evening(series=world.series, by=world.user)
    assert refused.value.problems[0].startswith("North evening: ")
    assert not SolveRun.objects.exists()


def test_a_group_that_met_cardiology_at_an_earlier_evening_is_steered_away(world):
    # Both specialists practise at Quincy, so both tables are as close to the group.
    world.skin.sites.add(world.quincy)
    groups = seat(world)
    north_group, north_cardio, _ = groups[world.north_evening.pk]
    make_schedule(world.north_evening.event, [(1, north_group, north_cardio)], published=True)
    south = world.south_evening.event
    south.rounds = 1
    south.save(update_fields=["rounds"])
    south_group, south_cardio, south_skin = groups[world.south_evening.pk]

    problem = build_problem(event=south)
    solution = solve(problem, time_limit_s=5)

    assert problem.met_before == {(group_id(south_group), table_id(south_cardio))}
    assert [(v.group, v.table) for v in solution.visits] == [
        (group_id(south_group), table_id(south_skin))
    ]


def test_without_the_earlier_evening_the_group_goes_to_cardiology(world):
    # The same set-up with nothing published at the North evening: the tie goes either way,
    # so the cardiologist alone is close to the group (Quincy) and wins.
    groups = seat(world)
    south = world.south_evening.event
    south.rounds = 1
    south.save(update_fields=["rounds"])
    south_group, south_cardio, _ = groups[world.south_evening.pk]

    problem = build_problem(event=south)
    solution = solve(problem, time_limit_s=5)

    assert problem.met_before == frozenset()
    assert [(v.group, v.table) for v in solution.visits] == [
        (group_id(south_group), table_id(south_cardio))
    ]


def test_an_evening_later_in_the_season_only_counts_earlier_ones(world):
    groups = seat(world)
    south_group, south_cardio, _ = groups[world.south_evening.pk]
    make_schedule(world.south_evening.event, [(1, south_group, south_cardio)], published=True)

    # The South evening is later: the North evening does not remember it.
    assert build_problem(event=world.north_evening.event).met_before == frozenset()


def test_the_demo_season_has_every_reply_state_and_a_plan(db):
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    from series.demo import DEMO_SERIES_NAME
    from series.models import Invitation, Series

    series = Series.objects.get(name=DEMO_SERIES_NAME)
    states = set(Invitation.objects.filter(evening__series=series).values_list("status", flat=True))
    assert states == set(Invitation.Status.values)
    assert series.evenings.count() == 3
    assert len({site.region_id for e in series.evenings.all() for site in e.sites.all()}) == 3
    plan = planning.plan_in_force(series)
    assert 0 < plan.figures["pairs_meeting"] <= plan.figures["upper_bound"]
    assert plan.figures["upper_bound"] <= plan.figures["shared_patient_pairs"]


# --- A plan whose worker dies (the solves' rule: rotations.services.jobs) -------------------


def test_the_plan_task_survives_a_worker_crash_and_beat_runs_its_watchdog(settings):
    from series.tasks import fail_stalled_plans_task

    assert (plan_task.acks_late, plan_task.reject_on_worker_lost) == (True, True)
    assert settings.CELERY_BEAT_SCHEDULE["plan-watchdog"] == {
        "task": fail_stalled_plans_task.name,
        "schedule": jobs.WATCHDOG_EVERY_S,
    }


def test_a_plan_held_by_a_live_worker_is_left_to_it(world):
    beat = timezone.now() - datetime.timedelta(seconds=5)
    series_plan = SeriesPlan.objects.create(
        series=world.series, status="running", claimed_by="other:1:abc", heartbeat_at=beat
    )

    plan_task(series_plan.pk)  # a duplicate delivery

    series_plan.refresh_from_db()
    assert (series_plan.status, series_plan.claimed_by, series_plan.heartbeat_at) == (
        "running",
        "other:1:abc",
        beat,
    )


def test_a_plan_whose_worker_died_is_queued_again_and_planned_by_the_next_worker(world):
    now = timezone.now()
    series_plan = SeriesPlan.objects.create(
        series=world.series,
        status="running",
        claimed_by="dead:1:abc",
        progress=40,
        time_limit_s=5,
        heartbeat_at=now - datetime.timedelta(seconds=25),
    )
    shown = planning.plan_status(series_plan=series_plan)

    with (
        mock.patch("series.tasks.plan_task.apply_async") as apply_async,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        count = planning.fail_stalled_plans(now=now)
    queued = SeriesPlan.objects.get(pk=series_plan.pk)
    plan_task(*apply_async.call_args.kwargs["args"])

    series_plan.refresh_from_db()
    assert (shown["status"], shown["is_active"], shown["message"]) == (
        "queued",
        True,
        "The worker stopped; waiting for another worker to plan it again",
    )
    assert (count, queued.status, queued.progress, queued.message) == (
        1,
        "queued",
        0,
        "The worker stopped; waiting for another worker to plan it again",
    )
    assert (series_plan.status, series_plan.claimed_by.endswith(jobs.RETRY_CLAIM_SUFFIX)) == (
        "succeeded",
        True,
    )
    assert series_plan.figures["pairs_meeting"] == 4


def test_a_plan_whose_second_worker_died_too_fails_and_the_button_plans_again(world):
    now = timezone.now()
    series_plan = SeriesPlan.objects.create(
        series=world.series,
        status="running",
        claimed_by="dead:2:def" + jobs.RETRY_CLAIM_SUFFIX,
        heartbeat_at=now - datetime.timedelta(seconds=25),
    )

    with mock.patch("series.tasks.plan_task.apply_async") as apply_async:
        count = planning.fail_stalled_plans(now=now)
        series_plan.refresh_from_db()
        again = planning.start_plan(series=world.series, by=world.user)

    assert (count, series_plan.status, series_plan.error, apply_async.call_count) == (
        1,
        "failed",
        "The worker stopped while planning. Retry the plan.",
        1,
    )
    assert again.status == "queued"


def test_a_plan_nobody_picked_up_for_half_an_hour_fails(world):
    series_plan = SeriesPlan.objects.create(series=world.series, status="queued")

    count = planning.fail_stalled_plans(now=timezone.now() + datetime.timedelta(minutes=31))

    series_plan.refresh_from_db()
    assert (count, series_plan.status, series_plan.error) == (
        1,
        "failed",
        planning.PLAN_WORDS.lost,
    )


def test_a_plan_taken_from_its_worker_writes_nothing(world):
    series_plan = SeriesPlan.objects.create(series=world.series, status="queued", time_limit_s=5)
    real_plan_series = planning.plan_series

    def plan_then_lose_it(problem, **kwargs):
        # The watchdog gave the plan to another worker while this one was planning.
        SeriesPlan.objects.filter(pk=series_plan.pk).update(claimed_by="another:2:xyz")
        return real_plan_series(problem, **kwargs)

    with mock.patch.object(planning, "plan_series", side_effect=plan_then_lose_it):
        planning.run_plan(plan_id=series_plan.pk)

    series_plan.refresh_from_db()
    assert (series_plan.status, series_plan.claimed_by, series_plan.places.count()) == (
        "running",
        "another:2:xyz",
        0,
    )


def test_an_evenings_task_waits_for_a_run_another_worker_holds(world):
    # A second delivery of an evening's task (its first worker's child was killed, and Celery
    # re-queued the message) while the worker that took the run over is solving it.
    run = SolveRun.objects.create(
        event=world.north_evening.event,
        status=SolveRun.Status.RUNNING,
        claimed_by="other:1:abc",
        heartbeat_at=timezone.now(),
    )

    waiting = planning.solve_evening(run_id=run.pk)
    last_try = planning.solve_evening(run_id=run.pk, last_try=True)
    SolveRun.objects.filter(pk=run.pk).update(status=SolveRun.Status.SUCCEEDED)
    ended = planning.solve_evening(run_id=run.pk)

    assert (waiting, last_try, ended) == (None, "running", "succeeded")
