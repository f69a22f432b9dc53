import datetime
from unittest import mock

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEntry
from clinicians.models import Track
from connections.models import Meeting
from events.models import Attendance, Event, TravelGroup
from events.services import finish_event, set_attendance_status
from rotations.models import Schedule, SolveRun, Visit
from rotations.services import (
    LOST_ERROR,
    EventNotReady,
    SolveAlreadyRunning,
    adapter,
    apply_solution,
    build_problem,
    cancel_solve,
    changed_itineraries,
    export_instance,
    fail_stalled_runs,
    publish_schedule,
    readiness_problems,
    run_solve,
    run_status,
    solving,
    start_solve,
)
from rotations.solver import (
    Group,
    Problem,
    Progress,
    Solution,
    Status,
    parse_instance,
    problem_to_json,
    solve,
)
from rotations.solver import Table as SolverTable
from rotations.solver import Track as SolverTrack
from rotations.solver import Visit as SolverVisit
from tests.events.scenario import make_ready_event
from tests.factories import (
    make_anchor,
    make_attendance,
    make_clinician,
    make_event,
    make_group,
    make_specialist,
    make_table,
    make_user,
)
from tests.rotations.helpers import make_schedule


def T(table):
    return f"T{table.pk}"


def G(group):
    return f"G{group.pk}"


def solution_of(visits, status=Status.FEASIBLE):
    return Solution(
        status=status,
        visits=tuple(sorted(SolverVisit(r, G(g), T(t)) for r, g, t in visits)),
        visits_upper_bound=len(visits),
        min_share_upper_bound=1.0,
        min_share=1.0,
        affinity=0,
        met_before_revisits=0,
        repeated_pairs=0,
    )


# --- build_problem ----------------------------------------------------------------------


def test_build_problem_small_event_gives_the_exact_problem(small):
    problem = build_problem(event=small.event)

    assert problem == Problem(
        name="North spring",
        rounds=4,
        round_minutes=10,
        tables=(
            SolverTable(
                id=T(small.t1),
                specialty="Cardiology",
                track=SolverTrack.ADULT,
                capacity=1,
                available_rounds=frozenset({1, 2, 3}),
                sites=("Quincy",),
                label="table 1 (Cardiology)",
            ),
            SolverTable(
                id=T(small.t2),
                specialty="Neonatology",
                track=SolverTrack.PEDIATRIC,
                capacity=2,
                available_rounds=frozenset({1, 3, 4}),
                sites=("Braintree", "Quincy"),
                label="table 2 (Neonatology)",
            ),
            SolverTable(
                id=T(small.t3),
                specialty="Dermatology",
                track=SolverTrack.ALL_AGES,
                capacity=1,
                available_rounds=None,
                sites=(),
                label="table 3 (Dermatology)",
            ),
        ),
        groups=(
            Group(
                id=G(small.im),
                name="IM Quincy",
                track=SolverTrack.ADULT,
                size=2,
                site="Quincy",
                available_rounds=None,
            ),
            Group(
                id=G(small.peds),
                name="Peds Braintree",
                track=SolverTrack.PEDIATRIC,
                size=1,
                site="Braintree",
                available_rounds=frozenset({2, 3, 4}),
            ),
            Group(
                id=G(small.walk),
                name="Walk-ins",
                track=SolverTrack.ALL_AGES,
                size=1,
                site=None,
                available_rounds=None,
            ),
        ),
        affinity=((G(small.im), T(small.t1), 1), (G(small.peds), T(small.t2), 2)),
        met_before=frozenset(),
        pinned=(),
    )


def _add_groups(event, department, count):
    for _ in range(count):
        members = [make_clinician(department=department) for _ in range(2)]
        make_group(event=event, department=department, members=members)


def _count_queries(event):
    with CaptureQueriesContext(connection) as queries:
        build_problem(event=event)
    return len(queries)


def test_build_problem_query_count_does_not_grow_with_the_event(small):
    _add_groups(small.event, small.internal, 2)
    few = _count_queries(small.event)
    _add_groups(small.event, small.internal, 20)
    for number in range(4, 14):
        make_anchor(table=make_table(event=small.event, number=number))

    many = _count_queries(small.event)

    # Five of its own, one of the series' memory (register_met_before_source) and one of
    # its shared patients (register_affinity_source: is the event an evening of a series?).
    assert (few, many) == (7, 7)


