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
- ``lagrangian_bound``: the flow bound where a group that chooses is no longer at every
  evening it may attend: its pairs' link to its evening is priced instead (Lagrangian
  relaxation), so the bound falls towards the LP relaxation's value, which on seasons with
  overlapping evenings is far below the flow's.

``Assignment`` is the flow's graph built once and solved with new weights, for the
Lagrangian bound and the planner's starting plan.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np
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


class Assignment:
    """The max-weight assignment of ``flow_bound`` on a fixed graph, solved again and again
    with new weights (the Lagrangian bound's inner problem, the planner's starting plan):
    arcs are built once. A specialist's arc to an evening passes through a node for (that
    evening, their specialty) with a bonus arc of capacity one: the first specialist of a
    specialty at an evening can earn a bonus the next ones do not (the needs it meets)."""

    def __init__(self, ix: SeriesIndex, specialists: Sequence[int]) -> None:
        arcs = [
            (p, e)
            for p in specialists
            if ix.max_evenings[p] > 0
            for e in ix.anchor_options[p]
            if ix.tables[e] > 0
        ]
        self.arcs = arcs
        self.arc_at = {arc: i for i, arc in enumerate(arcs)}
        specialty = [s.specialty for s in ix.problem.specialists]
        # The (evening, specialty) nodes, each with its bonus arc.
        self.kinds = sorted({(e, specialty[p]) for p, e in arcs})
        self.kind_at = {kind: i for i, kind in enumerate(self.kinds)}
        evenings = sorted({e for _, e in arcs})
        owners = sorted({p for p, _ in arcs})
        evening_node = {e: 2 + i for i, e in enumerate(evenings)}
        kind_node = {kind: 2 + len(evenings) + i for i, kind in enumerate(self.kinds)}
        first = 2 + len(evenings) + len(self.kinds)
        specialist_node = {p: first + i for i, p in enumerate(owners)}
        per_owner = Counter(p for p, _ in arcs)
        caps = [min(ix.max_evenings[p], per_owner[p]) for p in owners]
        supply = sum(caps)
        # Specialist -> kind arcs first (arc i is the i-th of ``arcs``), then the bonus arcs.
        tails = [specialist_node[p] for p, _ in arcs] + [kind_node[k] for k in self.kinds]
        heads = [kind_node[e, specialty[p]] for p, e in arcs]
        heads += [evening_node[e] for e, _ in self.kinds]
        caps_ = [1] * (len(arcs) + len(self.kinds))
        tails += [kind_node[k] for k in self.kinds]
        heads += [evening_node[e] for e, _ in self.kinds]
        caps_ += [supply] * len(self.kinds)
        tails += [0] * len(owners) + [evening_node[e] for e in evenings] + [0]
        heads += [specialist_node[p] for p in owners] + [1] * len(evenings) + [1]
        caps_ += caps + [ix.tables[e] for e in evenings] + [supply]
        self.tails = np.asarray(tails, dtype=np.int64)
        self.heads = np.asarray(heads, dtype=np.int64)
        self.caps = np.asarray(caps_, dtype=np.int64)
        self.extra = len(tails) - len(arcs) - len(self.kinds)
        self.supply = supply

    def solve(self, weights: np.ndarray, bonus: np.ndarray | None = None) -> tuple[int, np.ndarray]:
        """The best total of ``weights`` (one an arc, integers) and of ``bonus`` (one a kind,
        earned by its first specialist), and which arcs it takes."""
        if self.supply == 0 or not len(self.arcs):
            return 0, np.zeros(len(self.arcs), dtype=bool)
        flow = min_cost_flow.SimpleMinCostFlow()
        if bonus is None:
            bonus = np.zeros(len(self.kinds), dtype=np.int64)
        costs = np.concatenate(
            [
                -np.maximum(weights, 0),
                -np.maximum(bonus, 0),
                np.zeros(self.extra, dtype=np.int64),
            ]
        )
        flow.add_arcs_with_capacity_and_unit_cost(self.tails, self.heads, self.caps, costs)
        flow.set_node_supply(0, self.supply)
        flow.set_node_supply(1, -self.supply)
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"the series flow bound did not solve (status {status})")
        taken = flow.flows(np.arange(len(self.arcs)))[: len(self.arcs)] > 0
        return -flow.optimal_cost(), taken


