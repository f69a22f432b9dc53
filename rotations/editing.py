"""Editing a schedule by hand: move a group, take it out of a round, pin a visit.

One rule for versions: an unpublished version is edited in place; a published version is
never changed. An edit asked of a published version goes to its draft: the newest unpublished
version that hand edits made from it (same re-plan round, not a solve's result), or, when
there is none, a new copy (``copy_schedule``) made in the same transaction. So two organizers
who edit the published version at once both land in one draft, and an edit from a stale page
of the published version joins the draft the others are working on instead of starting a
rival one. Publishing that draft is a separate step. Each change to a published version is in
the audit log (``SCHEDULE_CHANGED``), in words.

The hard rules are the solver's: a move is checked by ``rotations.solver.checks.
move_violations`` over the version's visits, which lists only what the move itself would
break (a version may already break rules, e.g. an old one: a move that leaves those as they
are, or mends them, is allowed), and refused (``ValidationError``, in the organizer's words)
when it finds something. Pins never hold a hand move back; the rounds a re-plan kept as they
happened never change.

Edits are serialized: each takes row locks on the event and then on the schedule at the
start of its transaction (the order ``publish_schedule`` takes too), and only then reads the
visits and checks the rules, so two moves that each keep the rules alone cannot both be
written when together they break one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from accounts.services import display_name, record_audit
from events.models import Event, Table, TravelGroup
from rotations.solver.checks import edit_violations, move_violations

from .models import Schedule, Visit
from .services.adapter import create_schedule_version, group_id, table_id, table_label
from .services.publishing import (
    SCHEDULE_CHANGED,
    rules_in_words,
    solver_visits,
    version_problem,
)


@dataclass(frozen=True)
class EditResult:
    """What an edit did: the version it changed, and whether that is not the version asked
    for (``copied``: it was published, so the change went to a draft based on it) and, if so,
    whether that draft existed already (``reused``)."""

    schedule: Schedule
    copied: bool
    reused: bool = False


def _lock(schedule: Schedule) -> Schedule:
    """Lock the event row, then the schedule row, and return the schedule as it is now."""
    event = Event.objects.select_for_update().get(pk=schedule.event_id)
    locked = Schedule.objects.select_for_update().get(pk=schedule.pk)
    locked.event = event
    return locked


def _draft_of(published: Schedule) -> Schedule | None:
    """The newest unpublished version hand edits made from ``published`` (locked), if any."""
    draft = (
        Schedule.objects.select_for_update()
        .filter(
            event_id=published.event_id,
            based_on=published,
            is_published=False,
            solve_run__isnull=True,
            replan_from_round=published.replan_from_round,
        )
        .order_by("-version")
        .first()
    )
    if draft is not None:
        draft.event = published.event
    return draft


def _copy(schedule: Schedule, by: AbstractBaseUser | None, note: str = "") -> Schedule:
    copy = create_schedule_version(
        event=schedule.event,
        by=by,
        based_on=schedule,
        note=note or f"Edited from version {schedule.version}",
        replan_from_round=schedule.replan_from_round,
    )
    Visit.objects.bulk_create(
        Visit(
            schedule=copy, round=v.round, group_id=v.group_id, table_id=v.table_id, pinned=v.pinned
        )
        for v in schedule.visits.all()
    )
    return copy


@transaction.atomic
def copy_schedule(*, schedule: Schedule, by: AbstractBaseUser | None, note: str = "") -> Schedule:
    """A new unpublished version of the event with the same visits (pins included), based on
    ``schedule``; a re-planned version's copy stays re-planned from the same round. One
    transaction, under the locks every edit takes (event, then ``schedule``)."""
    return _copy(_lock(schedule), by, note)


def _start_edit(schedule: Schedule) -> tuple[Schedule, Schedule | None]:
    """Lock ``schedule`` and find the version an edit of it changes: itself when unpublished,
    else its draft (None: a copy is still to be made, from ``schedule`` itself)."""
    asked = _lock(schedule)
    return asked, (asked if not asked.is_published else _draft_of(asked))


def _finish_edit(
    asked: Schedule, draft: Schedule | None, by: AbstractBaseUser | None
) -> EditResult:
    if draft is asked:
        return EditResult(schedule=asked, copied=False)
    if draft is not None:
        return EditResult(schedule=draft, copied=True, reused=True)
    return EditResult(schedule=_copy(asked, by), copied=True)


def _record_change(
    *, by: AbstractBaseUser | None, asked: Schedule, result: EditResult, what: str, details: dict
) -> None:
    event = asked.event
    record_audit(
        actor=by,
        action=SCHEDULE_CHANGED,
        target=f"{event.name}, version {result.schedule.version}",
        message=(
            f"{display_name(by)} {what} of {event.name}; version {result.schedule.version} is "
            f"a draft based on published version {asked.version}."
        ),
        details={
            "event": event.pk,
            "schedule": result.schedule.pk,
            "version": result.schedule.version,
            "based_on": asked.pk,
            "based_on_version": asked.version,
            **details,
        },
    )


def _move_breaks(
    *, schedule: Schedule, group: TravelGroup, round: int, table: Table | None
) -> list[str]:
    """The hard rules that putting ``group`` at ``table`` in ``round`` (None: nowhere) would
    break and ``schedule`` does not break already, in words: the solver's own
    ``move_violations`` over the version's visits. Pins never hold a hand move back (they are
    the organizer's own earlier moves); in a re-planned version the rounds before the re-plan
    happened and cannot change."""
    problem = version_problem(schedule=schedule)
    visits = solver_visits(schedule.visits.values_list("round", "group_id", "table_id"))
    messages = move_violations(
        problem,
        visits,
        group=group_id(group),
        round=round,
        table=None if table is None else table_id(table),
    )
    return rules_in_words(problem, messages)


def check_move(*, schedule: Schedule, group: TravelGroup, round: int, table: Table) -> list[str]:
    """Why putting ``group`` at ``table`` in ``round`` (instead of wherever it is in that
    round) would break a hard rule of the solver's; empty when the move is allowed. Reads
    only, takes no lock (``move_visit`` checks again under its lock)."""
    return _move_breaks(schedule=schedule, group=group, round=round, table=table)


@transaction.atomic
def move_visit(
    *,
    schedule: Schedule,
    group: TravelGroup,
    round: int,
    table: Table | None,
    by: AbstractBaseUser | None,
) -> EditResult:
    """Put ``group`` at ``table`` in ``round`` (``table`` None: take it out of that round).
    The group's other visit in that round, if any, goes; the new visit is pinned so a
    re-solve keeps it.

    One transaction: lock the event and ``schedule`` rows, find the version to change
    (``schedule``, or the draft of a published one), read its visits, check the move with the
    solver's rules, write. Refused (``ValidationError``, nothing written) when the move breaks
    a rule the version did not already break. A change through a published version is
    recorded in the audit log (SCHEDULE_CHANGED)."""
    asked, draft = _start_edit(schedule)
    base = draft or asked
    current = (
        base.visits.select_related("table__specialty").filter(group=group, round=round).first()
    )
    if table is None and current is None:
        raise ValidationError(f"{group.name} visits no table in round {round}.")
    if table is not None and current is not None and current.table_id == table.pk:
        raise ValidationError(f"{group.name} is already at {table_label(table)} in round {round}.")
    reasons = _move_breaks(schedule=base, group=group, round=round, table=table)
    if reasons:
        raise ValidationError(reasons)
    result = _finish_edit(asked, draft, by)
    target = result.schedule
    target.visits.filter(group=group, round=round).delete()
    if table is not None:
        Visit.objects.create(schedule=target, round=round, group=group, table=table, pinned=True)
    if result.copied:
        old = table_label(current.table) if current is not None else None
        new = table_label(table) if table is not None else None
        if old and new:
            what = f"moved {group.name} from {old} to {new} in round {round}"
        elif new:
            what = f"put {group.name} at {new} in round {round}"
        else:
            what = f"took {group.name} out of round {round} (it was at {old})"
        _record_change(
            by=by,
            asked=asked,
            result=result,
            what=what,
            details={
                "group": group.pk,
                "round": round,
                "from_table": current.table_id if current is not None else None,
                "to_table": table.pk if table is not None else None,
            },
        )
    return result


@transaction.atomic
def toggle_pin(*, visit: Visit, by: AbstractBaseUser | None) -> tuple[EditResult, Visit]:
    """Pin or unpin ``visit`` (a re-solve keeps pinned visits). On a published version, the
    change goes to its draft (see the module), where the same visit is set to the opposite of
    what the published version shows; refused (``ValidationError``) when the draft no longer
    has that visit. One transaction, under the event and schedule locks; a change through a
    published version is in the audit log. Returns the result and the visit as changed."""
    asked, draft = _start_edit(visit.schedule)
    seen = Visit.objects.select_related("group", "table__specialty").filter(pk=visit.pk).first()
    base = draft or asked
    there = (
        base.visits.select_related("group", "table__specialty")
        .filter(round=visit.round, group_id=visit.group_id, table_id=visit.table_id)
        .first()
    )
    if seen is None or there is None:
        raise ValidationError(
            f"{visit.group.name} is no longer at table {visit.table.number} in round "
            f"{visit.round} of version {base.version}: see the grid as it is now."
        )
    result = _finish_edit(asked, draft, by)
    if result.schedule.pk != base.pk:
        there = result.schedule.visits.select_related("group", "table__specialty").get(
            round=visit.round, group_id=visit.group_id
        )
    there.pinned = not seen.pinned
    there.save(update_fields=["pinned"])
    if result.copied:
        _record_change(
            by=by,
            asked=asked,
            result=result,
            what=(
                f"{'pinned' if there.pinned else 'unpinned'} {there.group.name} at "
                f"{table_label(there.table)} in round {there.round}"
            ),
            details={"group": there.group_id, "round": there.round, "table": there.table_id},
        )
    return result, there


# --- The board: moves, swaps and their undo ---------------------------------------------


@dataclass(frozen=True)
class Placement:
    """A visit by its place: ``group_id`` at ``table_id`` in ``round`` (and whether it is
    pinned). A board edit takes some placements out and puts others in; its undo does the
    reverse, so it is written with placements rather than row ids (a copy of a published
    version has the same placements under new ids)."""

    round: int
    group_id: int
    table_id: int
    pinned: bool = False

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.round, self.group_id, self.table_id)

    def to_json(self) -> list[int]:
        return [self.round, self.group_id, self.table_id, int(self.pinned)]

    @classmethod
    def from_json(cls, value) -> Placement:
        round_, group, table, pinned = (int(part) for part in value)
        return cls(round=round_, group_id=group, table_id=table, pinned=bool(pinned))


@dataclass(frozen=True)
class BoardEdit:
    """What a board edit did: the version it changed (``result``), the placements it took
    out (as they were, pins included) and put in, and a sentence saying so."""

    result: EditResult
    removed: tuple[Placement, ...]
    added: tuple[Placement, ...]
    message: str
    groups: dict[int, str] = field(default_factory=dict)

    @property
    def rounds(self) -> set[int]:
        return {p.round for p in self.removed + self.added}

    @property
    def table_ids(self) -> set[int]:
        return {p.table_id for p in self.removed + self.added}


def _names(event: Event, placements) -> tuple[dict[int, TravelGroup], dict[int, Table]]:
    group_ids = {p.group_id for p in placements}
    table_ids = {p.table_id for p in placements}
    groups = {g.pk: g for g in TravelGroup.objects.filter(event=event, pk__in=group_ids)}
    tables = {
        t.pk: t
        for t in Table.objects.filter(event=event, pk__in=table_ids).select_related("specialty")
    }
    if set(groups) != group_ids or set(tables) != table_ids:
        raise ValidationError("That group or table is not in this event any more.")
    return groups, tables


def _edit_board(
    *,
    schedule: Schedule,
    removed: list[Placement],
    added: list[Placement],
    by: AbstractBaseUser | None,
    describe,
) -> BoardEdit:
    """The one write of every board edit, inside the caller's transaction: lock, find the
    version to change, check that ``removed`` are all still there (refused with "the grid has
    changed" otherwise: e.g. another organizer moved them), check the edit with the solver's
    rules, write, and audit a change through a published version. ``describe(groups,
    tables, removed)`` words the edit."""
    asked, draft = _start_edit(schedule)
    base = draft or asked
    rows = list(base.visits.values_list("round", "group_id", "table_id", "pinned"))
    pins = {(r, g, t): pinned for r, g, t, pinned in rows}
    groups, tables = _names(asked.event, removed + added)
    for placement in removed:
        if placement.key not in pins:
            raise ValidationError(
                f"{groups[placement.group_id].name} is no longer at "
                f"{table_label(tables[placement.table_id])} in round {placement.round} of "
                f"version {base.version}: the grid has changed since; see it as it is now."
            )
    removed = [replace(p, pinned=pins[p.key]) for p in removed]
    leaving = {p.key for p in removed}
    for placement in added:
        if placement.key in pins and placement.key not in leaving:
            raise ValidationError(
                f"{groups[placement.group_id].name} is already at "
                f"{table_label(tables[placement.table_id])} in round {placement.round}."
            )
    if {p.key for p in removed} == {p.key for p in added}:
        raise ValidationError("That leaves every visit where it is.")
    problem = version_problem(schedule=base)
    reasons = edit_violations(
        problem,
        solver_visits((r, g, t) for r, g, t, _pinned in rows),
        removed=solver_visits(p.key for p in removed),
        added=solver_visits(p.key for p in added),
    )
    if reasons:
        raise ValidationError(rules_in_words(problem, reasons))
    result = _finish_edit(asked, draft, by)
    target = result.schedule
    for placement in removed:
        target.visits.filter(
            round=placement.round, group_id=placement.group_id, table_id=placement.table_id
        ).delete()
    Visit.objects.bulk_create(
        Visit(
            schedule=target,
            round=p.round,
            group_id=p.group_id,
            table_id=p.table_id,
            pinned=p.pinned,
        )
        for p in added
    )
    what = describe(groups, tables, removed)
    if result.copied:
        _record_change(
            by=by,
            asked=asked,
            result=result,
            what=what[:1].lower() + what[1:],
            details={
                "removed": [p.to_json() for p in removed],
                "added": [p.to_json() for p in added],
            },
        )
    return BoardEdit(
        result=result,
        removed=tuple(removed),
        added=tuple(added),
        message=what[:1].upper() + what[1:] + ".",
        groups={pk: g.name for pk, g in groups.items()},
    )


def _at(tables: dict[int, Table], placement: Placement) -> str:
    return f"{table_label(tables[placement.table_id])} in round {placement.round}"


@transaction.atomic
def move_group(
    *,
    schedule: Schedule,
    group: TravelGroup,
    from_round: int,
    round: int,
    table: Table | None,
    by: AbstractBaseUser | None,
) -> BoardEdit:
    """Move ``group``'s visit of ``from_round`` to ``table`` in ``round`` (any round: a visit
    of round 9 can go to round 10); ``table`` None takes the group out of ``from_round``; a
    group with no visit in ``from_round`` gets one. Only that visit moves: the slot it leaves
    is simply empty (nothing is pinned there), and the new visit is pinned so a re-solve
    keeps it.

    One transaction, under the event and schedule locks (see the module): refused
    (``ValidationError``, nothing written) when the move breaks a rule of the solver's that
    the version did not already break; on a published version the move goes to its draft and
    is in the audit log."""
    # Read under the locks (``_edit_board`` takes them again, within this transaction).
    asked, draft = _start_edit(schedule)
    base = draft or asked
    old = (
        base.visits.filter(group=group, round=from_round).values_list("table_id", flat=True).first()
    )
    removed = [] if old is None else [Placement(from_round, group.pk, old)]
    added = [] if table is None else [Placement(round, group.pk, table.pk, pinned=True)]
    if not removed and not added:
        raise ValidationError(f"{group.name} visits no table in round {from_round}.")
    if removed and added and removed[0].key == added[0].key:
        raise ValidationError(f"{group.name} is already at {table_label(table)} in round {round}.")

    def describe(groups, tables, removed):
        if removed and added:
            return f"moved {group.name} from {_at(tables, removed[0])} to {_at(tables, added[0])}"
        if added:
            return f"put {group.name} at {_at(tables, added[0])}"
        return f"took {group.name} out of round {from_round} (it was at {_at(tables, removed[0])})"

    return _edit_board(schedule=schedule, removed=removed, added=added, by=by, describe=describe)


@transaction.atomic
def swap_visits(
    *,
    schedule: Schedule,
    first: tuple[TravelGroup, int],
    second: tuple[TravelGroup, int],
    by: AbstractBaseUser | None,
) -> BoardEdit:
    """Exchange two visits, each given as (group, round): the first group takes the second's
    table and round, the second the first's, both pinned, in one step (so a swap that is
    allowed as a whole is allowed even when either half alone would not be). One
    transaction, refused and audited as ``move_group``."""
    (group_a, round_a), (group_b, round_b) = first, second
    if group_a.pk == group_b.pk:
        raise ValidationError(f"Both are visits of {group_a.name}: choose another group's visit.")
    asked, draft = _start_edit(schedule)
    base = draft or asked
    tables = dict(
        base.visits.filter(
            Q(group=group_a, round=round_a) | Q(group=group_b, round=round_b)
        ).values_list("group_id", "table_id")
    )
    for group, round_ in first, second:
        if group.pk not in tables:
            raise ValidationError(
                f"{group.name} visits no table in round {round_} of version {base.version}: "
                "the grid has changed since; see it as it is now."
            )
    table_a, table_b = tables[group_a.pk], tables[group_b.pk]
    removed = [Placement(round_a, group_a.pk, table_a), Placement(round_b, group_b.pk, table_b)]
    added = [
        Placement(round_b, group_a.pk, table_b, pinned=True),
        Placement(round_a, group_b.pk, table_a, pinned=True),
    ]

    def describe(groups, tables, removed):
        return (
            f"swapped {group_a.name} (now at {_at(tables, added[0])}) and {group_b.name} "
            f"(now at {_at(tables, added[1])})"
        )

    return _edit_board(schedule=schedule, removed=removed, added=added, by=by, describe=describe)


@transaction.atomic
def replay_board_edit(
    *,
    schedule: Schedule,
    removed: list[Placement],
    added: list[Placement],
    by: AbstractBaseUser | None,
    label: str,
) -> BoardEdit:
    """Undo or redo a board edit: take ``removed`` out and put ``added`` back (the undo of an
    edit is the edit with its two sides exchanged; the visits it had taken out come back
    pinned or not as they were). An ordinary edit in every way: one transaction under the
    locks, the solver's rules, a published version's draft, the audit log; refused when the
    grid has changed since (a visit to take out is gone). ``label`` ("Undone", "Redone")
    starts its sentence."""

    def describe(groups, tables, removed_now):
        parts = [f"{groups[p.group_id].name} at {_at(tables, p)}" for p in added]
        parts += [
            f"{groups[p.group_id].name} out of round {p.round}"
            for p in removed_now
            if not any(a.group_id == p.group_id and a.round == p.round for a in added)
        ]
        return f"{label}: " + "; ".join(parts)

    return _edit_board(schedule=schedule, removed=removed, added=added, by=by, describe=describe)


@dataclass(frozen=True)
class VisitChange:
    round: int
    group: TravelGroup
    old_table: Table | None
    new_table: Table | None


def compare_schedules(*, old: Schedule, new: Schedule) -> list[VisitChange]:
    """The visits that differ between two versions, by round and group. Reads only; two
    queries."""

    def by_slot(schedule):
        return {
            (v.round, v.group_id): v
            for v in schedule.visits.select_related("group", "table__specialty")
        }

    before, after = by_slot(old), by_slot(new)
    changes = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and a.table_id == b.table_id:
            continue
        changes.append(
            VisitChange(
                round=key[0],
                group=(b or a).group,
                old_table=a.table if a else None,
                new_table=b.table if b else None,
            )
        )
    return changes
