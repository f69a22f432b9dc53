"""The baseline the solver must beat: round by round, each group in turn takes the best free
table it may visit and has not visited (most affinity first, new before met-before)."""

from __future__ import annotations

from rotations.solver.indexed import Indexed


def greedy_triples(ix: Indexed) -> list[tuple[int, int, int]]:
    at: set[tuple[int, int]] = set()  # (group, round) taken
    load: dict[tuple[int, int], int] = {}
    visited: set[tuple[int, int]] = set()
    triples = []
    for r, g, t in ix.pins:
        at.add((g, r))
        load[t, r] = load.get((t, r), 0) + 1
        visited.add((g, t))
        triples.append((r, g, t))
    for r in range(1, ix.rounds + 1):
        for g in range(len(ix.groups)):
            if (g, r) in at or not (ix.group_mask[g] >> r) & 1:
                continue
            best = max(
                (
                    (ix.weight.get((g, t), 0), (g, t) not in ix.met_before, -t)
                    for t in ix.eligible[g]
                    if (ix.table_mask[t] >> r) & 1
                    and (g, t) not in visited
                    and load.get((t, r), 0) < ix.capacity[t]
                ),
                default=None,
            )
            if best is None:
                continue
            t = -best[2]
            at.add((g, r))
            load[t, r] = load.get((t, r), 0) + 1
            visited.add((g, t))
            triples.append((r, g, t))
    return sorted(triples)
