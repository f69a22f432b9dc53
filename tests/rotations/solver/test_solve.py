import random
from pathlib import Path

import pytest

from rotations.solver import (
    Group,
    Problem,
    Progress,
    Status,
    Table,
    Track,
    Visit,
    check_schedule,
    load_instance,
    solve,
)
from tests.rotations.solver.factories import group, table

INSTANCES = Path(__file__).resolve().parents[3] / "benchmarks" / "instances"


def problem(rounds: int, tables, groups, **extra) -> Problem:
    return Problem(name="test", rounds=rounds, tables=tuple(tables), groups=tuple(groups), **extra)


def pairs(solution) -> set[tuple[str, str]]:
    return {(visit.group, visit.table) for visit in solution.visits}


def windowed(seed: int, n_tables: int = 12, n_groups: int = 30, rounds: int = 8) -> Problem:
    rng = random.Random(seed)
    tracks = list(Track)

    def window():
        if rng.random() < 0.7:
            return None
        first = rng.randint(1, rounds // 2)
        return range(first, rng.randint(first + 1, rounds) + 1)

    return problem(
        rounds,
        [
            table(f"T{i:02}", rng.choice(tracks), rng.randint(1, 3), window())
            for i in range(n_tables)
        ],
        [group(f"G{i:02}", rng.choice(tracks), window()) for i in range(n_groups)],
        affinity=tuple(
            (f"G{g:02}", f"T{t:02}", 3)
            for g in range(n_groups)
            for t in range(n_tables)
            if rng.random() < 0.2
        ),
        met_before=frozenset(
            (f"G{g:02}", f"T{t:02}")
            for g in range(n_groups)
            for t in range(n_tables)
            if rng.random() < 0.1
        ),
    )


def test_solve_everyone_meets_every_table():
    p = problem(
        2,
        [table("T1", Track.ADULT), table("T2")],
        [group("G1", Track.ADULT), group("G2")],
        affinity=(("G1", "T1", 3),),
    )

    solution = solve(p)

    assert (solution.status, len(solution.visits), solution.visits_upper_bound) == (
        Status.OPTIMAL,
        4,
        4,
    )
    assert pairs(solution) == {("G1", "T1"), ("G1", "T2"), ("G2", "T1"), ("G2", "T2")}
    assert (solution.min_share, solution.min_share_upper_bound, solution.affinity) == (1.0, 1.0, 3)
    assert check_schedule(p, solution.visits) == []


def test_solve_fairness_before_value():
    p = problem(
        1,
        [table("T1"), table("T2", Track.ADULT)],
        [group("G1", Track.ADULT), group("G2", Track.PEDIATRIC)],
        affinity=(("G1", "T1", 5),),
    )

    solution = solve(p)

    assert solution.visits == (Visit(1, "G1", "T2"), Visit(1, "G2", "T1"))
    assert (solution.status, solution.min_share, solution.affinity) == (Status.OPTIMAL, 1.0, 0)


def test_solve_prefers_affinity():
    p = problem(1, [table("T1"), table("T2")], [group("G1")], affinity=(("G1", "T2", 2),))

    solution = solve(p)

    assert solution.visits == (Visit(1, "G1", "T2"),)
    assert (solution.status, solution.affinity) == (Status.OPTIMAL, 2)


def test_solve_prefers_new_tables_over_met_before():
    p = problem(1, [table("T1"), table("T2")], [group("G1")], met_before=frozenset({("G1", "T1")}))

    solution = solve(p)

    assert solution.visits == (Visit(1, "G1", "T2"),)
    assert solution.met_before_revisits == 0


def test_solve_prefers_a_table_met_long_ago_over_one_met_recently():
    tables = [table("T1"), table("T2")]
    met = frozenset({("G1", "T1"), ("G1", "T2")})

    long_ago_t1 = solve(
        problem(1, tables, [group("G1")], met_before=met, met_before_weights=(("G1", "T1", 1),))
    )
    long_ago_t2 = solve(
        problem(1, tables, [group("G1")], met_before=met, met_before_weights=(("G1", "T2", 1),))
    )

    assert (long_ago_t1.visits, long_ago_t2.visits) == (
        (Visit(1, "G1", "T1"),),
        (Visit(1, "G1", "T2"),),
    )
    assert (long_ago_t1.status, long_ago_t1.met_before_revisits) == (Status.OPTIMAL, 1)


def test_solve_prefers_never_met_over_met_long_ago_over_met_recently():
    p = problem(
        2,
        [table("T1"), table("T2"), table("T3")],
        [group("G1")],
        met_before=frozenset({("G1", "T2"), ("G1", "T3")}),
        met_before_weights=(("G1", "T2", 1),),
    )

    solution = solve(p)

    # Two rounds for three tables: the one never met and the one met long ago.
    assert pairs(solution) == {("G1", "T1"), ("G1", "T2")}


def test_solve_graded_met_before_keeps_affinity_first():
    p = problem(
        1,
        [table("T1"), table("T2")],
        [group("G1")],
        affinity=(("G1", "T1", 1),),
        met_before=frozenset({("G1", "T1")}),
        met_before_weights=(("G1", "T1", 3),),
    )

    solution = solve(p)

    # Affinity 1 is worth 2 new-table bonuses: a table met before still wins on affinity.
    assert solution.visits == (Visit(1, "G1", "T1"),)


def test_solve_respects_tracks():
    p = problem(3, [table("T1", Track.ADULT)], [group("G1", Track.PEDIATRIC)])

    solution = solve(p)

    assert (solution.status, solution.visits, solution.visits_upper_bound) == (
        Status.OPTIMAL,
        (),
        0,
    )


def test_solve_respects_capacity():
    p = problem(1, [table("T1", capacity=2)], [group("G1"), group("G2"), group("G3")])

    solution = solve(p)

    assert (len(solution.visits), solution.visits_upper_bound, solution.min_share) == (2, 2, 0.0)
    assert check_schedule(p, solution.visits) == []


def test_solve_respects_windows():
    p = problem(2, [table("T1", rounds=[1]), table("T2", rounds=[2])], [group("G1", rounds=[2])])

    solution = solve(p)

    assert solution.visits == (Visit(2, "G1", "T2"),)


def test_solve_no_revisits():
    p = problem(3, [table("T1", capacity=3)], [group("G1")])

    solution = solve(p)

    assert (len(solution.visits), solution.min_share, solution.status) == (1, 1.0, Status.OPTIMAL)


def test_solve_keeps_pins():
    p = problem(
        2, [table("T1"), table("T2")], [group("G1"), group("G2")], pinned=(Visit(1, "G1", "T2"),)
    )

    solution = solve(p)

    assert solution.visits == (
        Visit(1, "G1", "T2"),
        Visit(1, "G2", "T1"),
        Visit(2, "G1", "T1"),
        Visit(2, "G2", "T2"),
    )


def test_solve_mixes_groups():
    p = problem(2, [table("T1", capacity=2), table("T2", capacity=2)], [group("G1"), group("G2")])

    solution = solve(p)

    assert (len(solution.visits), solution.repeated_pairs) == (4, 0)


def test_solve_conflicting_pins_are_infeasible():
    p = problem(
        3,
        [
            Table(
                id="T07",
                specialty="Neonatology",
                track=Track.PEDIATRIC,
                available_rounds=frozenset({1}),
            ),
            Table(
                id="T01", specialty="Cardiology", track=Track.ADULT, label="table 1 (Cardiology)"
            ),
        ],
        [
            Group(id="G03", name="Pediatrics, Quincy", track=Track.PEDIATRIC),
            Group(id="G02", name="Internal Medicine, Quincy", track=Track.ADULT),
            Group(id="G04", name="Internal Medicine, Dedham", track=Track.ADULT),
        ],
        pinned=(
            Visit(2, "G03", "T07"),
            Visit(3, "G02", "T01"),
            Visit(3, "G04", "T01"),
            Visit(1, "G02", "T01"),
            Visit(1, "G02", "T07"),
        ),
    )

    solution = solve(p)

    assert (solution.status, solution.visits) == (Status.INFEASIBLE, ())
    assert solution.reasons == (
        "group G02 (Internal Medicine, Quincy) is pinned 2 times in round 1: "
        "table 1 (Cardiology), table T07 (Neonatology)",
        "pinned visits put 2 groups at table 1 (Cardiology) in round 3 but it hosts 1",
        "group G02 (Internal Medicine, Quincy) is pinned to table 1 (Cardiology) in rounds 1 "
        "and 3, but a group visits a table at most once",
        "group G02 (Internal Medicine, Quincy) (adult) is pinned to table T07 (Neonatology) "
        "(pediatric) in round 1, but adult groups may not visit pediatric tables",
        "table T07 (Neonatology) is pinned in round 2 for group G03 (Pediatrics, Quincy) but "
        "its anchor is not there in round 2",
    )


def test_solve_pin_for_absent_group_is_infeasible():
    p = problem(2, [table("T1")], [group("G1", rounds=[1])], pinned=(Visit(2, "G1", "T1"),))

    solution = solve(p)

    assert solution.reasons == (
        "group G1 (Group G1) is pinned to table T1 (Specialty T1) in round 2 but the group is "
        "not there in round 2",
    )


def test_solve_windowed_schedule_is_valid():
    p = windowed(seed=3)

    solution = solve(p, time_limit_s=10)

    assert check_schedule(p, solution.visits) == []
    assert len(solution.visits) <= solution.visits_upper_bound


def test_solve_is_deterministic():
    # Windows here keep the round layout from placing every chosen pair, so CP-SAT runs too.
    p = windowed(seed=0, n_tables=6, n_groups=12, rounds=5)

    first = solve(p, time_limit_s=10, seed=7)
    second = solve(p, time_limit_s=10, seed=7)

    assert first.visits == second.visits


def test_solve_stops_when_asked():
    p = windowed(seed=4)

    solution = solve(p, should_stop=lambda: True)

    assert (solution.stopped, solution.status, solution.visits) == (True, Status.FEASIBLE, ())


def test_solve_reports_progress():
    p = windowed(seed=6)
    seen: list[Progress] = []

    solution = solve(p, on_progress=seen.append)

    assert (seen[0].fraction, seen[-1].fraction) == (0.0, 1.0)
    assert seen[-1].visits == len(solution.visits)
    assert seen[-1].visits_upper_bound == solution.visits_upper_bound


@pytest.mark.slow
@pytest.mark.parametrize(("name", "bound"), [("practice-140", 122), ("regional-45", 38)])
def test_solve_example_instance_reaches_bound(name, bound):
    p = load_instance(INSTANCES / f"{name}.json")

    solution = solve(p)

    assert (len(solution.visits), solution.visits_upper_bound) == (bound, bound)
    assert check_schedule(p, solution.visits) == []


def stop_after(calls: int):
    """A should_stop that turns True on its ``calls``-th call and stays True."""
    count = 0

    def should_stop() -> bool:
        nonlocal count
        count += 1
        return count >= calls

    return should_stop


@pytest.mark.parametrize("calls", [2, 3, 4, 6])
def test_solve_stops_after_some_polls(calls):
    # Windows keep the layout short of its bounds here, so a search would follow.
    p = windowed(seed=0, n_tables=6, n_groups=12, rounds=5)

    solution = solve(p, time_limit_s=60, should_stop=stop_after(calls))

    assert (solution.stopped, solution.status) == (True, Status.FEASIBLE)
    assert check_schedule(p, solution.visits) == []


def test_solve_stops_during_the_search():
    # A long search on a part the layout leaves short; a cancel ends it at the next poll.
    p = windowed(seed=0, n_tables=6, n_groups=12, rounds=5)
    polls = 0

    def should_stop() -> bool:
        nonlocal polls
        polls += 1
        return polls > 8

    solution = solve(p, time_limit_s=600, should_stop=should_stop)

    # The helper thread may poll once or twice more before the search has wound down.
    assert (solution.stopped, solution.status, polls in range(9, 13)) == (
        True,
        Status.FEASIBLE,
        True,
    )
    assert check_schedule(p, solution.visits) == []


def test_solve_spreads_visits_over_tables():
    p = problem(
        2,
        [table("T1", capacity=3), table("T2", capacity=3), table("T3", capacity=3)],
        [group("G1"), group("G2"), group("G3")],
    )

    solution = solve(p)

    per_table = sorted(sum(1 for v in solution.visits if v.table == t.id) for t in p.tables)
    assert (len(solution.visits), per_table, solution.table_spread) == (6, [2, 2, 2], 12)
    assert solution.repeated_pairs == 0


def test_solve_balance_keeps_value():
    # Only T1 is worth more to G1, so G1 stays there however busy T1 is.
    p = problem(
        1,
        [table("T1", capacity=2), table("T2", capacity=2)],
        [group("G1"), group("G2")],
        affinity=(("G1", "T1", 1), ("G2", "T1", 1)),
    )

    solution = solve(p)

    assert (solution.visits, solution.affinity, solution.table_spread) == (
        (Visit(1, "G1", "T1"), Visit(1, "G2", "T1")),
        2,
        4,
    )


def test_solve_pin_listed_twice_counts_once_in_the_bounds():
    # Found by the property test: the duplicate pin took two seats in the relaxation, so the
    # share bound (0.0) fell below the share reached (1.0).
    adult, pediatric = Track.ADULT, Track.PEDIATRIC
    problem = Problem(
        name="twice",
        rounds=1,
        tables=(
            Table(id="T0", specialty="S", track=adult, capacity=2),
            Table(id="T1", specialty="S", track=adult, capacity=3),
        ),
        groups=(
            *(Group(id=f"G{i}", name=f"G{i}", track=adult) for i in range(5)),
            Group(id="G5", name="G5", track=pediatric),
        ),
        pinned=(Visit(1, "G0", "T0"), Visit(1, "G0", "T0")),
    )

    solution = solve(problem, time_limit_s=5)

    assert (solution.status, solution.min_share, solution.min_share_upper_bound) == (
        Status.OPTIMAL,
        1.0,
        1.0,
    )
