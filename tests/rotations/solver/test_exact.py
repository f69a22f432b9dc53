"""Exact when small: levels 1-4 proved by the level-by-level CP-SAT model of ``exact.py``."""

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from benchmarks.synthetic import windowed_event
from rotations.solver import (
    Group,
    Problem,
    Status,
    Table,
    Track,
    check_schedule,
    exact,
    load_instance,
)
from rotations.solver.indexed import index_problem
from rotations.solver.problem import Level, Solution
from rotations.solver.solve import solve

INSTANCES = Path(__file__).resolve().parents[3] / "benchmarks" / "instances"
ALL = (Level.FAIRNESS, Level.VISITS, Level.VALUE, Level.MIXING)


def swap_problem() -> Problem:
    """Four groups, two tables of two seats, two rounds: whichever two groups share a table
    in round 1 share the other in round 2, so two pairs repeat at 8 visits."""
    return Problem(
        name="Swap",
        rounds=2,
        tables=tuple(
            Table(id=f"T{i}", specialty=f"S{i}", track=Track.ALL_AGES, capacity=2) for i in (1, 2)
        ),
        groups=tuple(Group(id=f"G{i}", name=f"G{i}", track=Track.ALL_AGES) for i in range(4)),
    )


def test_solve_small_event_proves_a_mixing_optimum_above_zero():
    solution = solve(swap_problem(), time_limit_s=10)

    assert (
        solution.status,
        len(solution.visits),
        solution.repeated_pairs,
        solution.proved_levels,
    ) == (Status.OPTIMAL, 8, 2, ALL)


def test_solve_practice_140_reaches_the_proved_mixing_optimum():
    problem = load_instance(INSTANCES / "practice-140.json")

    solution = solve(problem, time_limit_s=20)

    assert (
        solution.status,
        solution.min_share,
        len(solution.visits),
        solution.affinity,
        solution.repeated_pairs,
        solution.proved_levels,
        check_schedule(problem, list(solution.visits)),
    ) == (Status.OPTIMAL, 8 / 9, 122, 54, 0, ALL, [])


def test_solve_windowed_event_proves_every_level_below_the_flow_bounds():
    problem = windowed_event(2, n_tables=15, n_groups=20, rounds=8)

    solution = solve(problem, time_limit_s=30)

    assert (
        solution.status,
        Fraction(solution.min_share).limit_denominator(100),
        solution.min_share_upper_bound,
        len(solution.visits),
        solution.visits_upper_bound,
        solution.affinity,
        solution.repeated_pairs,
        solution.proved_levels,
    ) == (Status.OPTIMAL, Fraction(6, 7), 1.0, 114, 121, 32, 0, ALL)


def test_solve_small_event_same_seed_same_schedule():
    problem = windowed_event(2, n_tables=15, n_groups=20, rounds=8)

    first = solve(problem, time_limit_s=30, seed=3)
    second = solve(problem, time_limit_s=30, seed=3)

    assert first.visits == second.visits


def test_size_counts_triples_and_meetings():
    ix = index_problem(swap_problem())

    # 4 groups x 2 tables x 2 rounds; per table and round, 4 groups make 6 meetings.
    assert exact.size(ix) == (16, 24)


def test_is_small_false_past_the_limits():
    ix = index_problem(windowed_event(0, n_tables=100, n_groups=200))

    assert exact.is_small(ix) is False


def solution_with(**changes) -> Solution:
    base = Solution(
        status=Status.OPTIMAL,
        visits=(),
        visits_upper_bound=0,
        min_share_upper_bound=1.0,
        min_share=1.0,
        affinity=0,
        met_before_revisits=0,
        repeated_pairs=0,
    )
    return replace(base, **changes)


def test_settle_optimal_without_repeats_proves_every_level():
    assert exact.settle(solution_with()).proved_levels == ALL


def test_settle_optimal_with_repeats_proves_levels_1_to_3():
    settled = exact.settle(solution_with(repeated_pairs=2))

    assert settled.proved_levels == ALL[:3]


def test_settle_stopped_proves_nothing():
    settled = exact.settle(solution_with(stopped=True, proved_levels=ALL))

    assert settled.proved_levels == ()


def test_settle_feasible_keeps_the_levels_it_has():
    settled = exact.settle(solution_with(status=Status.FEASIBLE, proved_levels=ALL[:2]))

    assert settled.proved_levels == ALL[:2]
