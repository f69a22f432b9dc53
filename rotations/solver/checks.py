"""The hard rules of a schedule: rules 1-6 of ``docs/solver-format.md``, the location rule of
``problem.py`` and, for a re-plan, the frozen rounds. This is their one home.

``violations`` finds every broken rule in a set of visits as plain data; each caller words
them for its reader: ``check_schedule`` for a whole schedule, ``move_violations`` and
``edit_violations`` for an organizer's hand moves, swaps and their undo,
``reasons.pin_conflicts`` for pinned visits that cannot all be kept.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from rotations.solver.names import group_name, rounds_text, table_name
from rotations.solver.problem import Group, Problem, Table, Visit, location_allows, track_allows


class Rule(StrEnum):
    ONE_TABLE = "one-table"  # rule 1: a group is at one table a round
    CAPACITY = "capacity"  # rule 2
    ONCE = "once"  # rule 3: a group visits a table at most once
    TRACK = "track"  # rule 4
    LOCATION = "location"
    TABLE_ABSENT = "table-absent"  # rule 5, the table's side
    GROUP_ABSENT = "group-absent"  # rule 5, the group's side
    PINNED = "pinned"  # rule 6: a pinned visit is missing
    # A re-plan: rounds before ``replan_from_round`` hold exactly the published visits.
    FROZEN_ADDED = "frozen-added"
    FROZEN_MISSING = "frozen-missing"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule and the visits that break it together, in order (for ``PINNED`` and
    ``FROZEN_MISSING``: the one visit that is missing)."""

    rule: Rule
    visits: tuple[Visit, ...]


def frozen_visits(problem: Problem) -> tuple[Visit, ...]:
    """The published visits a re-plan keeps exactly: those before ``replan_from_round``."""
    start = problem.replan_from_round
    if start is None:
        return ()
    return tuple(sorted({visit for visit in problem.previous if visit.round < start}))


def violations(problem: Problem, visits: Iterable[Visit]) -> list[Violation]:
    """Every hard rule that ``visits`` break, rule by rule. Visits with unknown ids or rounds
    outside 1..rounds are left out ; a visit listed twice counts once.

    In a re-plan the rounds before ``replan_from_round`` are history: they must hold exactly
    the published visits (``FROZEN_*``), and who was present then is not checked again."""
    groups = {group.id: group for group in problem.groups}
    tables = {table.id: table for table in problem.tables}
    start = problem.replan_from_round
    unique = sorted(
        {
            v
            for v in visits
            if v.group in groups and v.table in tables and 1 <= v.round <= problem.rounds
        }
    )
    found: list[Violation] = []

    at: dict[tuple[int, str], list[Visit]] = defaultdict(list)
    hosted: dict[tuple[int, str], list[Visit]] = defaultdict(list)
    pair: dict[tuple[str, str], list[Visit]] = defaultdict(list)
    for visit in unique:
        at[visit.round, visit.group].append(visit)
        hosted[visit.round, visit.table].append(visit)
        pair[visit.group, visit.table].append(visit)
    found += [Violation(Rule.ONE_TABLE, tuple(vs)) for _, vs in sorted(at.items()) if len(vs) > 1]
    found += [
        Violation(Rule.CAPACITY, tuple(vs))
        for (_, table_id), vs in sorted(hosted.items())
        if len(vs) > tables[table_id].capacity
    ]
    found += [Violation(Rule.ONCE, tuple(vs)) for _, vs in sorted(pair.items()) if len(vs) > 1]
    for (group_id, table_id), vs in sorted(pair.items()):
        group, table = groups[group_id], tables[table_id]
        if not track_allows(group.track, table.track):
            found.append(Violation(Rule.TRACK, tuple(vs)))
        if not location_allows(group.location, table.location):
            found.append(Violation(Rule.LOCATION, tuple(vs)))
        for visit in vs:
            if start is not None and visit.round < start:
                continue
            if not _there(table.available_rounds, visit.round):
                found.append(Violation(Rule.TABLE_ABSENT, (visit,)))
            if not _there(group.available_rounds, visit.round):
                found.append(Violation(Rule.GROUP_ABSENT, (visit,)))
    present = set(unique)
    found += [Violation(Rule.PINNED, (pin,)) for pin in sorted(set(problem.pinned) - present)]
    if start is not None:
        frozen = set(frozen_visits(problem))
        found += [
            Violation(Rule.FROZEN_ADDED, (visit,))
            for visit in unique
            if visit.round < start and visit not in frozen
        ]
        found += [Violation(Rule.FROZEN_MISSING, (visit,)) for visit in sorted(frozen - present)]
    return found


