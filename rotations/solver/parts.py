"""Splitting a problem into independent parts: the connected components of its eligibility
graph (groups and tables, joined where a group may visit a table or is pinned to it).

Parts share no table and no group, so every hard rule holds part by part, and levels 2-5 of
the objective are sums over parts. Level 1 is not: the min share of the whole schedule is the
min over parts. So a part is solved with the share of the whole problem's bound as a floor
(see ``solve.py``), not its own best share: a part that could reach a higher share may trade
it for more visits, which the whole schedule's objective prefers.
"""

from __future__ import annotations

from rotations.solver.indexed import Indexed
from rotations.solver.problem import Problem


def components(ix: Indexed) -> list[tuple[list[int], list[int]]]:
    """The parts as (group indices, table indices), both ascending, ordered by their first
    group (or first table, for parts without groups). Lone groups or tables that meet
    nobody are left out: no schedule has a visit of theirs."""
    n_groups = len(ix.groups)
    parent = list(range(n_groups + len(ix.tables)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def join(a: int, b: int) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    # A group's eligible tables depend only on its track, location and rounds: the tables of
    # one such list are joined once, and every group with that list to its first table
    # (thousands of lists fewer at scale, where most groups share one).
    first_of: dict[tuple[str, str | None, int], int] = {}
    for g, tables in enumerate(ix.eligible):
        if not tables:
            continue
        group = ix.groups[g]
        kind = (group.track.value, group.location, ix.group_mask[g])
        if kind not in first_of:
            first_of[kind] = tables[0]
            for t in tables[1:]:
                join(n_groups + tables[0], n_groups + t)
        join(g, n_groups + first_of[kind])
    for _, g, t in ix.pins:
        join(g, n_groups + t)
    members: dict[int, tuple[list[int], list[int]]] = {}
    for g in range(n_groups):
        if ix.eligible[g]:
            members.setdefault(find(g), ([], []))[0].append(g)
    for t in range(len(ix.tables)):
        root = find(n_groups + t)
        if root in members:
            members[root][1].append(t)
    return [members[root] for root in sorted(members)]


def subproblem(ix: Indexed, groups: list[int], tables: list[int], index: int) -> Problem:
    """The part of ``ix.problem`` with these groups and tables, and what concerns them."""
    problem = ix.problem
    group_ids = {ix.groups[g].id for g in groups}
    table_ids = {ix.tables[t].id for t in tables}
    return Problem(
        name=f"{problem.name} (part {index + 1})",
        rounds=problem.rounds,
        tables=tuple(ix.tables[t] for t in tables),
        groups=tuple(ix.groups[g] for g in groups),
        round_minutes=problem.round_minutes,
        affinity=tuple(a for a in problem.affinity if a[0] in group_ids and a[1] in table_ids),
        met_before=frozenset(
            pair for pair in problem.met_before if pair[0] in group_ids and pair[1] in table_ids
        ),
        met_before_weights=tuple(
            entry
            for entry in problem.met_before_weights
            if entry[0] in group_ids and entry[1] in table_ids
        ),
        pinned=tuple(
            pin for pin in problem.pinned if pin.group in group_ids and pin.table in table_ids
        ),
    )