def _met(clinician, specialist, date):
    a, b = sorted([clinician, specialist], key=lambda c: c.pk)
    Meeting.objects.create(
        kind=Meeting.Kind.EVENING, gathering=0, date=date, clinician_a=a, clinician_b=b
    )


def test_build_problem_met_before_comes_from_the_ledger_of_finished_events(small):
    earlier = make_event(name="Last month", date=small.event.date - datetime.timedelta(days=30))
    old_table = make_table(event=earlier, specialty=small.cardiology)
    make_anchor(table=old_table, clinician=make_specialist(specialty=small.cardiology))
    old_group = make_group(
        event=earlier,
        department=small.internal,
        members=[make_clinician(department=small.internal)],
    )
    make_schedule(earlier, [(1, old_group, old_table)], published=True)
    Event.objects.filter(pk=earlier.pk).update(status=Event.Status.PUBLISHED)
    finish_event(event=earlier, by=None)
    unfinished = make_event(name="Unfinished", date=earlier.date, status=Event.Status.PUBLISHED)
    make_schedule(
        unfinished,
        [
            (
                1,
                make_group(event=unfinished, department=small.pediatrics),
                make_table(event=unfinished),
            )
        ],
        published=True,
    )

    problem = build_problem(event=small.event)

    assert (problem.met_before, problem.met_before_weights) == (
        frozenset({(G(small.im), T(small.t1))}),
        (),
    )


def test_build_problem_met_before_is_graded_by_how_long_ago(small):
    Event.objects.filter(pk=small.event.pk).update(date=datetime.date(2026, 12, 15))
    small.event.refresh_from_db()
    cardiologist = make_specialist(specialty=small.cardiology)
    dermatologist = make_specialist(specialty=small.t3.specialty)
    neonatologist = make_specialist(specialty=small.t2.specialty)
    # Internal medicine met cardiology last month and dermatology two years ago; pediatrics
    # met neonatology eight months ago and dermatology over three years ago.
    _met(small.members.ida, cardiologist, datetime.date(2026, 11, 20))
    _met(small.members.ivan, cardiologist, datetime.date(2024, 1, 10))
    _met(small.members.ivan, dermatologist, datetime.date(2024, 12, 15))
    _met(small.members.paula, neonatologist, datetime.date(2026, 4, 1))
    _met(small.members.paula, dermatologist, datetime.date(2023, 6, 1))
    # On the event's day or after: not before this event.
    _met(small.members.paula, cardiologist, datetime.date(2026, 12, 15))

    problem = build_problem(event=small.event)

    assert (problem.met_before, problem.met_before_weights) == (
        frozenset(
            {(G(small.im), T(small.t1)), (G(small.im), T(small.t3)), (G(small.peds), T(small.t2))}
        ),
        ((G(small.im), T(small.t3), 1), (G(small.peds), T(small.t2), 3)),
    )


@pytest.mark.parametrize(
    ("met", "weight"),
    [
        (datetime.date(2026, 11, 20), 4),
        (datetime.date(2026, 6, 16), 4),
        (datetime.date(2026, 6, 15), 3),
        (datetime.date(2025, 12, 16), 3),
        (datetime.date(2025, 12, 15), 2),
        (datetime.date(2024, 12, 15), 1),
        (datetime.date(2023, 12, 16), 1),
        (datetime.date(2023, 12, 15), 0),
    ],
)
def test_met_before_weight_decays_with_complete_months(met, weight):
    assert adapter.met_before_weight(met, datetime.date(2026, 12, 15)) == weight


def test_graded_met_before_changes_the_solve(small):
    Event.objects.filter(pk=small.event.pk).update(date=datetime.date(2026, 12, 15), rounds=1)
    small.event.refresh_from_db()
    small.anchors.cara.absent_rounds = []
    small.anchors.cara.save()
    # No affinity: only how long ago the department met each specialty tells them apart.
    small.anchors.cara.clinician.sites.clear()
    small.peds.delete()
    small.walk.delete()
    cardiologist = make_specialist(specialty=small.cardiology)
    dermatologist = make_specialist(specialty=small.t3.specialty)
    last_month, two_years_ago = datetime.date(2026, 11, 20), datetime.date(2024, 12, 15)

    chosen = []
    for cardiology, dermatology in ((two_years_ago, last_month), (last_month, two_years_ago)):
        Meeting.objects.all().delete()
        _met(small.members.ivan, cardiologist, cardiology)
        _met(small.members.ida, dermatologist, dermatology)
        chosen.append(solve(build_problem(event=small.event)).visits)

    # Both met before: the one met two years ago is the better visit.
    assert chosen == [
        (SolverVisit(1, G(small.im), T(small.t1)),),
        (SolverVisit(1, G(small.im), T(small.t3)),),
    ]


