"""Hard-rule checks of a schedule, in words (rules 1-6 of ``instance-format.md``, and the
location rule of ``problem.py``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from rotations.solver.names import group_name, rounds_text, table_name
from rotations.solver.problem import Problem, Visit, location_allows, track_allows


def check_schedule(problem: Problem, visits: Iterable[Visit]) -> list[str]:
    """Every hard-rule violation of ``visits`` for ``problem``; empty when the schedule is valid."""
    groups = {group.id: group for group in problem.groups}
    tables = {table.id: table for table in problem.tables}
    problems: list[str] = []
    known: list[Visit] = []
    for visit in visits:
        if visit.group not in groups:
            problems.append(f'round {visit.round}: group "{visit.group}" is not in the event')
        elif visit.table not in tables:
            problems.append(f'round {visit.round}: table "{visit.table}" is not in the event')
        elif not 1 <= visit.round <= problem.rounds:
            problems.append(
                f"{group_name(groups[visit.group])} visits {table_name(tables[visit.table])} "
                f"in round {visit.round}, outside 1..{problem.rounds}"
            )
        else:
            known.append(visit)

    tables_of: dict[tuple[str, int], list[str]] = defaultdict(list)
    load: Counter[tuple[str, int]] = Counter()
    rounds_of: dict[tuple[str, str], list[int]] = defaultdict(list)
    for visit in sorted(set(known)):
        tables_of[visit.group, visit.round].append(visit.table)
        load[visit.table, visit.round] += 1
        rounds_of[visit.group, visit.table].append(visit.round)
    duplicates = Counter(known) - Counter(set(known))
    for visit in sorted(duplicates):
        problems.append(
            f"{group_name(groups[visit.group])} is listed {duplicates[visit] + 1} times at "
            f"{table_name(tables[visit.table])} in round {visit.round}"
        )

    # Rule 1: one table per group and round.
    for (group_id, round_), at in sorted(tables_of.items(), key=lambda item: item[0][::-1]):
        if len(at) > 1:
            names = ", ".join(table_name(tables[t]) for t in at)
            problems.append(
                f"{group_name(groups[group_id])} is at {len(at)} tables in round {round_}: {names}"
            )
    # Rule 2: capacity.
    for (table_id, round_), count in sorted(load.items(), key=lambda item: item[0][::-1]):
        table = tables[table_id]
        if count > table.capacity:
            problems.append(
                f"{table_name(table)} has {count} groups in round {round_} but hosts "
                f"{table.capacity}"
            )
    # Rule 3: no revisits.
    for (group_id, table_id), rounds in sorted(rounds_of.items()):
        if len(rounds) > 1:
            problems.append(
                f"{group_name(groups[group_id])} visits {table_name(tables[table_id])} more "
                f"than once: {rounds_text(rounds)}"
            )
    for (group_id, table_id), rounds in sorted(rounds_of.items()):
        group, table = groups[group_id], tables[table_id]
        # Rule 4: tracks.
        if not track_allows(group.track, table.track):
            problems.append(
                f"{group_name(group)} ({group.track.value}) visits {table_name(table)} "
                f"({table.track.value})"
            )
        # The location rule.
        if not location_allows(group.location, table.location):
            problems.append(
                f"{group_name(group)} (at {group.location}) visits {table_name(table)} "
                f"(at {table.location})"
            )
        # Rule 5: both present.
        for round_ in rounds:
            if table.available_rounds is not None and round_ not in table.available_rounds:
                problems.append(
                    f"{group_name(group)} visits {table_name(table)} in round {round_} "
                    f"but its anchor is not there in round {round_}"
                )
            if group.available_rounds is not None and round_ not in group.available_rounds:
                problems.append(
                    f"{group_name(group)} visits {table_name(table)} in round {round_} "
                    f"but the group is not there in round {round_}"
                )
    # Rule 6: pins kept.
    present = set(known)
    for pin in problem.pinned:
        if pin not in present:
            pin_group = groups.get(pin.group)
            pin_table = tables.get(pin.table)
            who = group_name(pin_group) if pin_group else f'group "{pin.group}"'
            where = table_name(pin_table) if pin_table else f'table "{pin.table}"'
            problems.append(f"{who} is pinned to {where} in round {pin.round} but is not there")
    return problems
