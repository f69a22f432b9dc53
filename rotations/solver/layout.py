"""Putting the chosen group-table pairs into rounds, then repairing what did not fit.

Without availability windows this is bipartite edge colouring and always succeeds (König);
with windows a pair may only go in a round both are present. Rounds are filled one by one,
each by a max-flow of the pairs still to place that prefers the pairs with the fewest rounds
left, the tables with no spare slot-rounds and the groups with no spare rounds. Pairs that do
not fit are then placed by moving one visit of the group, and empty slots and groups short of
their quota are repaired with visits to other tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from rotations.solver.indexed import Indexed, bits


@dataclass(slots=True)
class Schedule:
    """A valid partial schedule kept in indexed form, with the tallies repair needs."""

    ix: Indexed
    # at[g][r] = table of group g in round r, or -1.
    at: list[list[int]]
    # hosts[t][r] = groups at table t in round r.
    hosts: list[list[list[int]]]
    # visited[g] = tables g visits (set).
    visited: list[set[int]]
    pinned: set[tuple[int, int, int]] = field(default_factory=set)

    @classmethod
    def empty(cls, ix: Indexed) -> Schedule:
        rounds = ix.rounds + 1
        schedule = cls(
            ix=ix,
            at=[[-1] * rounds for _ in ix.groups],
            hosts=[[[] for _ in range(rounds)] for _ in ix.tables],
            visited=[set() for _ in ix.groups],
        )
        for r, g, t in ix.pins:
            schedule.place(r, g, t)
            schedule.pinned.add((r, g, t))
        return schedule

    def place(self, r: int, g: int, t: int) -> None:
        self.at[g][r] = t
        self.hosts[t][r].append(g)
        self.visited[g].add(t)

    def remove(self, r: int, g: int, t: int) -> None:
        self.at[g][r] = -1
        self.hosts[t][r].remove(g)
        self.visited[g].discard(t)

    def can_place(self, r: int, g: int, t: int) -> bool:
        ix = self.ix
        return (
            self.at[g][r] < 0
            and len(self.hosts[t][r]) < ix.capacity[t]
            and t not in self.visited[g]
            and (ix.group_mask[g] >> r) & 1 == 1
            and (ix.table_mask[t] >> r) & 1 == 1
        )

    def count(self, g: int) -> int:
        return sum(1 for t in self.at[g] if t >= 0)

    def triples(self) -> list[tuple[int, int, int]]:
        return [(r, g, t) for g, row in enumerate(self.at) for r, t in enumerate(row) if t >= 0]


def lay_out(
    ix: Indexed,
    pairs: list[tuple[int, int]],
    free_rounds: list[int],
    should_stop: Callable[[], bool] | None = None,
) -> Schedule:
    """Place ``pairs`` (group, table) round by round; ``free_rounds[i]`` is the mask of rounds
    pair i may use. Pairs that do not fit are left out, and so are the rounds after
    ``should_stop`` returns True (polled before each round, and every 64 pairs placed by
    moving others: the caller passes one that also watches the time limit)."""
    schedule = Schedule.empty(ix)
    n_groups, n_tables = len(ix.groups), len(ix.tables)
    remaining = list(range(len(pairs)))
    left_of_group = [0] * n_groups
    left_of_table = [0] * n_tables
    for g, t in pairs:
        left_of_group[g] += 1
        left_of_table[t] += 1
    # Kept up to date round by round, so a round costs time linear in the pairs, not in the
    # pairs times the rounds: the rounds each group is still free in, and each table's free
    # slot-rounds from the current round on.
    free_mask = [sum(1 << q for q, table in enumerate(row) if table < 0) for row in schedule.at]
    slots_left = [
        sum(ix.capacity[t] - len(schedule.hosts[t][q]) for q in bits(ix.table_mask[t]))
        for t in range(n_tables)
    ]
    for r in range(1, ix.rounds + 1):
        if should_stop is not None and should_stop():
            return schedule
        future = ~((1 << r) - 1)  # rounds r and later
        group_spare = [
            (ix.group_mask[g] & future & free_mask[g]).bit_count() - left_of_group[g]
            for g in range(n_groups)
        ]
        table_spare = [slots_left[t] - left_of_table[t] for t in range(n_tables)]
        candidates, weights = [], []
        for i in remaining:
            g, t = pairs[i]
            if not (free_rounds[i] >> r) & 1 or schedule.at[g][r] >= 0:
                continue
            if len(schedule.hosts[t][r]) >= ix.capacity[t]:
                continue
            options = (free_rounds[i] & future & free_mask[g]).bit_count()
            weight = 100 // options + 50 * (options == 1)
            weight += 20 * (table_spare[t] <= 0) + 20 * (group_spare[g] <= 0)
            candidates.append(i)
            weights.append(weight)
        placed = _round_flow(ix, pairs, candidates, weights, schedule, r)
        done = set(placed)
        for i in placed:
            g, t = pairs[i]
            schedule.place(r, g, t)
            free_mask[g] &= ~(1 << r)
            slots_left[t] -= 1
            left_of_group[g] -= 1
            left_of_table[t] -= 1
        for t in range(n_tables):
            if (ix.table_mask[t] >> r) & 1:
                # Round r's slots left unused are gone from now on.
                slots_left[t] -= ix.capacity[t] - len(schedule.hosts[t][r])
        remaining = [i for i in remaining if i not in done]
    for k, i in enumerate(remaining):
        if should_stop is not None and k % 64 == 0 and should_stop():
            return schedule
        g, t = pairs[i]
        _place_by_moving(schedule, g, t, free_rounds[i])
    return schedule


def _round_flow(
    ix: Indexed,
    pairs: list[tuple[int, int]],
    candidates: list[int],
    weights: list[int],
    schedule: Schedule,
    r: int,
) -> list[int]:
    """The candidate pairs to place in round ``r``: as many as fit, of greatest weight."""
    if not candidates:
        return []
    n_tables = len(ix.tables)
    flow = min_cost_flow.SimpleMinCostFlow()
    groups = np.array([pairs[i][0] for i in candidates], dtype=np.int32)
    tables = np.array([pairs[i][1] for i in candidates], dtype=np.int32)
    flow.add_arcs_with_capacity_and_unit_cost(
        groups + 2 + n_tables,
        tables + 2,
        np.ones(len(candidates), dtype=np.int64),
        -np.array(weights, dtype=np.int64),
    )
    used_groups = np.unique(groups)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.zeros(len(used_groups), dtype=np.int32),
        used_groups + 2 + n_tables,
        np.ones(len(used_groups), dtype=np.int64),
        np.zeros(len(used_groups), dtype=np.int64),
    )
    used_tables = np.unique(tables)
    flow.add_arcs_with_capacity_and_unit_cost(
        used_tables + 2,
        np.ones(len(used_tables), dtype=np.int32),
        np.array([ix.capacity[t] - len(schedule.hosts[t][r]) for t in used_tables], dtype=np.int64),
        np.zeros(len(used_tables), dtype=np.int64),
    )
    total = len(used_groups)
    flow.set_node_supply(0, total)
    flow.set_node_supply(1, -total)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"round flow failed with status {status}")
    flows = flow.flows(np.arange(len(candidates), dtype=np.int32))
    return [candidates[k] for k in np.nonzero(flows)[0]]


def _place_by_moving(schedule: Schedule, g: int, t: int, rounds: int) -> bool:
    """Place pair (g, t) in one of ``rounds``, moving one other visit of g or one other group
    at t to a free round if that makes room."""
    ix = schedule.ix
    options = bits(rounds)
    for r in options:
        if schedule.can_place(r, g, t):
            schedule.place(r, g, t)
            return True
    for r in options:
        if len(schedule.hosts[t][r]) >= ix.capacity[t]:
            continue
        # The table has room in r but the group is elsewhere: move that visit.
        other = schedule.at[g][r]
        if other < 0 or (r, g, other) in schedule.pinned:
            continue
        schedule.remove(r, g, other)
        for q in bits(ix.group_mask[g] & ix.table_mask[other]):
            if q != r and schedule.can_place(q, g, other):
                schedule.place(q, g, other)
                schedule.place(r, g, t)
                return True
        schedule.place(r, g, other)
    for r in options:
        if schedule.at[g][r] >= 0:
            continue
        # The group is free in r but the table is full: move one of its groups.
        for h in list(schedule.hosts[t][r]):
            if (r, h, t) in schedule.pinned:
                continue
            schedule.remove(r, h, t)
            for q in bits(ix.group_mask[h] & ix.table_mask[t]):
                if q != r and schedule.can_place(q, h, t):
                    schedule.place(q, h, t)
                    schedule.place(r, g, t)
                    return True
            schedule.place(r, h, t)
    return False


def fill(
    schedule: Schedule, quotas: list[int], should_stop: Callable[[], bool] | None = None
) -> None:
    """Repair coverage and fairness with visits to other tables.

    First every group short of its quota takes a free slot, or the slot of a group above its
    quota; then every free round of a group goes to a table with room, best value first.
    ``should_stop`` is polled before each group; once True the repair ends where it is.
    """
    ix = schedule.ix
    counts = [schedule.count(g) for g in range(len(ix.groups))]
    for g in range(len(ix.groups)):
        if should_stop is not None and should_stop():
            return
        for r in bits(ix.group_mask[g]):
            if counts[g] >= quotas[g]:
                break
            if schedule.at[g][r] >= 0:
                continue
            best = None
            for t in ix.eligible[g]:
                if t in schedule.visited[g] or not (ix.table_mask[t] >> r) & 1:
                    continue
                if len(schedule.hosts[t][r]) < ix.capacity[t]:
                    key = (1, ix.pair_value(g, t), -t, -1)
                else:
                    surplus = [
                        h
                        for h in schedule.hosts[t][r]
                        if counts[h] > quotas[h] and (r, h, t) not in schedule.pinned
                    ]
                    if not surplus:
                        continue
                    key = (0, ix.pair_value(g, t), -t, surplus[0])
                if best is None or key > best[0]:
                    best = (key, t)
            if best is None:
                continue
            (_, _, _, evicted), t = best
            if evicted >= 0:
                schedule.remove(r, evicted, t)
                counts[evicted] -= 1
            schedule.place(r, g, t)
            counts[g] += 1
    # Then free rounds of groups go to tables with room, groups with fewest visits first.
    for g in sorted(range(len(ix.groups)), key=lambda g: (counts[g] - quotas[g], g)):
        if should_stop is not None and should_stop():
            return
        for r in bits(ix.group_mask[g]):
            if schedule.at[g][r] >= 0:
                continue
            choice = max(
                (
                    (ix.pair_value(g, t), -t)
                    for t in ix.eligible[g]
                    if len(schedule.hosts[t][r]) < ix.capacity[t]
                    and (ix.table_mask[t] >> r) & 1
                    and t not in schedule.visited[g]
                ),
                default=None,
            )
            if choice is not None:
                schedule.place(r, g, -choice[1])
                counts[g] += 1