def test_build_problem_pinned_visits_come_from_the_given_schedule(small):
    schedule = make_schedule(
        small.event,
        [(1, small.im, small.t1), (3, small.peds, small.t2)],
        pinned={(3, small.peds, small.t2)},
    )

    problem = build_problem(event=small.event, pinned_from=schedule)

    assert problem.pinned == (SolverVisit(3, G(small.peds), T(small.t2)),)


def test_build_problem_table_without_anchors_is_available_in_no_round(small):
    bare = make_table(event=small.event, number=9, specialty=small.cardiology)

    problem = build_problem(event=small.event)

    assert problem.tables[-1].id == T(bare)
    assert problem.tables[-1].available_rounds == frozenset()


# --- readiness and export ---------------------------------------------------------------


# --- re-plan on the day ----------------------------------------------------------------


def _no_show(event, *clinicians):
    for clinician in clinicians:
        make_attendance(event=event, clinician=clinician, status=Attendance.Status.NO_SHOW)


@pytest.fixture
def held(small):
    """``small`` published: rounds 1-2 held, a pin in round 3 and one in round 4."""
    published = make_schedule(
        small.event,
        [
            (1, small.im, small.t1),
            (1, small.walk, small.t3),
            (2, small.im, small.t3),
            (2, small.walk, small.t1),
            (3, small.walk, small.t2),
            (3, small.peds, small.t2),
            (4, small.peds, small.t3),
        ],
        published=True,
        pinned={(3, small.walk, small.t2), (4, small.peds, small.t3)},
    )
    return published


def test_build_problem_replan_pins_the_past_and_leaves_out_the_no_shows(small, held):
    # Ida (half of IM), Paula (all of Peds), Dan (Dermatology's only anchor), Nina (one of
    # Neonatology's two) did not come.
    _no_show(
        small.event,
        small.members.ida,
        small.members.paula,
        small.anchors.dan.clinician,
        small.anchors.nina.clinician,
    )

    problem = build_problem(event=small.event, pinned_from=held, replan_from_round=3)

    tables = {t.id: (t.available_rounds, t.sites) for t in problem.tables}
    groups = {g.id: (g.size, g.available_rounds) for g in problem.groups}
    assert tables == {
        T(small.t1): (frozenset({1, 2, 3}), ("Quincy",)),
        # Ned still comes in rounds 3 and 4; Nina's Quincy no longer counts.
        T(small.t2): (frozenset({1, 3, 4}), ("Braintree",)),
        # Dan was its only anchor: the table is gone from round 3.
        T(small.t3): (frozenset({1, 2}), ()),
    }
    assert groups == {
        G(small.im): (1, None),
        # Everyone in Peds is a no-show: gone from round 3 (it was absent in round 1).
        G(small.peds): (1, frozenset({2})),
        # An empty group is nobody missing.
        G(small.walk): (1, None),
    }
    assert problem.affinity == ((G(small.im), T(small.t1), 1), (G(small.peds), T(small.t2), 1))
    # The solver freezes rounds 1-2 from the published visits; Walk-ins' pin in round 3
    # still holds; Peds' pin in round 4 is dropped (Peds and table 3 are both gone).
    assert (problem.replan_from_round, problem.previous) == (
        3,
        tuple(
            sorted(
                SolverVisit(visit.round, G(visit.group), T(visit.table))
                for visit in held.visits.all()
            )
        ),
    )
    assert problem.pinned == (SolverVisit(3, G(small.walk), T(small.t2)),)
    assert TravelGroup.objects.get(pk=small.peds.pk).absent_rounds == [1]


def test_build_problem_replan_without_no_shows_keeps_the_later_pins(small, held):
    problem = build_problem(event=small.event, pinned_from=held, replan_from_round=2)

    assert (problem.tables, problem.groups) == (
        build_problem(event=small.event).tables,
        build_problem(event=small.event).groups,
    )
    assert problem.pinned == (
        SolverVisit(3, G(small.walk), T(small.t2)),
        SolverVisit(4, G(small.peds), T(small.t3)),
    )