def lagrangian_bound(
    ix: SeriesIndex,
    specialists: Sequence[int],
    groups: Sequence[int],
    *,
    lower: int,
    deadline: float,
    iterations: int = 300,
) -> int:
    """An upper bound on the pairs meeting, tighter than ``flow_bound`` when groups choose.

    ``flow_bound`` counts a choosing group's pair at every evening the group may attend. Here
    a pair of a choosing group ``g`` and specialist ``p`` meets at evening ``e`` only if
    ``p`` anchors ``e`` (``y``) and ``g`` attends ``e`` (``x``); the second condition is
    priced instead of kept (Lagrangian relaxation, multipliers ``0 <= lam <= w``): the
    specialists' side is the assignment of ``flow_bound`` with a pair worth ``w - lam`` at
    ``e``, and each group earns the ``lam`` of the evenings it picks. For every ``lam``
    the sum of both sides bounds every plan; a subgradient search lowers it towards the LP
    relaxation's value. ``lower`` (the pairs of a known plan) sets the step size; the search
    stops at ``deadline`` or after ``iterations`` and returns the best bound seen.
    """
    flow = Assignment(ix, specialists)
    base = np.zeros(len(flow.arcs), dtype=np.float64)
    ent_arc: list[int] = []
    ent_slot: list[int] = []
    ent_w: list[int] = []
    slot_ranges: list[tuple[int, int, int]] = []  # (first slot, options, attends) a group
    slots = 0
    for g in groups:
        options = ix.attend_options[g]
        if ix.attends[g] == 0:
            continue
        choosing = ix.attends[g] < len(options)
        if choosing:
            slot_ranges.append((slots, len(options), ix.attends[g]))
        for p, weight in ix.pairs[g].items():
            for i, e in enumerate(options):
                arc = flow.arc_at.get((p, e))
                if arc is None:
                    continue
                if choosing:
                    ent_arc.append(arc)
                    ent_slot.append(slots + i)
                    ent_w.append(weight)
                else:
                    base[arc] += weight
        if choosing:
            slots += len(options)
    arc_of = np.asarray(ent_arc, dtype=np.int64)
    slot_of = np.asarray(ent_slot, dtype=np.int64)
    w = np.asarray(ent_w, dtype=np.float64)
    # Integer costs for the flow: weights scaled and rounded up keep the bound true.
    scale = 64.0

    def value(lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        weights = base + np.bincount(arc_of, weights=np.maximum(w - lam, 0), minlength=len(base))
        flow_value, taken = flow.solve(np.ceil(weights * scale - 1e-9).astype(np.int64))
        earned = np.bincount(slot_of, weights=lam, minlength=slots)
        picked = np.zeros(slots, dtype=bool)
        groups_value = 0.0
        for first, count, attends in slot_ranges:
            row = earned[first : first + count]
            best = np.argsort(-row, kind="stable")[:attends]
            picked[first + best] = True
            groups_value += float(row[best].sum())
        return flow_value / scale + groups_value, taken, picked

    lam = np.zeros(len(w))
    best = math.inf
    if not len(w):
        return math.floor(value(lam)[0] + 1e-6)
    theta, stale = 1.0, 0
    for _ in range(iterations):
        total, taken, picked = value(lam)
        if total < best - 1e-6:
            best, stale = total, 0
        else:
            stale += 1
            if stale >= 5:
                theta, stale = theta / 2, 0
        if time.monotonic() >= deadline or best <= lower + 1 - 1e-6 or theta < 1e-3:
            break
        meets = taken[arc_of] & (w > lam)
        step = picked[slot_of].astype(np.float64) - meets
        norm = float(step @ step)
        if norm == 0:
            break
        lam = np.clip(lam - theta * (total - lower) / norm * step, 0, w)
    return math.floor(best + 1e-6)
