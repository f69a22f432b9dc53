import itertools
from unittest import mock

import pytest
from django.urls import reverse

from rotations.advice import Advice, Change, _merged_weights, advise
from rotations.models import Schedule, SolveRun
from rotations.services.advising import ADVISE_TASK, advise_run
from rotations.services.solving import run_solve
from rotations.solver import Group, Problem, Solution, Status, Table, Track, Visit
from tests.events.scenario import make_organizer
from tests.rotations.helpers import event_from_problem

# Two pediatric groups, two adult ones; three adult tables and one all-ages table, so the
# pediatric groups may visit one table in four rounds.
PEDIATRIC_SHORT = Problem(
    name="North",
    rounds=4,
    tables=(
        Table(id="T1", specialty="Cardiology", track=Track.ADULT, label="table 1 (Cardiology)"),
        Table(id="T2", specialty="Nephrology", track=Track.ADULT, label="table 2 (Nephrology)"),
        Table(id="T3", specialty="Urology", track=Track.ADULT, label="table 3 (Urology)"),
        Table(
            id="T4", specialty="Dermatology", track=Track.ALL_AGES, label="table 4 (Dermatology)"
        ),
    ),
    groups=(
        Group(id="G1", name="Internal Medicine East", track=Track.ADULT, size=4),
        Group(id="G2", name="Internal Medicine West", track=Track.ADULT, size=4),
        Group(id="G3", name="Pediatrics North", track=Track.PEDIATRIC, size=3),
        Group(id="G4", name="Pediatrics South", track=Track.PEDIATRIC, size=3),
    ),
)


def _schedule(*visits: tuple[int, str, str]) -> Solution:
    return Solution(
        status=Status.OPTIMAL,
        visits=tuple(sorted(Visit(round=r, group=g, table=t) for r, g, t in visits)),
        visits_upper_bound=len(visits),
        min_share_upper_bound=1.0,
        min_share=0.0,
        affinity=0,
        met_before_revisits=0,
        repeated_pairs=0,
    )


# The solved schedule of PEDIATRIC_SHORT, written out so that the empty seats are exact.
PEDIATRIC_SHORT_SCHEDULE = _schedule(
    (1, "G1", "T1"),
    (2, "G1", "T2"),
    (3, "G1", "T3"),
    (4, "G1", "T4"),
    (1, "G2", "T2"),
    (2, "G2", "T3"),
    (3, "G2", "T4"),
    (4, "G2", "T1"),
    (1, "G3", "T4"),
    (2, "G4", "T4"),
)

PEDIATRIC_SHORT_ADVICE = Advice(
    idle=("Pediatrics North and Pediatrics South (pediatric) sit out 3 of 4 rounds each.",),
    empty_seats=(
        "Table 1 (Cardiology) has 2 empty seats (rounds 2–3).",
        "Table 2 (Nephrology) has 2 empty seats (rounds 3–4).",
        "Table 3 (Urology) has 2 empty seats (rounds 1, 4).",
    ),
    changes=(
        Change(
            text="Three more pediatric or all-ages tables give Pediatrics North and Pediatrics "
            "South 3 more visits each.",
            kind="table:all-ages:3x1,table:pediatric:3x1",
            visits_gained=6,
            worst_gained=6,
        ),
        Change(
            text="One more pediatric or all-ages table gives Pediatrics North and Pediatrics "
            "South 1 more visit each.",
            kind="table:all-ages,table:pediatric",
            visits_gained=2,
            worst_gained=2,
        ),
    ),
)


def test_advise_pediatric_groups_short_of_tables_get_one_more_table():
    advice = advise(PEDIATRIC_SHORT, PEDIATRIC_SHORT_SCHEDULE)

    assert advice == PEDIATRIC_SHORT_ADVICE


def test_advise_three_groups_for_one_table_ranks_what_helps_the_worst_served():
    problem = Problem(
        name="Small",
        rounds=2,
        tables=(
            Table(id="T1", specialty="Cardiology", track=Track.ADULT, label="table 1 (Cardiology)"),
        ),
        groups=(
            Group(id="G1", name="Family Medicine", track=Track.ADULT, size=2),
            Group(id="G2", name="Geriatrics", track=Track.ADULT, size=3),
            Group(id="G3", name="Internal Medicine", track=Track.ADULT, size=5),
        ),
    )
    schedule = _schedule((1, "G3", "T1"), (2, "G1", "T1"))

    advice = advise(problem, schedule)

    assert advice == Advice(
        idle=(
            "Geriatrics (adult) sits out 2 of 2 rounds.",
            "Family Medicine and Internal Medicine (adult) sit out 1 of 2 rounds each.",
        ),
        empty_seats=(),
        changes=(
            Change(
                text="One more adult or all-ages table gives Geriatrics 2 more visits.",
                kind="table:all-ages,table:adult",
                visits_gained=2,
                worst_gained=2,
            ),
            Change(
                text="One more round gives Geriatrics 1 more visit.",
                kind="round",
                visits_gained=1,
                worst_gained=1,
            ),
            Change(
                text="Merging Family Medicine and Geriatrics (the two smallest adult groups, 2 "
                "and 3 people) gives Geriatrics 1 more visit.",
                kind="merge:G1:G2",
                visits_gained=1,
                worst_gained=1,
            ),
            Change(
                text="Seating 2 groups a round at table 1 (Cardiology) instead of 1 gives "
                "Geriatrics 1 more visit.",
                kind="capacity:T1",
                visits_gained=1,
                worst_gained=1,
            ),
        ),
    )


