"""Why a problem has no valid schedule, in words an organizer understands.

Fewer visits than wanted is never infeasible: the empty schedule keeps rules 1-5. Only
pinned visits can make a problem infeasible, by breaking a hard rule among themselves, so
every pin is checked and every conflict listed.
"""

from __future__ import annotations

from collections import defaultdict

from rotations.solver.names import group_name, rounds_text, table_name
from rotations.solver.problem import Problem, Visit, location_allows, track_allows


def pin_conflicts(problem: Problem) -> list[str]:
    """Every way the pinned visits break a hard rule; empty when they can all be kept."""
    groups = {group.id: group for group in problem.groups}
    tables = {table.id: table for table in problem.tables}
    reasons: list[str] = []
    pins: list[Visit] = []
    for pin in sorted(set(problem.pinned)):
        if pin.group not in groups:
            reasons.append(
                f'a visit is pinned in round {pin.round} for group "{pin.group}", '
                "which is not in the event"
            )
        elif pin.table not in tables:
            reasons.append(
                f"{group_name(groups[pin.group])} is pinned in round {pin.round} to "
                f'table "{pin.table}", which is not in the event'
            )
        elif not 1 <= pin.round <= problem.rounds:
            reasons.append(
                f"{group_name(groups[pin.group])} is pinned to "
                f"{table_name(tables[pin.table])} in round {pin.round}, but the event "
                f"has rounds 1 to {problem.rounds}"
            )
        else:
            pins.append(pin)

    by_group_round: dict[tuple[str, int], list[Visit]] = defaultdict(list)
    by_table_round: dict[tuple[str, int], list[Visit]] = defaultdict(list)
    by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pin in pins:
        group, table = groups[pin.group], tables[pin.table]
        if not track_allows(group.track, table.track):
            reasons.append(
                f"{group_name(group)} ({group.track.value}) is pinned to "
                f"{table_name(table)} ({table.track.value}) in round {pin.round}, "
                f"but {group.track.value} groups may not visit "
                f"{table.track.value} tables"
            )
        if not location_allows(group.location, table.location):
            reasons.append(
                f"{group_name(group)} (at {group.location}) is pinned to "
                f"{table_name(table)} (at {table.location}) in round {pin.round}, but a "
                "group visits only tables at its own location"
            )
        if table.available_rounds is not None and pin.round not in table.available_rounds:
            reasons.append(
                f"{table_name(table)} is pinned in round {pin.round} for "
                f"{group_name(group)} but its anchor is not there in round "
                f"{pin.round}"
            )
        if group.available_rounds is not None and pin.round not in group.available_rounds:
            reasons.append(
                f"{group_name(group)} is pinned to {table_name(table)} in round "
                f"{pin.round} but the group is not there in round {pin.round}"
            )
        by_group_round[pin.group, pin.round].append(pin)
        by_table_round[pin.table, pin.round].append(pin)
        by_pair[pin.group, pin.table].append(pin.round)

    for (group_id, round_), at in sorted(by_group_round.items()):
        if len(at) > 1:
            names = ", ".join(table_name(tables[pin.table]) for pin in at)
            reasons.append(
                f"{group_name(groups[group_id])} is pinned {len(at)} times in round "
                f"{round_}: {names}"
            )
    for (table_id, round_), at in sorted(by_table_round.items()):
        table = tables[table_id]
        if len(at) > table.capacity:
            reasons.append(
                f"pinned visits put {len(at)} groups at {table_name(table)} in round "
                f"{round_} but it hosts {table.capacity}"
            )
    for (group_id, table_id), rounds in sorted(by_pair.items()):
        if len(rounds) > 1:
            reasons.append(
                f"{group_name(groups[group_id])} is pinned to "
                f"{table_name(tables[table_id])} in {rounds_text(rounds)}, but a "
                "group visits a table at most once"
            )
    return reasons
