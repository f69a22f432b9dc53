"""Upper bounds and the group-table relaxation, by network flow.

Drop the round structure and keep the rest of the hard rules: a group makes at most one visit
per available round, a table hosts at most capacity x available rounds, a group visits a table
at most once and only if they share a round. That is a bipartite flow, so its maximum is an
upper bound on visits, and a flow with lower bounds per group tells whether a min share is
reachable. A min-cost max-flow with those lower bounds then picks which group meets which
table (levels 1-3 of the objective at once); ``layout.py`` puts the pairs into rounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from rotations.solver.indexed import Indexed, bits

# Long loops over groups poll ``should_stop`` once per this many groups.
POLL_GROUPS = 64


def possible_visits(ix: Indexed, should_stop: Callable[[], bool] | None = None) -> list[int] | None:
    """Each group's possible visits: the most it could make if it were alone at the event
    (a matching of its available rounds to the tables it may visit). None once
    ``should_stop`` (polled every ``POLL_GROUPS`` groups) returns True."""
    out: list[int] = []
    for g, mask in enumerate(ix.group_mask):
        if should_stop is not None and g % POLL_GROUPS == 0 and should_stop():
            return None
        rounds = bits(mask)
        tables = ix.eligible[g]
        whole = sum(1 for t in tables if mask & ix.table_mask[t] == mask)
        if not tables:
            out.append(0)
            continue
        if whole >= len(rounds):
            # Enough tables present all the time the group is: nothing more to match.
            out.append(len(rounds))
            continue
        flow = max_flow.SimpleMaxFlow()
        round_node = {r: 2 + i for i, r in enumerate(rounds)}
        first_table = 2 + len(rounds)
        tails, heads = [], []
        for r in rounds:
            tails.append(0)
            heads.append(round_node[r])
        for k, t in enumerate(tables):
            for r in bits(mask & ix.table_mask[t]):
                tails.append(round_node[r])
                heads.append(first_table + k)
            tails.append(first_table + k)
            heads.append(1)
        flow.add_arcs_with_capacity(
            np.array(tails, dtype=np.int32),
            np.array(heads, dtype=np.int32),
            np.ones(len(tails), dtype=np.int64),
        )
        flow.solve(0, 1)
        out.append(int(flow.optimal_flow()))
    return out


@dataclass(slots=True)
class Relaxation:
    """The flow network over free capacity once the pinned visits are placed."""

    possible: list[int]
    pinned_count: list[int]  # pinned visits per group
    group_cap: list[int]  # further visits a group can make
    table_cap: list[int]  # further visits a table can host
    arc_group: np.ndarray  # (group, table) arcs, ascending
    arc_table: np.ndarray
    free_rounds: list[int]  # per arc: rounds in which the pair may still meet (mask)


def build_relaxation(ix: Indexed) -> Relaxation:
    """The relaxation of ``ix`` (see ``Relaxation``)."""
    relaxation = build_relaxation_unless_stopped(ix, None)
    assert relaxation is not None  # nothing stops it
    return relaxation


def build_relaxation_unless_stopped(
    ix: Indexed, should_stop: Callable[[], bool] | None
) -> Relaxation | None:
    """The relaxation of ``ix``, or None once ``should_stop`` (polled every
    ``POLL_GROUPS`` groups) returns True: at scale this is seconds of work (one arc per
    eligible pair, 11 million at 40,000 clinicians)."""
    possible = possible_visits(ix, should_stop)
    if possible is None:
        return None
    n_groups, n_tables = len(ix.groups), len(ix.tables)
    pinned_count = [0] * n_groups
    group_busy = [0] * n_groups
    table_load: dict[tuple[int, int], int] = {}
    pinned_pairs = set()
    for r, g, t in ix.pins:
        pinned_count[g] += 1
        group_busy[g] |= 1 << r
        table_load[t, r] = table_load.get((t, r), 0) + 1
        pinned_pairs.add((g, t))
    table_full = [0] * n_tables
    table_cap = []
    for t in range(n_tables):
        free = 0
        for r in bits(ix.table_mask[t]):
            left = ix.capacity[t] - table_load.get((t, r), 0)
            if left <= 0:
                table_full[t] |= 1 << r
            free += max(0, left)
        table_cap.append(free)
    group_cap = [
        max(
            0, min(possible[g] - pinned_count[g], bin(ix.group_mask[g] & ~group_busy[g]).count("1"))
        )
        for g in range(n_groups)
    ]
    arc_group, arc_table, free_rounds = [], [], []
    for g in range(n_groups):
        if should_stop is not None and g % POLL_GROUPS == 0 and should_stop():
            return None
        open_mask = ix.group_mask[g] & ~group_busy[g]
        for t in ix.eligible[g]:
            common = open_mask & ix.table_mask[t] & ~table_full[t]
            if common and (g, t) not in pinned_pairs:
                arc_group.append(g)
                arc_table.append(t)
                free_rounds.append(common)
    return Relaxation(
        possible=possible,
        pinned_count=pinned_count,
        group_cap=group_cap,
        table_cap=table_cap,
        arc_group=np.array(arc_group, dtype=np.int32),
        arc_table=np.array(arc_table, dtype=np.int32),
        free_rounds=free_rounds,
    )


def _network(ix: Indexed, rel: Relaxation, group_caps: list[int]) -> max_flow.SimpleMaxFlow:
    n_groups = len(ix.groups)
    flow = max_flow.SimpleMaxFlow()
    group_nodes = np.arange(2, 2 + n_groups, dtype=np.int32)
    table_nodes = np.arange(2 + n_groups, 2 + n_groups + len(ix.tables), dtype=np.int32)
    flow.add_arcs_with_capacity(
        np.zeros(n_groups, dtype=np.int32), group_nodes, np.array(group_caps, dtype=np.int64)
    )
    flow.add_arcs_with_capacity(
        rel.arc_group + 2,
        rel.arc_table + 2 + n_groups,
        np.ones(len(rel.arc_group), dtype=np.int64),
    )
    flow.add_arcs_with_capacity(
        table_nodes,
        np.ones(len(ix.tables), dtype=np.int32),
        np.array(rel.table_cap, dtype=np.int64),
    )
    return flow


def _group_classes(ix: Indexed, rel: Relaxation) -> list[list[int]]:
    """The groups in classes of ones the flows cannot tell apart: no pinned visit, the same
    track, location and rounds (so the same arcs, cap and possible visits); a group with a
    pin is a class of its own. Ascending by first member."""
    classes: dict[tuple[object, ...], list[int]] = {}
    for g, group in enumerate(ix.groups):
        key: tuple[object, ...] = (
            ("pinned", g)
            if rel.pinned_count[g]
            else (group.track.value, group.location, ix.group_mask[g])
        )
        classes.setdefault(key, []).append(g)
    return list(classes.values())


def _class_network(
    ix: Indexed, rel: Relaxation, classes: list[list[int]]
) -> max_flow.SimpleMaxFlow:
    """The relaxation with each class of ``_group_classes`` as one node: its arcs are its
    first member's, each of capacity the class's size. Exact for the flows of the bounds:
    an integral flow of the class splits over its members round-robin, each member taking
    at most one unit per table and within one unit of the others' total, so every member
    gets the quota of a saturated need arc (the first arc of class c, index c, carries
    ``need x size``; set by the caller)."""
    n_classes = len(classes)
    starts = np.searchsorted(rel.arc_group, np.arange(len(ix.groups) + 1, dtype=np.int32))
    tails, heads, caps = [], [], []
    for c, members in enumerate(classes):
        first = members[0]
        tables = rel.arc_table[starts[first] : starts[first + 1]]
        tails.append(np.full(len(tables), 2 + c, dtype=np.int32))
        heads.append(tables + 2 + n_classes)
        caps.append(np.full(len(tables), len(members), dtype=np.int64))
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(
        np.zeros(n_classes, dtype=np.int32),
        np.arange(2, 2 + n_classes, dtype=np.int32),
        np.zeros(n_classes, dtype=np.int64),
    )
    if tails:
        flow.add_arcs_with_capacity(
            np.concatenate(tails).astype(np.int32),
            np.concatenate(heads).astype(np.int32),
            np.concatenate(caps),
        )
    flow.add_arcs_with_capacity(
        np.arange(2 + n_classes, 2 + n_classes + len(ix.tables), dtype=np.int32),
        np.ones(len(ix.tables), dtype=np.int32),
        np.array(rel.table_cap, dtype=np.int64),
    )
    return flow


def visits_bound(ix: Indexed, rel: Relaxation) -> int:
    """Most visits any valid schedule can have (pinned visits included)."""
    return visits_bound_and_arcs(ix, rel)[0]


def visits_bound_and_arcs(ix: Indexed, rel: Relaxation) -> tuple[int, list[int]]:
    """``visits_bound``, and the arcs of ``rel`` (indices) that one maximum flow uses: pairs
    for as many visits as can be, chosen with no regard to fairness or value (what a solve
    out of time for ``choose_pairs`` lays out instead)."""
    flow = _network(ix, rel, rel.group_cap)
    flow.solve(0, 1)
    n_groups = len(ix.groups)
    flows = flow.flows(np.arange(n_groups, n_groups + len(rel.arc_group), dtype=np.int32))
    arcs = [int(a) for a in np.nonzero(flows)[0]]
    return int(flow.optimal_flow()) + sum(rel.pinned_count), arcs


def quota(share: Fraction, possible: int) -> int:
    """Fewest visits that give a group ``share`` of its possible visits."""
    return -((-share.numerator * possible) // share.denominator)


def share_of(visits: list[int], possible: list[int]) -> Fraction:
    """Smallest share of possible visits over the groups that can make any."""
    shares = [Fraction(v, p) for v, p in zip(visits, possible, strict=True) if p > 0]
    return min(shares, default=Fraction(1))


def fairness_bound(
    ix: Indexed, rel: Relaxation, should_stop: Callable[[], bool] | None = None
) -> Fraction:
    """Largest min share the relaxation allows: binary search over the shares k/p. If
    ``should_stop`` (polled before each flow) returns True, the least share known to be out of
    reach so far, which is still an upper bound."""
    candidates = sorted({Fraction(k, p) for p in set(rel.possible) if p > 0 for k in range(p + 1)})
    if not candidates:
        return Fraction(1)
    classes = _group_classes(ix, rel)
    flow = _class_network(ix, rel, classes)

    def reachable(share: Fraction) -> bool:
        needs = [
            max(0, quota(share, rel.possible[members[0]]) - rel.pinned_count[members[0]])
            for members in classes
        ]
        if any(
            need > rel.group_cap[members[0]] for need, members in zip(needs, classes, strict=True)
        ):
            return False
        for c, (need, members) in enumerate(zip(needs, classes, strict=True)):
            flow.set_arc_capacity(c, need * len(members))
        flow.solve(0, 1)
        return int(flow.optimal_flow()) == sum(
            need * len(members) for need, members in zip(needs, classes, strict=True)
        )

    low, high = 0, len(candidates) - 1  # candidates[0] == 0 is always reachable
    while low < high:
        if should_stop is not None and should_stop():
            return candidates[high]
        middle = (low + high + 1) // 2
        if reachable(candidates[middle]):
            low = middle
        else:
            high = middle - 1
    return candidates[low]


@dataclass(slots=True)
class Choice:
    """Which pairs meet, chosen on the relaxation."""

    arcs: list[int]  # indices into the relaxation's arcs
    value: int  # their total value: an upper bound at this share and coverage
    visits: int  # pinned included


def arc_values(ix: Indexed, rel: Relaxation) -> np.ndarray:
    """``ix.pair_value`` of every arc of ``rel``, without a Python call per arc (there are
    millions at scale): the default value everywhere, then the pairs with their own value
    found by binary search, since the arcs are in ascending (group, table) order."""
    n_tables = len(ix.tables)
    keys = rel.arc_group.astype(np.int64) * n_tables + rel.arc_table
    values = np.full(len(keys), ix.new_value, dtype=np.int64)
    if ix.value and len(keys):
        pairs = np.array(list(ix.value), dtype=np.int64).reshape(-1, 2)
        own = pairs[:, 0] * n_tables + pairs[:, 1]
        where = np.minimum(np.searchsorted(keys, own), len(keys) - 1)
        found = keys[where] == own
        values[where[found]] = np.array(list(ix.value.values()), dtype=np.int64)[found]
    return values


def choose_pairs(ix: Indexed, rel: Relaxation, share: Fraction) -> Choice:
    """Max-flow with every group at its quota for ``share``, of greatest value."""
    n_groups, n_tables = len(ix.groups), len(ix.tables)
    needs = [max(0, quota(share, rel.possible[g]) - rel.pinned_count[g]) for g in range(n_groups)]
    values = arc_values(ix, rel)
    top = int(values.max()) if len(values) else 0
    # Meeting a quota must outweigh any value: one quota unit beats all the value there is.
    big = (top + 1) * (sum(rel.group_cap) + 1)
    flow = min_cost_flow.SimpleMinCostFlow()
    group_nodes = np.arange(2, 2 + n_groups, dtype=np.int32)
    zeros = np.zeros(n_groups, dtype=np.int32)
    flow.add_arcs_with_capacity_and_unit_cost(
        zeros, group_nodes, np.array(needs, dtype=np.int64), np.full(n_groups, -big, dtype=np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        zeros,
        group_nodes,
        np.array(
            [cap - need for cap, need in zip(rel.group_cap, needs, strict=True)], dtype=np.int64
        ),
        np.zeros(n_groups, dtype=np.int64),
    )
    first_arc = 2 * n_groups
    flow.add_arcs_with_capacity_and_unit_cost(
        rel.arc_group + 2,
        rel.arc_table + 2 + n_groups,
        np.ones(len(values), dtype=np.int64),
        -values,
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(2 + n_groups, 2 + n_groups + n_tables, dtype=np.int32),
        np.ones(n_tables, dtype=np.int32),
        np.array(rel.table_cap, dtype=np.int64),
        np.zeros(n_tables, dtype=np.int64),
    )
    # Supplies mark the source and sink; the solver finds the most flow it can between them.
    total = sum(rel.group_cap)
    flow.set_node_supply(0, total)
    flow.set_node_supply(1, -total)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = flow.flows(np.arange(first_arc, first_arc + len(values), dtype=np.int32))
    arcs = [int(a) for a in np.nonzero(flows)[0]]
    return Choice(
        arcs=arcs,
        value=int(values[arcs].sum()) + sum(ix.pair_value(g, t) for _, g, t in ix.pins),
        visits=len(arcs) + sum(rel.pinned_count),
    )
