"""Re-planning on the day: frozen rounds, fewest changes, best (``rotations/solver/replan.py``)."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.synthetic import windowed_event
from rotations.solver import (
    Group,
    Problem,
    Status,
    Strategy,
    Table,
    Track,
    Visit,
    check_schedule,
    solve,
)
from rotations.solver.indexed import index_problem
from rotations.solver.metrics import repeated_pairs
from rotations.solver.replan import keep_rounds
from tests.rotations.solver.factories import group, table

# Three groups rotate over T1-T3; T4 has a free seat in every round.
PUBLISHED = (
    Visit(1, "G1", "T1"),
    Visit(1, "G2", "T2"),
    Visit(1, "G3", "T3"),
    Visit(2, "G1", "T2"),
    Visit(2, "G2", "T3"),
    Visit(2, "G3", "T1"),
    Visit(3, "G1", "T3"),
    Visit(3, "G2", "T1"),
    Visit(3, "G3", "T2"),
)


def replan(tables, groups, **extra) -> Problem:
    return Problem(
        name="replan",
        rounds=3,
        tables=tuple(tables),
        groups=tuple(groups),
        previous=PUBLISHED,
        replan_from_round=2,
        **extra,
    )


# T2's anchor did not come: the table closes from round 2.
T2_GONE = replan(
    [table("T1"), table("T2", rounds=[1]), table("T3"), table("T4")],
    [group("G1"), group("G2"), group("G3")],
)


def test_replan_fewest_changes_table_gone_moves_only_its_groups():
    solution = solve(T2_GONE, strategy=Strategy.FEWEST_CHANGES)

    assert solution.visits == (
        Visit(1, "G1", "T1"),
        Visit(1, "G2", "T2"),
        Visit(1, "G3", "T3"),
        Visit(2, "G1", "T4"),
        Visit(2, "G2", "T3"),
        Visit(2, "G3", "T1"),
        Visit(3, "G1", "T3"),
        Visit(3, "G2", "T1"),
        Visit(3, "G3", "T4"),
    )
    assert (solution.changed_visits, solution.changed_groups, solution.kept_visits) == (2, 2, 4)
    assert (solution.status, check_schedule(T2_GONE, solution.visits)) == (Status.OPTIMAL, [])


def test_replan_fewest_changes_no_free_seat_drops_the_visit():
    problem = replace(T2_GONE, tables=T2_GONE.tables[:3])

    solution = solve(problem, strategy=Strategy.FEWEST_CHANGES)

    assert solution.visits == tuple(v for v in PUBLISHED if v.table != "T2" or v.round == 1)
    assert (solution.changed_visits, solution.changed_groups, solution.kept_visits) == (2, 2, 4)


def test_replan_best_table_gone_keeps_frozen_round():
    solution = solve(T2_GONE, strategy=Strategy.BEST)

    assert [v for v in solution.visits if v.round < 2] == list(PUBLISHED[:3])
    assert (len(solution.visits), solution.status) == (9, Status.OPTIMAL)
    assert check_schedule(T2_GONE, solution.visits) == []
    assert solution.changed_visits >= 2


def test_replan_fewest_changes_late_group_gets_a_free_seat():
    problem = replan(
        [table("T1"), table("T2"), table("T3"), table("T4")],
        [group("G1"), group("G2"), group("G3"), group("G4", rounds=[3])],
    )

    solution = solve(problem, strategy=Strategy.FEWEST_CHANGES)

    assert solution.visits == tuple(sorted((*PUBLISHED, Visit(3, "G4", "T4"))))
    assert (solution.changed_visits, solution.changed_groups, solution.kept_visits) == (1, 1, 6)


def test_replan_group_gone_frees_its_seats_for_nobody_else():
    problem = replan(
        [table("T1"), table("T2"), table("T3")],
        [group("G1"), group("G2", rounds=[1]), group("G3")],
    )

    solution = solve(problem, strategy=Strategy.FEWEST_CHANGES)

    assert solution.visits == tuple(v for v in PUBLISHED if v.group != "G2" or v.round == 1)
    assert (solution.changed_visits, solution.changed_groups) == (2, 1)


def test_replan_frozen_round_kept_whatever_availability_says():
    problem = replan(
        [table("T1", rounds=[2, 3]), table("T2"), table("T3")],
        [group("G1", rounds=[2, 3]), group("G2"), group("G3")],
    )

    solution = solve(problem, strategy=Strategy.FEWEST_CHANGES)

    assert [v for v in solution.visits if v.round == 1] == list(PUBLISHED[:3])
    assert check_schedule(problem, solution.visits) == []


def test_replan_from_round_one_plans_everything_again():
    problem = replace(T2_GONE, replan_from_round=1)

    solution = solve(problem, strategy=Strategy.FEWEST_CHANGES)

    assert check_schedule(problem, solution.visits) == []
    assert [v for v in solution.visits if v.table == "T2"] == [Visit(1, "G2", "T2")]


def test_replan_pin_at_closed_table_is_infeasible():
    problem = replace(T2_GONE, pinned=(Visit(3, "G1", "T2"),))

    solution = solve(problem, strategy=Strategy.FEWEST_CHANGES)

    assert (solution.status, solution.visits) == (Status.INFEASIBLE, ())
    assert solution.reasons == (
        "table T2 (Specialty T2) is pinned in round 3 for group G1 (Group G1) but its anchor "
        "is not there in round 3",
    )


def test_replan_pin_before_the_replan_round_is_infeasible():
    problem = replace(T2_GONE, pinned=(Visit(1, "G1", "T4"),))

    solution = solve(problem)

    assert solution.reasons == (
        "group G1 (Group G1) is pinned 2 times in round 1: table T1 (Specialty T1), "
        "table T4 (Specialty T4)",
        "group G1 (Group G1) is pinned to table T4 (Specialty T4) in round 1, before the "
        "re-plan from round 2, but the published schedule has no such visit",
    )


def test_replan_pin_from_the_replan_round_wins_over_a_published_visit():
    problem = replace(T2_GONE, pinned=(Visit(3, "G2", "T4"),))

    solution = solve(problem, strategy=Strategy.FEWEST_CHANGES)

    assert Visit(3, "G2", "T4") in solution.visits
    assert Visit(3, "G2", "T1") not in solution.visits
    assert check_schedule(problem, solution.visits) == []


def test_replan_round_outside_the_event_is_infeasible():
    problem = replace(T2_GONE, replan_from_round=4)

    solution = solve(problem)

    assert solution.reasons == ("the re-plan starts at round 4, but the event has rounds 1 to 3",)


def test_check_schedule_replan_frozen_round_changed():
    visits = [Visit(1, "G1", "T4"), *PUBLISHED[1:3]]

    problems = check_schedule(T2_GONE, visits)

    assert problems == [
        "group G1 (Group G1) visits table T4 (Specialty T4) in round 1, before the re-plan "
        "from round 2, but the published schedule has no such visit",
        "the published schedule has group G1 (Group G1) at table T1 (Specialty T1) in round 1, "
        "before the re-plan from round 2, but this one does not",
    ]


def test_solve_previous_without_replan_round_is_ignored():
    problem = replace(T2_GONE, replan_from_round=None)

    solution = solve(problem, strategy=Strategy.FEWEST_CHANGES)

    assert (len(solution.visits), solution.changed_visits) == (9, 0)


@st.composite
def replans(draw) -> tuple[Problem, int, frozenset[str]]:
    rounds = draw(st.integers(1, 4))
    window = st.one_of(st.none(), st.frozensets(st.integers(1, rounds)))
    tables = tuple(
        Table(
            id=f"T{i}",
            specialty="S",
            track=draw(st.sampled_from(list(Track))),
            capacity=draw(st.integers(1, 2)),
            available_rounds=draw(window),
        )
        for i in range(draw(st.integers(1, 4)))
    )
    groups = tuple(
        Group(id=f"G{i}", name="N", track=draw(st.sampled_from(list(Track))))
        for i in range(draw(st.integers(1, 5)))
    )
    ids = [item.id for item in (*tables, *groups)]
    gone = frozenset(draw(st.lists(st.sampled_from(ids), max_size=3)))
    problem = Problem(name="random", rounds=rounds, tables=tables, groups=groups)
    return problem, draw(st.integers(1, rounds)), gone


def no_shows(problem: Problem, start: int, gone: frozenset[str], previous) -> Problem:
    def cut(rounds: frozenset[int] | None, item_id: str) -> frozenset[int] | None:
        if item_id not in gone:
            return rounds
        every = rounds if rounds is not None else frozenset(range(1, problem.rounds + 1))
        return frozenset(r for r in every if r < start)

    return replace(
        problem,
        tables=tuple(
            replace(t, available_rounds=cut(t.available_rounds, t.id)) for t in problem.tables
        ),
        groups=tuple(
            replace(g, available_rounds=cut(g.available_rounds, g.id)) for g in problem.groups
        ),
        previous=previous,
        replan_from_round=start,
    )


@settings(max_examples=40, deadline=None)
@given(replans(), st.sampled_from(list(Strategy)))
def test_replan_random_no_shows_keep_frozen_rounds(case, strategy):
    problem, start, gone = case
    previous = solve(problem, time_limit_s=5).visits
    again = no_shows(problem, start, gone, previous)

    solution = solve(again, strategy=strategy, time_limit_s=5)

    assert [v for v in solution.visits if v.round < start] == [
        v for v in previous if v.round < start
    ]
    assert check_schedule(again, solution.visits) == []
    if strategy is Strategy.FEWEST_CHANGES:
        still_valid = {v for v in previous if v.round >= start and not {v.group, v.table} & gone}
        assert still_valid <= set(solution.visits)


def test_replan_best_tiny_time_limit_on_synthetic_event_keeps_frozen_rounds():
    event = windowed_event(0, n_tables=60, n_groups=120)
    previous = solve(event, time_limit_s=1).visits
    gone = frozenset(t.id for t in event.tables[::5])
    again = no_shows(event, 5, gone, previous)

    solution = solve(again, strategy=Strategy.BEST, time_limit_s=0.05)

    assert [v for v in solution.visits if v.round < 5] == [v for v in previous if v.round < 5]
    assert check_schedule(again, solution.visits) == []


def two_rounds_one_group() -> Problem:
    return Problem(name="swap", rounds=2, tables=(table("T1"), table("T2")), groups=(group("G1"),))


def test_keep_rounds_swaps_a_group_back_to_its_published_rounds():
    ix = index_problem(two_rounds_one_group())
    published = {(1, 0, 0), (2, 0, 1)}

    kept = keep_rounds(ix, [(1, 0, 1), (2, 0, 0)], published)

    assert kept == ([(1, 0, 0), (2, 0, 1)], False)


def test_keep_rounds_should_stop_leaves_the_schedule_as_it_is():
    ix = index_problem(two_rounds_one_group())
    published = {(1, 0, 0), (2, 0, 1)}

    kept = keep_rounds(ix, [(1, 0, 1), (2, 0, 0)], published, should_stop=lambda: True)

    assert kept == ([(1, 0, 1), (2, 0, 0)], True)


def test_keep_rounds_past_deadline_leaves_the_schedule_as_it_is():
    ix = index_problem(two_rounds_one_group())
    published = {(1, 0, 0), (2, 0, 1)}

    kept = keep_rounds(ix, [(1, 0, 1), (2, 0, 0)], published, deadline=0.0)

    assert kept == ([(1, 0, 1), (2, 0, 0)], False)


@settings(max_examples=40, deadline=None)
@given(replans())
def test_keep_rounds_random_schedules_keep_pairs_validity_and_mixing(case):
    problem, _, _ = case
    ix = index_problem(problem)
    schedule = [
        (v.round, ix.group_index[v.group], ix.table_index[v.table])
        for v in solve(problem, time_limit_s=5).visits
    ]
    published = {(problem.rounds + 1 - r, g, t) for r, g, t in schedule}

    kept, stopped = keep_rounds(ix, schedule, published)

    assert sorted((g, t) for _, g, t in kept) == sorted((g, t) for _, g, t in schedule)
    assert check_schedule(problem, [ix.visit(*key) for key in kept]) == []
    assert repeated_pairs(kept) <= repeated_pairs(sorted(schedule))
    assert stopped is False