def test_start_solve_replan_keeps_the_published_schedule_and_the_round(small, held, organizer):
    run = start_solve(event=small.event, by=organizer, replan_from_round=3)

    assert (run.pinned_from, run.replan_from_round) == (held, 3)


def test_start_solve_replan_without_a_published_schedule_is_refused(small, organizer):
    with pytest.raises(EventNotReady) as error:
        start_solve(event=small.event, by=organizer, replan_from_round=2)

    assert error.value.problems == [
        "No schedule is published yet: a re-plan keeps the rounds that happened."
    ]
    assert not SolveRun.objects.exists()


def test_start_solve_replan_from_a_round_the_event_does_not_have_is_refused(small, held, organizer):
    with pytest.raises(ValueError):
        start_solve(event=small.event, by=organizer, replan_from_round=5)


def test_replan_flow_keeps_the_held_rounds_and_leaves_out_the_missing_table(organizer):
    event = make_ready_event(groups=4, tables=5, rounds=6)
    first = start_solve(event=event, by=organizer, time_limit_s=5)
    run_solve(run_id=first.pk)
    published = publish_schedule(schedule=Schedule.objects.get(solve_run=first), by=organizer)
    missing = event.tables.get(number=2)
    for anchor in missing.anchors.all():
        set_attendance_status(
            attendance=event.attendances.get(clinician=anchor.clinician),
            status=Attendance.Status.NO_SHOW,
        )

    replan = start_solve(event=event, by=organizer, time_limit_s=5, replan_from_round=4)
    run_solve(run_id=replan.pk)

    replan.refresh_from_db()
    new = Schedule.objects.get(solve_run=replan)

    def rows(schedule, **filters):
        return sorted(schedule.visits.filter(**filters).values_list("round", "group", "table"))

    assert (replan.status, new.is_published, new.based_on) == ("succeeded", False, published)
    assert rows(new, round__lt=4) == rows(published, round__lt=4)
    assert set(new.visits.filter(round__lt=4).values_list("pinned", flat=True)) == {True}
    assert rows(new, round__gte=4, table=missing) == []
    assert new.note == (
        "Re-planned from round 4: rounds 1–3 kept as they happened. Fewest changes."
    )
    for group in event.groups.all():
        tables = list(new.visits.filter(group=group).values_list("table", flat=True))
        assert len(tables) == len(set(tables))


def test_readiness_problems_ready_event_has_none(small):
    assert readiness_problems(event=small.event) == []


def test_start_solve_event_not_ready_lists_every_problem(small, organizer):
    make_table(event=small.event, number=7, specialty=small.cardiology)
    make_group(event=small.event, name="Away", absent_rounds=[1, 2, 3, 4])
    empty = make_event(name="Empty")

    with pytest.raises(EventNotReady) as not_ready:
        start_solve(event=small.event, by=organizer)
    with pytest.raises(EventNotReady) as nothing:
        start_solve(event=empty, by=organizer)

    assert not_ready.value.problems == [
        "Table 7 (Cardiology) has no anchor.",
        "Group Away is absent in every round.",
    ]
    assert nothing.value.problems == [
        "The event has no tables.",
        "The event has no travelling groups.",
    ]
    assert SolveRun.objects.count() == 0


def test_readiness_problems_group_without_a_table_of_its_track(db):
    event = make_event()
    make_anchor(table=make_table(event=event))
    make_group(event=event, name="Kids", track=Track.PEDIATRIC)

    assert readiness_problems(event=event) == [
        "Group Kids sees pediatric patients but no table serves them."
    ]


def test_export_instance_small_event_follows_the_format(small):
    document = export_instance(event=small.event)

    assert document == {
        "format": "rotation-instance/1",
        "name": "North spring",
        "rounds": 4,
        "round_minutes": 10,
        "tables": [
            {
                "id": T(small.t1),
                "label": "table 1 (Cardiology)",
                "specialty": "Cardiology",
                "track": "adult",
                "capacity": 1,
                "available_rounds": [1, 2, 3],
                "sites": ["Quincy"],
            },
            {
                "id": T(small.t2),
                "label": "table 2 (Neonatology)",
                "specialty": "Neonatology",
                "track": "pediatric",
                "capacity": 2,
                "available_rounds": [1, 3, 4],
                "sites": ["Braintree", "Quincy"],
            },
            {
                "id": T(small.t3),
                "label": "table 3 (Dermatology)",
                "specialty": "Dermatology",
                "track": "all-ages",
                "capacity": 1,
                "sites": [],
            },
        ],
        "groups": [
            {"id": G(small.im), "name": "IM Quincy", "track": "adult", "size": 2, "site": "Quincy"},
            {
                "id": G(small.peds),
                "name": "Peds Braintree",
                "track": "pediatric",
                "size": 1,
                "site": "Braintree",
                "available_rounds": [2, 3, 4],
            },
            {"id": G(small.walk), "name": "Walk-ins", "track": "all-ages", "size": 1},
        ],
        "affinity": [
            {"group": G(small.im), "table": T(small.t1), "weight": 1},
            {"group": G(small.peds), "table": T(small.t2), "weight": 2},
        ],
        "met_before": [],
        "pinned": [],
    }


