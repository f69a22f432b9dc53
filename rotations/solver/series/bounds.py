"""Upper bounds on the shared-patient pairs a season can bring together, and its parts.

Each bound holds for every valid plan (whatever needs it meets), so the planner reports the
smallest of them and of CP-SAT's own bound:

- ``specialist_bound``: each specialist alone, free of the tables and of the other groups'
  choices: the most pairs the best ``max_evenings`` of their evenings could bring, counting a
  group when it may attend one of them.
- ``flow_bound``: the tables and every specialist's ``max_evenings`` at once, by a max-weight
  assignment (a min-cost flow, exact and fast) in which a specialist at an evening is worth
  every pair whose group may attend it. It counts a group twice when a specialist anchors
  two of its evenings, so neither bound is always the smaller.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from ortools.graph.python import min_cost_flow

from rotations.solver.series.problem import SeriesIndex

# A specialist with more subsets of evenings than this gets the sum of their best evenings
# instead of the exact best subset (a weaker bound, still true).
MAX_SUBSETS = 5_000


def components(ix: SeriesIndex) -> list[list[int]]:
    """The evenings in groups that plan independently: two evenings are together when a
    specialist may anchor both or a group may attend both. Sorted, smallest first."""
    parent = list(range(len(ix.evening_ids)))

    def find(e: int) -> int:
        while parent[e] != e:
            parent[e] = parent[parent[e]]
            e = parent[e]
        return e

    for options in [*ix.anchor_options, *ix.attend_options]:
        for e in options[1:]:
            a, b = find(options[0]), find(e)
            if a != b:
                parent[max(a, b)] = min(a, b)
    parts: dict[int, list[int]] = {}
    for e in range(len(ix.evening_ids)):
        parts.setdefault(find(e), []).append(e)
    return sorted(parts.values(), key=lambda part: (len(part), part))


def evening_weights(ix: SeriesIndex, specialists: Sequence[int]) -> dict[int, dict[int, int]]:
    """For each specialist, each evening they may anchor -> the pairs whose group may attend
    it (groups that attend no evening left out)."""
    weights: dict[int, dict[int, int]] = {}
    for p in specialists:
        row: dict[int, int] = {}
        for g, weight in ix.pairs_by_specialist[p]:
            if ix.attends[g] > 0:
                for e in ix.attend_options[g]:
                    row[e] = row.get(e, 0) + weight
        weights[p] = {e: row.get(e, 0) for e in ix.anchor_options[p] if ix.tables[e] > 0}
    return weights


def specialist_bound(ix: SeriesIndex, p: int) -> int:
    """The most pairs of specialist ``p`` any plan brings together."""
    evenings = [e for e in ix.anchor_options[p] if ix.tables[e] > 0]
    take = min(ix.max_evenings[p], len(evenings))
    if take == 0:
        return 0
    reachable = [
        (weight, set(ix.attend_options[g]))
        for g, weight in ix.pairs_by_specialist[p]
        if ix.attends[g] > 0
    ]
    if len(evenings) > 20 or _combinations(len(evenings), take) > MAX_SUBSETS:
        per_evening = sorted(
            (sum(weight for weight, options in reachable if e in options) for e in evenings),
            reverse=True,
        )
        return sum(per_evening[:take])
    # A group counts once however many chosen evenings it may attend.
    return max(
        sum(weight for weight, options in reachable if not options.isdisjoint(chosen))
        for chosen in itertools.combinations(evenings, take)
    )


def _combinations(n: int, k: int) -> int:
    total = 1
    for i in range(k):
        total = total * (n - i) // (i + 1)
    return total


def flow_bound(
    ix: SeriesIndex, specialists: Sequence[int], weights: dict[int, dict[int, int]]
) -> tuple[int, dict[int, list[int]]]:
    """The max-weight assignment of ``specialists`` to evenings within the tables and their
    ``max_evenings``, each (specialist, evening) worth ``weights``: its value (an upper bound,
    see the module) and the assignment itself (specialist -> evenings), a good start."""
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    evening_node = {
        e: 2 + i for i, e in enumerate(sorted({e for p in specialists for e in weights[p]}))
    }
    specialist_node = {p: 2 + len(evening_node) + i for i, p in enumerate(specialists)}
    arcs: list[tuple[int, int, int]] = []
    supply = 0
    for p in specialists:
        cap = min(ix.max_evenings[p], len(weights[p]))
        if cap == 0:
            continue
        supply += cap
        flow.add_arc_with_capacity_and_unit_cost(source, specialist_node[p], cap, 0)
        for e, weight in weights[p].items():
            if weight > 0:
                arc = flow.add_arc_with_capacity_and_unit_cost(
                    specialist_node[p], evening_node[e], 1, -weight
                )
                arcs.append((arc, p, e))
    if supply == 0:
        return 0, {}
    for e, node in evening_node.items():
        flow.add_arc_with_capacity_and_unit_cost(node, sink, ix.tables[e], 0)
    # Whatever is not worth a table goes straight to the sink.
    flow.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the series flow bound did not solve (status {status})")
    chosen: dict[int, list[int]] = {}
    for arc, p, e in arcs:
        if flow.flow(arc) > 0:
            chosen.setdefault(p, []).append(e)
    return -flow.optimal_cost(), chosen
