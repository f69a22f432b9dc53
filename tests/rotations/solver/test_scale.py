"""The solver at scale: size limits refused at once, and a big event solved within a short
time limit still returns a valid schedule (never asserting a time)."""

import importlib

import pytest

from benchmarks.synthetic import large_event
from rotations.solver import Group, Problem, Status, Table, Track, solve
from rotations.solver.checks import check_schedule
from rotations.solver.limits import ProblemTooLarge

solve_module = importlib.import_module("rotations.solver.solve")


def small(rounds: int) -> Problem:
    return Problem(
        name="Long",
        rounds=rounds,
        tables=(Table(id="T1", specialty="Cardiology", track=Track.ADULT),),
        groups=(Group(id="G1", name="Internal Medicine", track=Track.ADULT),),
    )


def test_solve_refuses_ten_thousand_rounds():
    with pytest.raises(ProblemTooLarge) as caught:
        solve(small(10_000), time_limit_s=5)

    assert str(caught.value) == (
        'Long: "rounds" is 10000, more than the solver takes (at most 200)'
    )


def test_solve_takes_the_most_rounds_allowed():
    solution = solve(small(200), time_limit_s=5)

    assert (solution.status, len(solution.visits)) == (Status.OPTIMAL, 1)


def test_solve_refuses_too_many_groups():
    groups = tuple(Group(id=f"G{i}", name="", track=Track.ADULT) for i in range(15_001))
    problem = Problem(name="", rounds=2, tables=small(2).tables, groups=groups)

    with pytest.raises(ProblemTooLarge) as caught:
        solve(problem)

    assert str(caught.value) == (
        "the problem: 15,001 groups, more than the solver takes (at most 15,000)"
    )


def test_solve_of_a_big_event_with_a_short_limit_returns_a_valid_stopped_schedule():
    # 16,000 clinicians: its bounds and layout alone take longer than 2 s.
    event = large_event(16_000)

    solution = solve(event, time_limit_s=2)

    assert (solution.status, solution.stopped) == (Status.FEASIBLE, True)
    assert check_schedule(event, list(solution.visits)) == []


def test_solve_out_of_time_for_choosing_pairs_lays_out_a_maximum_flow(monkeypatch):
    # As if the min-cost flow would take far longer than the time left.
    monkeypatch.setattr(solve_module, "MIN_COST_FLOW_FACTOR", 10**12)
    event = large_event(800)

    solution = solve(event, time_limit_s=3)

    assert (solution.status, solution.stopped) == (Status.FEASIBLE, True)
    assert len(solution.visits) > solution.visits_upper_bound // 2
    assert check_schedule(event, list(solution.visits)) == []
