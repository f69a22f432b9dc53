"""Independent parts (e.g. the locations of a regional event) are solved one by one, or in
processes side by side, and merged."""

import dataclasses
import importlib
import random

from rotations.solver import (
    Group,
    Problem,
    Status,
    Table,
    Track,
    Visit,
    check_schedule,
    solve,
)
from rotations.solver.indexed import index_problem
from rotations.solver.parts import components

# The module, not the function of the same name that the package exports.
solve_module = importlib.import_module("rotations.solver.solve")


def location(name: str, seed: int, n_tables: int = 4, n_groups: int = 5, rounds: int = 4):
    """Tables and groups of one location, every group able to meet every table."""
    rng = random.Random(seed)
    tables = [
        Table(id=f"{name}-T{i}", specialty="S", track=Track.ALL_AGES, location=name)
        for i in range(n_tables)
    ]
    groups = [
        Group(id=f"{name}-G{i}", name=f"{name} {i}", track=Track.ALL_AGES, location=name)
        for i in range(n_groups)
    ]
    affinity = tuple(
        (g.id, t.id, rng.randint(1, 3)) for g in groups for t in tables if rng.random() < 0.3
    )
    return tables, groups, affinity


def event(rounds: int, *locations) -> Problem:
    return Problem(
        name="regional",
        rounds=rounds,
        tables=tuple(t for tables, _, _ in locations for t in tables),
        groups=tuple(g for _, groups, _ in locations for g in groups),
        affinity=tuple(a for _, _, affinity in locations for a in affinity),
    )


def windowed_location(name: str, seed: int) -> tuple[list[Table], list[Group], tuple]:
    """A location whose windows keep the round layout short of its bounds (so it is
    searched)."""
    rng = random.Random(seed)

    def window():
        first = rng.randint(1, 3)
        return frozenset(range(first, rng.randint(first + 1, 6) + 1))

    tables = [
        Table(
            id=f"{name}-T{i}",
            specialty="S",
            track=rng.choice(list(Track)),
            capacity=rng.randint(1, 2),
            available_rounds=window() if rng.random() < 0.5 else None,
            location=name,
        )
        for i in range(6)
    ]
    groups = [
        Group(
            id=f"{name}-G{i}",
            name=name,
            track=rng.choice(list(Track)),
            available_rounds=window() if rng.random() < 0.5 else None,
            location=name,
        )
        for i in range(12)
    ]
    return tables, groups, ()


def test_components_split_by_location():
    p = event(3, location("A", 1, 2, 2), location("B", 2, 2, 3))

    parts = components(index_problem(p))

    assert parts == [([0, 1], [0, 1]), ([2, 3, 4], [2, 3])]


def test_components_table_without_location_joins_locations():
    a, b = location("A", 1, 2, 2), location("B", 2, 2, 2)
    roaming = Table(id="R", specialty="S", track=Track.ALL_AGES)
    p = dataclasses.replace(event(3, a, b), tables=(*event(3, a, b).tables, roaming))

    parts = components(index_problem(p))

    assert parts == [([0, 1, 2, 3], [0, 1, 2, 3, 4])]


def test_solve_two_locations_is_union_of_each_alone():
    a, b = location("A", 1), location("B", 2, n_tables=3, n_groups=6)
    whole = event(4, a, b)

    solution = solve(whole)
    alone_a, alone_b = solve(event(4, a)), solve(event(4, b))

    assert solution.visits == tuple(sorted(alone_a.visits + alone_b.visits))
    assert (solution.status, solution.affinity) == (
        Status.OPTIMAL,
        alone_a.affinity + alone_b.affinity,
    )
    assert check_schedule(whole, solution.visits) == []


def test_solve_keeps_groups_at_their_location():
    p = event(4, location("A", 3), location("B", 4))
    location_of = {t.id: t.location for t in p.tables} | {g.id: g.location for g in p.groups}

    solution = solve(p)

    assert {location_of[v.group] == location_of[v.table] for v in solution.visits} == {True}
    assert (len(solution.visits), solution.visits_upper_bound) == (32, 32)


def test_solve_pin_across_locations_is_infeasible():
    p = dataclasses.replace(
        event(2, location("A", 1, 1, 1), location("B", 2, 1, 1)),
        pinned=(Visit(1, "A-G0", "B-T0"),),
    )

    solution = solve(p)

    assert (solution.status, solution.reasons) == (
        Status.INFEASIBLE,
        (
            "group A-G0 (A 0) (at A) is pinned to table B-T0 (S) (at B) in round 1, but a "
            "group visits only tables at its own location",
        ),
    )


def test_solve_parts_in_processes_match_in_process(monkeypatch):
    p = event(6, windowed_location("A", 16), windowed_location("B", 30))
    monkeypatch.setattr(solve_module, "PARALLEL_MIN_PAIRS", 1)
    monkeypatch.setattr(solve_module.os, "cpu_count", lambda: 2)

    first = solve(p, time_limit_s=20, seed=3, num_workers=2)
    second = solve(p, time_limit_s=20, seed=3, num_workers=2)
    monkeypatch.setattr(solve_module, "PARALLEL_MIN_PAIRS", 10**9)
    in_process = solve(p, time_limit_s=20, seed=3, num_workers=2)

    assert first.visits == second.visits
    assert check_schedule(p, first.visits) == []
    assert (first.status, first.min_share, len(first.visits), first.affinity) == (
        in_process.status,
        in_process.min_share,
        len(in_process.visits),
        in_process.affinity,
    )


def test_parts_keep_their_graded_met_before_and_the_choice_it_makes():
    tables = [
        Table(id=f"{name}-T{i}", specialty="S", track=Track.ALL_AGES, location=name)
        for name in ("A", "B")
        for i in range(2)
    ]
    groups = [
        Group(id=f"{name}-G", name=name, track=Track.ALL_AGES, location=name) for name in "AB"
    ]
    problem = Problem(
        name="two halls",
        rounds=1,
        tables=tuple(tables),
        groups=tuple(groups),
        met_before=frozenset({("A-G", "A-T0"), ("A-G", "A-T1"), ("B-G", "B-T0"), ("B-G", "B-T1")}),
        met_before_weights=(("A-G", "A-T1", 1), ("B-G", "B-T0", 2)),
    )

    solution = solve(problem)

    # Each hall is a part; in each, the table met longer ago (the lower weight) is chosen.
    assert (len(components(index_problem(problem))), solution.visits) == (
        2,
        (Visit(1, "A-G", "A-T1"), Visit(1, "B-G", "B-T0")),
    )
