"""Synthetic events for benchmarks and tests: many tables and groups, most with availability
windows (anchors who arrive late or leave early, groups who come for part of the event), and
large events of a given number of clinicians (``large_event``)."""

from __future__ import annotations

import random

from rotations.solver.problem import Group, Problem, Table, Track

# The tracks a generated table or group draws from: half adult, a fifth pediatric.
TRACKS = [Track.ADULT] * 5 + [Track.PEDIATRIC] * 2 + [Track.ALL_AGES] * 3


def _window(rng: random.Random, *, rounds: int, windowed: float) -> frozenset[int] | None:
    """A stretch of consecutive rounds for a ``windowed`` share of draws, else None (every
    round)."""
    if rng.random() >= windowed:
        return None
    length = rng.randint(max(2, rounds // 4), rounds - 1)
    first = rng.randint(1, rounds - length + 1)
    return frozenset(range(first, first + length))


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
    tracks = TRACKS

    def window() -> frozenset[int] | None:
        return _window(rng, rounds=rounds, windowed=windowed)

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


# A large event's shape: one table per 16 clinicians, 2.5 groups of 6 per table
# (16 = 1 specialist + 2.5 x 6 group members), over 20 rounds.
CLINICIANS_PER_TABLE = 16
GROUPS_PER_TABLE = 2.5
LARGE_GROUP_SIZE = 6
LARGE_ROUNDS = 20


def large_event(clinicians: int, seed: int = 0, *, windowed: float = 0.6) -> Problem:
    """A ``clinicians``-strong event of the shape above (16,000: 1,000 tables, 2,500 groups),
    a ``windowed`` share present for part of the evening; each group has affinity to about
    5% of the tables and met about 3% before. Generated in time linear in the tables and
    groups' eligible pairs, for benchmarks at scale (not committed as files)."""
    n_tables = max(1, clinicians // CLINICIANS_PER_TABLE)
    n_groups = max(1, round(n_tables * GROUPS_PER_TABLE))
    rounds = LARGE_ROUNDS
    rng = random.Random(seed)
    tracks = TRACKS

    def window() -> frozenset[int] | None:
        return _window(rng, rounds=rounds, windowed=windowed)

    tables = tuple(
        Table(
            id=f"T{i:05}",
            specialty=f"Specialty {i % 60}",
            track=rng.choice(tracks),
            capacity=rng.randint(1, 3),
            available_rounds=window(),
        )
        for i in range(n_tables)
    )
    groups = tuple(
        Group(
            id=f"G{i:05}",
            name=f"Group {i}",
            track=rng.choice(tracks),
            size=LARGE_GROUP_SIZE,
            available_rounds=window(),
        )
        for i in range(n_groups)
    )
    affinity = []
    met_before = set()
    for group in groups:
        for t in rng.sample(range(n_tables), min(n_tables, max(1, n_tables // 20))):
            affinity.append((group.id, tables[t].id, rng.randint(1, 3)))
        for t in rng.sample(range(n_tables), min(n_tables, n_tables * 3 // 100)):
            met_before.add((group.id, tables[t].id))
    return Problem(
        name=f"large-{clinicians}-{seed}",
        rounds=rounds,
        tables=tables,
        groups=groups,
        affinity=tuple(affinity),
        met_before=frozenset(met_before),
    )
