"""The problem in integer form: groups and tables by index, windows as bit masks.

Every phase of the solver works on this view; round ``r`` is bit ``r`` of a mask.
Pinned visits with unknown ids are left out here (``reasons.py`` reports them).
"""

from __future__ import annotations

from dataclasses import dataclass

from rotations.solver.problem import MET_BEFORE_FULL, Group, Problem, Table, Visit, may_visit

# Value of one visit (objective level 3): affinity counts double, and a visit to a table the
# group has not met before earns one more point, so a met-before visit is worth less than the
# same visit would be new.
AFFINITY_FACTOR = 2
NEW_BONUS = 1


def visit_value(weight: int, met_before: bool) -> int:
    return AFFINITY_FACTOR * weight + (0 if met_before else NEW_BONUS)


def graded_visit_value(weight: int, met: int) -> int:
    """``visit_value`` times ``MET_BEFORE_FULL`` when meetings are graded: a pair met with
    weight ``met`` (0: new .. MET_BEFORE_FULL: recently) keeps the rest of the bonus. A problem
    whose met-before pairs all count fully keeps the plain values (``index_problem``)."""
    return MET_BEFORE_FULL * AFFINITY_FACTOR * weight + (MET_BEFORE_FULL - met) * NEW_BONUS


def mask_of(rounds: frozenset[int] | None, last: int) -> int:
    full = ((1 << last) - 1) << 1
    if rounds is None:
        return full
    mask = 0
    for round_ in rounds:
        mask |= 1 << round_
    return mask & full


def bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


@dataclass(slots=True)
class Indexed:
    problem: Problem
    rounds: int
    groups: tuple[Group, ...]
    tables: tuple[Table, ...]
    group_index: dict[str, int]
    table_index: dict[str, int]
    group_mask: list[int]
    table_mask: list[int]
    capacity: list[int]
    # eligible[g]: tables g may visit (tracks and locations allow, a common round), ascending;
    # groups of one track, location and window share one list, never changed.
    eligible: list[list[int]]
    # value[(g, t)] for eligible pairs with a non-default value; default is ``new_value``.
    value: dict[tuple[int, int], int]
    weight: dict[tuple[int, int], int]
    met_before: set[tuple[int, int]]
    # Pins with known ids as (round, group index, table index).
    pins: list[tuple[int, int, int]]
    # The value of a new pair without affinity: NEW_BONUS, times MET_BEFORE_FULL when
    # meetings are graded (``graded_visit_value``).
    new_value: int = NEW_BONUS

    def pair_value(self, group: int, table: int) -> int:
        return self.value.get((group, table), self.new_value)

    def visit(self, round_: int, group: int, table: int) -> Visit:
        return Visit(round=round_, group=self.groups[group].id, table=self.tables[table].id)


def index_problem(problem: Problem) -> Indexed:
    last = problem.rounds
    groups = problem.groups
    tables = problem.tables
    group_index = {group.id: i for i, group in enumerate(groups)}
    table_index = {table.id: i for i, table in enumerate(tables)}
    group_mask = [mask_of(group.available_rounds, last) for group in groups]
    table_mask = [mask_of(table.available_rounds, last) for table in tables]
    # Tracks and locations allow the same tables to every group of one kind.
    # And with the same rounds, the same eligible tables: groups of one kind and window share
    # one list (read-only), which at scale saves most of the time and memory of this step.
    allowed: dict[tuple[str, str | None], list[int]] = {}
    shared: dict[tuple[str, str | None, int], list[int]] = {}
    eligible = []
    for g, group in enumerate(groups):
        kind = (group.track.value, group.location)
        if kind not in allowed:
            allowed[kind] = [t for t, table in enumerate(tables) if may_visit(group, table)]
        mask = group_mask[g]
        window = (*kind, mask)
        if window not in shared:
            shared[window] = [t for t in allowed[kind] if mask & table_mask[t]]
        eligible.append(shared[window])
    weight: dict[tuple[int, int], int] = {}
    for group_id, table_id, w in problem.affinity:
        if group_id in group_index and table_id in table_index:
            key = (group_index[group_id], table_index[table_id])
            weight[key] = weight.get(key, 0) + w
    met = {
        (group_index[g], table_index[t])
        for g, t in problem.met_before
        if g in group_index and t in table_index
    }
    graded = {
        (group_index[g], table_index[t]): min(max(w, 1), MET_BEFORE_FULL)
        for g, t, w in problem.met_before_weights
        if g in group_index and t in table_index
    }
    graded = {key: w for key, w in graded.items() if key in met and w < MET_BEFORE_FULL}
    new_value = NEW_BONUS
    if graded:
        new_value = graded_visit_value(0, 0)
        value = {
            key: graded_visit_value(
                weight.get(key, 0), graded.get(key, MET_BEFORE_FULL) if key in met else 0
            )
            for key in set(weight) | met
        }
    else:
        value = {key: visit_value(weight.get(key, 0), key in met) for key in set(weight) | met}
    # A pin listed twice is one visit: counted twice it would take two seats in the bounds.
    pins = sorted(
        {
            (visit.round, group_index[visit.group], table_index[visit.table])
            for visit in problem.pinned
            if visit.group in group_index and visit.table in table_index
        }
    )
    return Indexed(
        problem=problem,
        rounds=last,
        groups=groups,
        tables=tables,
        group_index=group_index,
        table_index=table_index,
        group_mask=group_mask,
        table_mask=table_mask,
        capacity=[table.capacity for table in tables],
        eligible=eligible,
        value=value,
        weight=weight,
        met_before=met,
        pins=pins,
        new_value=new_value,
    )