def check_schedule(problem: Problem, visits: Iterable[Visit]) -> list[str]:
    """Every hard-rule violation of ``visits`` for ``problem``; empty when the schedule is valid."""
    groups = {group.id: group for group in problem.groups}
    tables = {table.id: table for table in problem.tables}
    visits = list(visits)
    problems: list[str] = []
    good: list[Visit] = []
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
            good.append(visit)
    duplicates = Counter(good) - Counter(set(good))
    for visit in sorted(duplicates):
        problems.append(
            f"{group_name(groups[visit.group])} is listed {duplicates[visit] + 1} times at "
            f"{table_name(tables[visit.table])} in round {visit.round}"
        )
    for violation in violations(problem, good):
        problems += _schedule_words(problem, groups, tables, violation)
    return problems


def move_violations(
    problem: Problem, visits: Iterable[Visit], *, group: str, round: int, table: str | None
) -> list[str]:
    """What putting ``group`` at ``table`` in ``round`` would break, in an organizer's words;
    empty when the move is allowed. The move replaces the group's visit in that round
    (``table`` None: takes the group out of it) and leaves every other visit alone.

    Only violations the move creates are listed (see ``edit_violations``). A hand move may
    replace a pinned visit: pins are the organizer's own earlier moves."""
    groups = {g.id: g for g in problem.groups}
    if group not in groups:
        return [f'Group "{group}" is not in the event.']
    visits = set(visits)
    removed = [v for v in visits if v.group == group and v.round == round]
    added = [] if table is None else [Visit(round=round, group=group, table=table)]
    if table is None and not 1 <= round <= problem.rounds:
        return [f"The event has rounds 1 to {problem.rounds}."]
    return edit_violations(problem, visits, removed=removed, added=added)


def edit_violations(
    problem: Problem, visits: Iterable[Visit], *, removed: Iterable[Visit], added: Iterable[Visit]
) -> list[str]:
    """What taking ``removed`` out of ``visits`` and putting ``added`` in, together, would
    break, in an organizer's words; empty when the edit is allowed. This is every hand edit
    of the board: a move (one visit out, one in, in any round), a swap (two out, two in),
    taking a group out of a round, and their undo.

    Only violations the edit creates are listed: those of an added visit, and a published
    visit of a re-plan's past rounds taken away; what ``visits`` already break is left alone
    (or mended). Pins do not hold a hand edit back (rule 6 is left out on both sides)."""
    groups = {g.id: g for g in problem.groups}
    tables = {t.id: t for t in problem.tables}
    added = sorted(set(added))
    for visit in added:
        if visit.group not in groups:
            return [f'Group "{visit.group}" is not in the event.']
        if visit.table not in tables:
            return [f'Table "{visit.table}" is not in the event.']
        if not 1 <= visit.round <= problem.rounds:
            return [f"The event has rounds 1 to {problem.rounds}."]
    before_visits = set(visits)
    gone = set(removed) & before_visits
    after_visits = (before_visits - gone) | set(added)
    unpinned = replace(problem, pinned=())
    before = set(violations(unpinned, before_visits))
    messages: list[str] = []
    for violation in violations(unpinned, after_visits):
        if violation in before:
            continue
        mine = next((v for v in violation.visits if v in added), None)
        if mine is not None or (
            violation.rule is Rule.FROZEN_MISSING and violation.visits[0] in gone
        ):
            text = _move_words(problem, groups, tables, violation, mine)
            if text not in messages:
                messages.append(text)
    return messages


