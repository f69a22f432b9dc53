"""Why a problem has no valid schedule, in words an organizer understands.

Fewer visits than wanted is never infeasible: the empty schedule keeps rules 1-5. Only
visits the schedule must keep can make a problem infeasible, by breaking a hard rule among
themselves: the pinned visits and, in a re-plan, the published visits of the rounds before
``replan_from_round``. Every one of them is checked, with the rules of ``checks.py``, and
every conflict listed.
"""

from __future__ import annotations

from rotations.solver.checks import Rule, Violation, frozen_visits, violations
from rotations.solver.names import group_name, rounds_text, table_name
from rotations.solver.problem import Group, Problem, Table, Visit


def pin_conflicts(problem: Problem) -> list[str]:
    """Every way the visits ``problem`` must keep (its pins; a re-plan's past rounds) break a
    hard rule, or cannot be read; empty when they can all be kept."""
    groups = {group.id: group for group in problem.groups}
    tables = {table.id: table for table in problem.tables}
    reasons: list[str] = []
    start = problem.replan_from_round
    if start is not None and not 1 <= start <= problem.rounds:
        reasons.append(
            f"the re-plan starts at round {start}, but the event has rounds 1 to {problem.rounds}"
        )
    kept: list[Visit] = []
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
            kept.append(pin)
    for visit in sorted(set(problem.previous)) if start is not None else ():
        if visit.group not in groups:
            reasons.append(
                f'the published schedule has group "{visit.group}" in round {visit.round}, '
                "which is not in the event"
            )
        elif visit.table not in tables:
            reasons.append(
                f'the published schedule has table "{visit.table}" in round {visit.round}, '
                "which is not in the event"
            )
        elif not 1 <= visit.round <= problem.rounds:
            reasons.append(
                f"the published schedule has {group_name(groups[visit.group])} at "
                f"{table_name(tables[visit.table])} in round {visit.round}, but the event "
                f"has rounds 1 to {problem.rounds}"
            )
    if reasons:
        return reasons
    for violation in violations(problem, [*kept, *frozen_visits(problem)]):
        reasons += _pin_words(problem, groups, tables, violation)
    return reasons


def _pin_words(
    problem: Problem, groups: dict[str, Group], tables: dict[str, Table], violation: Violation
) -> list[str]:
    first = violation.visits[0]
    group, table = groups[first.group], tables[first.table]
    who, where = group_name(group), table_name(table)
    match violation.rule:
        case Rule.ONE_TABLE:
            names = ", ".join(table_name(tables[v.table]) for v in violation.visits)
            return [
                f"{who} is pinned {len(violation.visits)} times in round {first.round}: {names}"
            ]
        case Rule.CAPACITY:
            return [
                f"pinned visits put {len(violation.visits)} groups at {where} in round "
                f"{first.round} but it hosts {table.capacity}"
            ]
        case Rule.ONCE:
            rounds = rounds_text([v.round for v in violation.visits])
            return [
                f"{who} is pinned to {where} in {rounds}, but a group visits a table at most once"
            ]
        case Rule.TRACK:
            return [
                f"{who} ({group.track.value}) is pinned to {where} ({table.track.value}) in "
                f"round {v.round}, but {group.track.value} groups may not visit "
                f"{table.track.value} tables"
                for v in violation.visits
            ]
        case Rule.LOCATION:
            return [
                f"{who} (at {group.location}) is pinned to {where} (at {table.location}) in "
                f"round {v.round}, but a group visits only tables at its own location"
                for v in violation.visits
            ]
        case Rule.TABLE_ABSENT:
            return [
                f"{where} is pinned in round {first.round} for {who} but its anchor is not "
                f"there in round {first.round}"
            ]
        case Rule.GROUP_ABSENT:
            return [
                f"{who} is pinned to {where} in round {first.round} but the group is not there "
                f"in round {first.round}"
            ]
        case Rule.FROZEN_ADDED:
            return [
                f"{who} is pinned to {where} in round {first.round}, before the re-plan from "
                f"round {problem.replan_from_round}, but the published schedule has no such "
                "visit"
            ]
        case Rule.PINNED | Rule.FROZEN_MISSING:
            # Every pin and published visit is among the visits checked.
            return []
