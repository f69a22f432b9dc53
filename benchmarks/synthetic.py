"""Synthetic events for benchmarks and tests: many tables and groups, most with availability
windows (anchors who arrive late or leave early, groups who come for part of the event)."""

from __future__ import annotations

import random

from rotations.solver.problem import Group, Problem, Table, Track


def windowed_event(
    seed: int = 0,
    *,
    n_tables: int = 100,
    n_groups: int = 200,
    rounds: int = 12,
    windowed: float = 0.6,
) -> Problem:
    """An event where a ``windowed`` share of tables and groups is present for a stretch of
    consecutive rounds only; tracks, capacities (1-3) and affinity at random from ``seed``."""
    rng = random.Random(seed)
    tracks = [Track.ADULT] * 5 + [Track.PEDIATRIC] * 2 + [Track.ALL_AGES] * 3

    def window() -> frozenset[int] | None:
        if rng.random() >= windowed:
            return None
        length = rng.randint(max(2, rounds // 4), rounds - 1)
        first = rng.randint(1, rounds - length + 1)
        return frozenset(range(first, first + length))

    tables = tuple(
        Table(
            id=f"T{i:03}",
            specialty=f"Specialty {i}",
            track=rng.choice(tracks),
            capacity=rng.randint(1, 3),
            available_rounds=window(),
        )
        for i in range(n_tables)
    )
    groups = tuple(
        Group(id=f"G{i:03}", name=f"Group {i}", track=rng.choice(tracks), available_rounds=window())
        for i in range(n_groups)
    )
    affinity = tuple(
        (group.id, table.id, rng.randint(1, 3))
        for group in groups
        for table in tables
        if rng.random() < 0.05
    )
    met_before = frozenset(
        (group.id, table.id) for group in groups for table in tables if rng.random() < 0.03
    )
    return Problem(
        name=f"windowed-{n_tables}x{n_groups}-{seed}",
        rounds=rounds,
        tables=tables,
        groups=groups,
        affinity=affinity,
        met_before=met_before,
    )