def test_advise_every_group_busy_needs_no_change():
    problem = Problem(
        name="Busy",
        rounds=1,
        tables=(Table(id="T1", specialty="Cardiology", track=Track.ADULT, capacity=2),),
        groups=(Group(id="G1", name="Family Medicine", track=Track.ADULT),),
    )

    advice = advise(problem, _schedule((1, "G1", "T1")))

    assert advice == Advice(
        idle=(),
        empty_seats=("Table T1 (Cardiology) has an empty seat (round 1).",),
        changes=(),
        note="Every group is at a table in every round it is there.",
    )


def test_advise_out_of_time_says_what_was_not_tried():
    # The advice starts at 0 and its first what-if at 0; by the second, 30 s have gone.
    ticks = itertools.chain([0.0, 0.0], itertools.repeat(30.0))

    advice = advise(PEDIATRIC_SHORT, PEDIATRIC_SHORT_SCHEDULE, clock=lambda: next(ticks))

    assert (advice.changes, advice.note) == (
        (
            Change(
                text="One more all-ages table gives Pediatrics North and Pediatrics South 1 "
                "more visit each.",
                kind="table:all-ages",
                visits_gained=2,
                worst_gained=2,
            ),
        ),
        "8 more changes could not be tried in the time allowed.",
    )


# --- In the background --------------------------------------------------------------------


@pytest.fixture
def solved(db, django_capture_on_commit_callbacks):
    """PEDIATRIC_SHORT as an event, solved by run_solve; the advice task's dispatch is
    captured, not run."""
    event = event_from_problem(PEDIATRIC_SHORT)
    run = SolveRun.objects.create(event=event, status=SolveRun.Status.QUEUED, time_limit_s=5)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_solve(run_id=run.pk)
    run.refresh_from_db()
    return run, callbacks


def test_run_solve_success_dispatches_the_advice_on_commit(solved):
    run, callbacks = solved

    with mock.patch("rotations.tasks.advise_task.apply_async") as apply_async:
        for callback in callbacks:
            callback()

    assert (run.status, run.advice) == ("succeeded", None)
    assert ADVISE_TASK == "rotations.advise"
    assert apply_async.call_args_list == [mock.call(args=[run.pk])]


def test_advise_run_stores_the_advice_once(solved):
    run, _callbacks = solved

    with mock.patch("rotations.services.advising.advise", wraps=advise) as worked_out:
        advise_run(run_id=run.pk)
        advise_run(run_id=run.pk)

    run.refresh_from_db()
    assert worked_out.call_count == 1
    assert run.advice["changes"] == [
        {
            "text": "Three more pediatric or all-ages tables give Pediatrics North and "
            "Pediatrics South 3 more visits each.",
            "kind": "table:all-ages:3x1,table:pediatric:3x1",
            "visits_gained": 6,
            "worst_gained": 6,
        },
        {
            "text": "One more pediatric or all-ages table gives Pediatrics North and Pediatrics "
            "South 1 more visit each.",
            "kind": "table:all-ages,table:pediatric",
            "visits_gained": 2,
            "worst_gained": 2,
        },
    ]
    assert run.advice["idle"] == [
        "Pediatrics North and Pediatrics South (pediatric) sit out 3 of 4 rounds each."
    ]


def test_advise_run_leaves_a_replan_alone(solved):
    run, _callbacks = solved
    SolveRun.objects.filter(pk=run.pk).update(replan_from_round=2)

    advise_run(run_id=run.pk)

    run.refresh_from_db()
    assert run.advice is None


def test_run_and_grid_pages_show_the_advice_once_it_is_there(solved, client):
    run, _callbacks = solved
    client.force_login(make_organizer(username="olive"))
    schedule = Schedule.objects.get(solve_run=run)
    run_url = reverse("rotations:run", kwargs={"event_pk": run.event_id, "pk": run.pk})
    grid_url = schedule.get_absolute_url()

    waiting = [client.get(url).content.decode() for url in (run_url, grid_url)]
    advise_run(run_id=run.pk)
    advised = [client.get(url).content.decode() for url in (run_url, grid_url)]

    assert ["Working out advice…" in page for page in waiting] == [True, True]
    assert ["Working out advice…" in page for page in advised] == [False, False]
    sentence = (
        "<li>One more pediatric or all-ages table gives Pediatrics North and Pediatrics South "
        "1 more visit each.</li>"
    )
    assert [sentence in page for page in advised] == [True, True]


def test_grid_quality_says_who_sits_out_rounds(solved, client):
    run, _callbacks = solved
    client.force_login(make_organizer(username="olive"))
    schedule = Schedule.objects.get(solve_run=run)

    response = client.get(schedule.get_absolute_url())

    assert response.context["quality"] == (
        "Optimal: every group meets all the tables it can (10 of 10 visits). 2 groups still "
        "sit out rounds while there: Pediatrics North 3 of 4, Pediatrics South 3 of 4."
    )


def test_merged_groups_keep_the_stronger_meeting_with_a_table():
    problem = Problem(
        name="merge",
        rounds=1,
        tables=(),
        groups=(),
        met_before=frozenset(
            {("G1", "T1"), ("G2", "T1"), ("G1", "T2"), ("G2", "T3"), ("G3", "T3")}
        ),
        met_before_weights=(("G1", "T1", 1), ("G2", "T1", 2), ("G2", "T3", 1), ("G3", "T3", 3)),
    )

    weights = _merged_weights(problem, {"G1", "G2"}, "G1+G2")

    # T2 was met fully by G1, so it counts fully for the merged group (not listed).
    assert weights == (("G1+G2", "T1", 2), ("G1+G2", "T3", 1), ("G3", "T3", 3))