def test_export_instance_reads_back_as_the_same_problem(small):
    schedule = make_schedule(
        small.event, [(3, small.peds, small.t2)], pinned={(3, small.peds, small.t2)}
    )
    document = problem_to_json(build_problem(event=small.event, pinned_from=schedule))

    assert parse_instance(document) == build_problem(event=small.event, pinned_from=schedule)


# --- apply_solution ---------------------------------------------------------------------


def test_apply_solution_writes_the_next_version_with_every_visit(small, organizer):
    make_schedule(small.event, [(1, small.im, small.t1)], published=True)
    visits = [(1, small.im, small.t1), (2, small.walk, small.t3), (3, small.peds, small.t2)]

    schedule = apply_solution(event=small.event, solution=solution_of(visits), by=organizer)

    assert (schedule.version, schedule.is_published, schedule.created_by) == (2, False, organizer)
    assert sorted(schedule.visits.values_list("round", "group_id", "table_id", "pinned")) == [
        (1, small.im.pk, small.t1.pk, False),
        (2, small.walk.pk, small.t3.pk, False),
        (3, small.peds.pk, small.t2.pk, False),
    ]
    assert Schedule.objects.get(event=small.event, is_published=True).version == 1


def test_apply_solution_draft_event_becomes_scheduled(small):
    apply_solution(event=small.event, solution=solution_of([(1, small.im, small.t1)]))

    small.event.refresh_from_db()
    assert small.event.status == Event.Status.SCHEDULED


def test_apply_solution_keeps_the_pins_of_the_schedule_it_is_based_on(small):
    based_on = make_schedule(
        small.event, [(3, small.peds, small.t2)], pinned={(3, small.peds, small.t2)}
    )
    visits = [(3, small.peds, small.t2), (1, small.im, small.t1)]

    schedule = apply_solution(event=small.event, solution=solution_of(visits), based_on=based_on)

    assert sorted(schedule.visits.values_list("round", "pinned")) == [(1, False), (3, True)]


def test_apply_solution_failing_midway_writes_nothing(small):
    # The last visit breaks visit_group_once_per_round, in the second insert batch.
    visits = [(r, small.walk, small.t3) for r in (1,)] + [
        (2, small.im, small.t1),
        (2, small.im, small.t3),
    ]
    solution = solution_of(visits)

    with mock.patch.object(adapter, "VISIT_BATCH", 2), pytest.raises(IntegrityError):
        apply_solution(event=small.event, solution=solution)

    small.event.refresh_from_db()
    assert (Schedule.objects.count(), Visit.objects.count(), small.event.status) == (0, 0, "draft")


# --- start / cancel ---------------------------------------------------------------------


def test_start_solve_queues_a_run_and_dispatches_it_on_commit(
    small, organizer, django_capture_on_commit_callbacks, settings
):
    settings.ROUNDS_SOLVE_TIME_LIMIT_S = 45

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = start_solve(event=small.event, by=organizer, seed=3)

    assert (run.status, run.time_limit_s, run.seed, run.started_by) == (
        "queued",
        45,
        3,
        organizer,
    )
    assert len(callbacks) == 1
    with mock.patch("rotations.tasks.solve_task.apply_async") as apply_async:
        callbacks[0]()
    assert apply_async.call_args_list == [
        mock.call(args=[run.pk], soft_time_limit=75, time_limit=105)
    ]


def test_start_solve_time_limit_is_kept_within_the_maximum(small, organizer, settings):
    settings.ROUNDS_SOLVE_MAX_TIME_LIMIT_S = 100

    run = start_solve(event=small.event, by=organizer, time_limit_s=5000)

    assert run.time_limit_s == 100