def _there(rounds: frozenset[int] | None, round_: int) -> bool:
    return rounds is None or round_ in rounds


def _schedule_words(
    problem: Problem, groups: dict[str, Group], tables: dict[str, Table], violation: Violation
) -> list[str]:
    first = violation.visits[0]
    group, table = groups[first.group], tables[first.table]
    who, where = group_name(group), table_name(table)
    rounds = [v.round for v in violation.visits]
    match violation.rule:
        case Rule.ONE_TABLE:
            names = ", ".join(table_name(tables[v.table]) for v in violation.visits)
            return [f"{who} is at {len(rounds)} tables in round {first.round}: {names}"]
        case Rule.CAPACITY:
            return [
                f"{where} has {len(rounds)} groups in round {first.round} but hosts "
                f"{table.capacity}"
            ]
        case Rule.ONCE:
            return [f"{who} visits {where} more than once: {rounds_text(rounds)}"]
        case Rule.TRACK:
            return [f"{who} ({group.track.value}) visits {where} ({table.track.value})"]
        case Rule.LOCATION:
            return [f"{who} (at {group.location}) visits {where} (at {table.location})"]
        case Rule.TABLE_ABSENT:
            return [
                f"{who} visits {where} in round {first.round} but its anchor is not there in "
                f"round {first.round}"
            ]
        case Rule.GROUP_ABSENT:
            return [
                f"{who} visits {where} in round {first.round} but the group is not there in "
                f"round {first.round}"
            ]
        case Rule.PINNED:
            return [f"{who} is pinned to {where} in round {first.round} but is not there"]
        case Rule.FROZEN_ADDED:
            return [
                f"{who} visits {where} in round {first.round}, before the re-plan from round "
                f"{problem.replan_from_round}, but the published schedule has no such visit"
            ]
        case Rule.FROZEN_MISSING:
            return [
                f"the published schedule has {who} at {where} in round {first.round}, before "
                f"the re-plan from round {problem.replan_from_round}, but this one does not"
            ]


def _move_words(
    problem: Problem,
    groups: dict[str, Group],
    tables: dict[str, Table],
    violation: Violation,
    moved: Visit | None,
) -> str:
    mine = moved if moved is not None else violation.visits[0]
    moving = mine.group
    group, table = groups[mine.group], tables[mine.table]
    who, where = group.name or group.id, table_name(table)
    match violation.rule:
        case Rule.ONE_TABLE:
            text = f"{who} is already at another table in round {mine.round}."
        case Rule.CAPACITY:
            names = ", ".join(
                groups[v.group].name or v.group for v in violation.visits if v.group != moving
            )
            plural = "" if table.capacity == 1 else "s"
            text = (
                f"{where} hosts {table.capacity} group{plural} a round and already has "
                f"{names} in round {mine.round}."
            )
        case Rule.ONCE:
            other = next(v.round for v in violation.visits if v.round != mine.round)
            text = f"{who} already visits {where} in round {other}: a group meets each table once."
        case Rule.TRACK:
            text = (
                f"{who} follows the {group.track.value} track; {where} serves "
                f"{table.track.value} patients."
            )
        case Rule.LOCATION:
            text = f"{who} attends {group.location}; {where} is at {table.location}."
        case Rule.TABLE_ABSENT:
            text = f"No anchor is at {where} in round {mine.round}."
        case Rule.GROUP_ABSENT:
            text = f"{who} is not there in round {mine.round}."
        case Rule.PINNED:
            text = f"{who} is pinned to {where} in round {mine.round}."
        case Rule.FROZEN_ADDED | Rule.FROZEN_MISSING:
            text = (
                f"Round {mine.round} came before the re-plan from round "
                f"{problem.replan_from_round}: its visits stay as published."
            )
    return text[0].upper() + text[1:]