def test_start_solve_second_start_raises_already_running(small, organizer):
    organizer.first_name, organizer.last_name = "Olive", "Organizer"
    first = start_solve(event=small.event, by=organizer)
    started = timezone.localtime(first.created_at)

    with pytest.raises(SolveAlreadyRunning) as already:
        start_solve(event=small.event, by=make_user())

    assert str(already.value) == (
        f"A solve is already running for this event (started {started:%H:%M} by Olive Organizer)."
    )
    assert already.value.run == first
    assert list(SolveRun.objects.values_list("pk", flat=True)) == [first.pk]


def test_start_solve_after_a_stalled_run_fails_it_and_starts(small, organizer):
    stalled = SolveRun.objects.create(
        event=small.event,
        status=SolveRun.Status.RUNNING,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=5),
    )

    run = start_solve(event=small.event, by=organizer)

    stalled.refresh_from_db()
    assert (stalled.status, run.status) == ("failed", "queued")


def test_cancel_solve_queued_run_is_cancelled_at_once(small, organizer):
    run = start_solve(event=small.event, by=organizer)

    cancel_solve(run=run, by=organizer)

    assert (run.status, run.cancel_requested, run.finished_at is not None) == (
        "cancelled",
        True,
        True,
    )


def test_cancel_solve_running_run_only_requests_the_stop(small, organizer):
    run = SolveRun.objects.create(event=small.event, status=SolveRun.Status.RUNNING, progress=40)

    cancel_solve(run=run, by=organizer)

    assert (run.status, run.cancel_requested, run.progress) == ("running", True, 40)


def test_cancel_solve_finished_run_is_left_alone(small, organizer):
    run = SolveRun.objects.create(event=small.event, status=SolveRun.Status.SUCCEEDED)

    cancel_solve(run=run, by=organizer)

    assert (run.status, run.cancel_requested) == ("succeeded", False)


# --- run_solve --------------------------------------------------------------------------


def _queued(event, **fields):
    fields.setdefault("time_limit_s", 5)
    return SolveRun.objects.create(event=event, status=SolveRun.Status.QUEUED, **fields)


def test_run_solve_queued_run_succeeds_and_writes_a_schedule(small, organizer):
    run = _queued(small.event, started_by=organizer)

    run_solve(run_id=run.pk)

    run.refresh_from_db()
    schedule = Schedule.objects.get(event=small.event)
    small.event.refresh_from_db()
    assert (run.status, run.progress, run.optimal, run.error) == ("succeeded", 100, True, "")
    assert (run.visits, run.visits_upper_bound) == (schedule.visits.count(), run.visits)
    assert (schedule.version, schedule.solve_run, schedule.created_by) == (1, run, organizer)
    assert small.event.status == Event.Status.SCHEDULED
    assert run.started_at <= run.heartbeat_at <= run.finished_at


def test_run_solve_same_event_and_seed_gives_the_same_schedule(small):
    first, second = _queued(small.event), None
    run_solve(run_id=first.pk)
    second = _queued(small.event)

    run_solve(run_id=second.pk)

    one, two = (
        sorted(Visit.objects.filter(schedule__solve_run=run).values_list("round", "group", "table"))
        for run in (first, second)
    )
    assert one == two


def test_run_solve_finished_run_is_left_alone(small):
    run = SolveRun.objects.create(event=small.event, status=SolveRun.Status.SUCCEEDED)

    assert run_solve(run_id=run.pk) is None

    run.refresh_from_db()
    assert (run.status, Schedule.objects.count()) == ("succeeded", 0)


def test_run_solve_missing_run_does_nothing(db):
    assert run_solve(run_id=123456) is None


def test_run_solve_running_run_with_a_fresh_heartbeat_is_left_to_its_worker(small):
    beat = timezone.now() - datetime.timedelta(seconds=5)
    run = SolveRun.objects.create(
        event=small.event,
        status=SolveRun.Status.RUNNING,
        heartbeat_at=beat,
        claimed_by="other-worker",
    )

    run_solve(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.claimed_by, run.heartbeat_at, Schedule.objects.count()) == (
        "running",
        "other-worker",
        beat,
        0,
    )


def test_run_solve_running_run_with_a_stale_heartbeat_is_solved_again(small):
    run = SolveRun.objects.create(
        event=small.event,
        status=SolveRun.Status.RUNNING,
        time_limit_s=5,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=3),
        claimed_by="dead-worker",
    )

    run_solve(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, Schedule.objects.filter(solve_run=run).count()) == ("succeeded", 1)
    assert run.claimed_by != "dead-worker"


def test_run_solve_cancel_requested_before_it_starts_ends_cancelled(small):
    run = SolveRun.objects.create(
        event=small.event,
        status=SolveRun.Status.RUNNING,
        cancel_requested=True,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=3),
    )

    run_solve(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, Schedule.objects.count()) == ("cancelled", 0)


def test_run_solve_cancelled_during_the_solve_writes_no_schedule(small):
    run = _queued(small.event)
    real_solve = solving.solve

    def solve_then_cancel(problem, **kwargs):
        SolveRun.objects.filter(pk=run.pk).update(cancel_requested=True)
        return real_solve(problem, **kwargs)

    # The only stand-in: the organizer's click, arriving while the solver works.
    with mock.patch.object(solving, "solve", side_effect=solve_then_cancel):
        run_solve(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, Schedule.objects.count()) == ("cancelled", 0)


def test_run_solve_infeasible_pins_end_with_reasons_and_no_schedule(small):
    # Cardiology's only anchor is absent in round 4.
    pins = make_schedule(small.event, [(4, small.im, small.t1)], pinned={(4, small.im, small.t1)})
    run = _queued(small.event, pinned_from=pins)

    run_solve(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == "infeasible"
    assert len(run.reasons) >= 1 and "4" in run.reasons[0]
    assert Schedule.objects.filter(solve_run=run).count() == 0


def test_run_solve_event_no_longer_ready_ends_infeasible_with_the_problems(small):
    run = _queued(small.event)
    small.t3.anchors.all().delete()

    run_solve(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.reasons) == ("infeasible", ["Table 3 (Dermatology) has no anchor."])


def test_run_solve_solver_error_fails_with_one_sentence(small, caplog):
    run = _queued(small.event)

    # Stands in for a solver bug: the failure path must not depend on finding a real one.
    with mock.patch.object(solving, "solve", side_effect=ZeroDivisionError("boom")):
        run_solve(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.error) == (
        "failed",
        "The solver stopped with an error (ZeroDivisionError). Retry the solve; "
        "if it happens again, export the event and report it.",
    )
    assert "Traceback" in caplog.text
    assert Schedule.objects.count() == 0


def test_watch_tick_writes_progress_and_reads_the_cancel_flag(small):
    run = SolveRun.objects.create(
        event=small.event, status=SolveRun.Status.RUNNING, claimed_by="me", cancel_requested=True
    )
    watch = solving._Watch(run.pk, "me")
    watch.on_progress(Progress(0.354, "118 of at most 122 visits in rounds", 118, 122))

    watch.tick(now=10.0)

    run.refresh_from_db()
    assert (run.progress, run.message, run.visits, run.visits_upper_bound) == (
        35,
        "118 of at most 122 visits in rounds",
        118,
        122,
    )
    assert (run.cancel_requested, watch.should_stop()) == (True, True)


def test_watch_tick_of_a_run_taken_over_writes_nothing(small):
    run = SolveRun.objects.create(event=small.event, status=SolveRun.Status.RUNNING, claimed_by="b")
    watch = solving._Watch(run.pk, "a")
    watch.on_progress(Progress(0.5, "half", None, None))

    watch.tick(now=10.0)

    run.refresh_from_db()
    assert (run.progress, run.message, watch.should_stop()) == (0, "", False)


# --- watchdog and status ----------------------------------------------------------------


def test_fail_stalled_runs_silent_run_fails_and_the_schedule_stays(small):
    published = make_schedule(small.event, [(1, small.im, small.t1)], published=True)
    now = timezone.now()
    silent = SolveRun.objects.create(
        event=small.event,
        status=SolveRun.Status.RUNNING,
        heartbeat_at=now - datetime.timedelta(seconds=61),
    )

    count = fail_stalled_runs(now=now)

    silent.refresh_from_db()
    assert (count, silent.status, silent.error, silent.finished_at) == (
        1,
        "failed",
        "The worker stopped while solving. Retry the solve.",
        now,
    )
    assert list(Schedule.objects.values_list("pk", "is_published")) == [(published.pk, True)]
    assert Visit.objects.filter(schedule=published).count() == 1


def test_fail_stalled_runs_fresh_heartbeat_and_young_queued_runs_are_untouched(small):
    now = timezone.now()
    SolveRun.objects.create(
        event=small.event,
        status=SolveRun.Status.RUNNING,
        heartbeat_at=now - datetime.timedelta(seconds=10),
    )
    other = make_event()
    SolveRun.objects.create(event=other, status=SolveRun.Status.QUEUED)

    assert fail_stalled_runs(now=now) == 0
    assert sorted(SolveRun.objects.values_list("status", flat=True)) == ["queued", "running"]


def test_fail_stalled_runs_queued_run_nobody_took_for_half_an_hour_fails(small):
    run = SolveRun.objects.create(event=small.event, status=SolveRun.Status.QUEUED)

    count = fail_stalled_runs(now=timezone.now() + datetime.timedelta(minutes=31))

    run.refresh_from_db()
    assert (count, run.status, run.error) == (1, "failed", LOST_ERROR)


def test_run_status_running_run_reports_its_progress(small):
    run = SolveRun.objects.create(
        event=small.event,
        status=SolveRun.Status.RUNNING,
        heartbeat_at=timezone.now(),
        progress=35,
        message="improving",
        visits=118,
        visits_upper_bound=122,
    )

    assert run_status(run=run) == {
        "id": run.pk,
        "status": "running",
        "status_display": "Running",
        "is_active": True,
        "progress": 35,
        "message": "improving",
        "visits": 118,
        "visits_upper_bound": 122,
        "min_share": None,
        "min_share_upper_bound": None,
        "optimal": False,
        "reasons": [],
        "error": "",
        "cancel_requested": False,
        "schedule_id": None,
    }


def test_run_status_silent_run_shows_failed(small):
    run = SolveRun.objects.create(
        event=small.event,
        status=SolveRun.Status.RUNNING,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=2),
    )

    status = run_status(run=run)

    assert (status["status"], status["is_active"], status["error"]) == (
        "failed",
        False,
        "The worker stopped while solving. Retry the solve.",
    )


def test_run_status_succeeded_run_names_its_schedule(small):
    run = _queued(small.event)
    run_solve(run_id=run.pk)

    status = run_status(run=run)

    assert (status["status"], status["schedule_id"]) == (
        "succeeded",
        Schedule.objects.get(solve_run=run).pk,
    )


# --- publishing -------------------------------------------------------------------------


def test_changed_itineraries_lists_travellers_and_anchors_whose_plan_changed(small):
    old = make_schedule(small.event, [(1, small.im, small.t1), (3, small.peds, small.t2)])
    # IM moves from table 1 to table 3; Peds Braintree stays.
    new = make_schedule(small.event, [(1, small.im, small.t3), (3, small.peds, small.t2)])

    changed = changed_itineraries(old=old, new=new)

    assert changed == sorted(
        [
            small.members.ida.pk,
            small.members.ivan.pk,
            small.anchors.cara.clinician_id,
            small.anchors.dan.clinician_id,
        ]
    )


def test_changed_itineraries_without_an_old_schedule_lists_everyone_with_a_visit(small):
    new = make_schedule(small.event, [(3, small.peds, small.t2)])

    changed = changed_itineraries(old=None, new=new)

    assert changed == sorted(
        [
            small.members.paula.pk,
            small.anchors.nina.clinician_id,
            small.anchors.ned.clinician_id,
        ]
    )


def test_publish_schedule_replaces_the_published_version_and_records_the_changes(small, organizer):
    old = make_schedule(small.event, [(1, small.im, small.t1)], published=True)
    new = make_schedule(small.event, [(1, small.im, small.t3)])

    publish_schedule(schedule=new, by=organizer)

    small.event.refresh_from_db()
    assert list(Schedule.objects.filter(is_published=True)) == [new]
    assert (new.published_by, small.event.status) == (organizer, Event.Status.PUBLISHED)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target) == (
        organizer,
        "schedule.published",
        "North spring, version 2",
    )
    assert entry.details == {
        "event": small.event.pk,
        "schedule": new.pk,
        "version": 2,
        "previous_version": 1,
        "changed_clinicians": changed_itineraries(old=old, new=new),
        "changed_count": 4,
    }


def test_publish_schedule_published_version_again_changes_nothing(small, organizer):
    schedule = make_schedule(small.event, [(1, small.im, small.t1)])
    publish_schedule(schedule=schedule, by=organizer)

    publish_schedule(schedule=schedule, by=organizer)

    assert (Schedule.objects.filter(is_published=True).count(), AuditEntry.objects.count()) == (
        1,
        1,
    )
