"""Editing a schedule by hand: move a group, take it out of a round, pin a visit.

One rule for versions: an unpublished version is edited in place; a published version is
never changed — the first edit copies it into a new unpublished version (``copy_schedule``)
and changes the copy, in the same transaction. Publishing that version is a separate step.

Every move is checked against the hard rules of ``docs/solver-format.md`` (track, table
capacity, one table per group and round, a table at most once per group, the table's anchors
and the group present in the round) before anything is written; a refused move raises
``ValidationError`` with the reason in the organizer's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from clinicians.models import Track
from events.models import Table, TravelGroup
from events.queries import track_allows

from .models import Schedule, Visit
from .services.adapter import Availability, create_schedule_version, table_label

TRACK_WORDS = {Track.ADULT: "adult", Track.PEDIATRIC: "pediatric", Track.ALL_AGES: "all-ages"}


@dataclass(frozen=True)
class EditResult:
    """What an edit did: the version it changed (the same one, or a new copy) and whether
    it had to copy a published version."""

    schedule: Schedule
    copied: bool


@transaction.atomic
def copy_schedule(*, schedule: Schedule, by, note: str = "") -> Schedule:
    """A new unpublished version of the event with the same visits (pins included), based on
    ``schedule``; a re-planned version's copy stays re-planned from the same round."""
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


def _editable(schedule: Schedule, by) -> EditResult:
    if schedule.is_published:
        return EditResult(schedule=copy_schedule(schedule=schedule, by=by), copied=True)
    return EditResult(schedule=schedule, copied=False)


def check_move(*, schedule: Schedule, group: TravelGroup, round: int, table: Table) -> list[str]:
    """Why putting ``group`` at ``table`` in ``round`` (instead of wherever it is in that
    round) would break a hard rule; empty when the move is allowed. Reads only."""
    event = schedule.event
    reasons = []
    if group.event_id != event.pk or table.event_id != event.pk:
        return ["That group or table is not at this event."]
    if not 1 <= round <= event.rounds:
        return [f"The event has rounds 1 to {event.rounds}."]
    if not track_allows(group.track, table.specialty.track):
        reasons.append(
            f"{group.name} follows the {TRACK_WORDS[group.track]} track; "
            f"{table_label(table)} serves {TRACK_WORDS[table.specialty.track]} patients."
        )
    there = Availability.load(event=event, replan_from_round=schedule.replan_from_round)
    if round not in there.table_rounds(table):
        reasons.append(f"No anchor is at {table_label(table)} in round {round}.")
    if round not in there.group_rounds(group):
        reasons.append(f"{group.name} is not there in round {round}.")
    visits = list(schedule.visits.filter(table=table).exclude(group=group).select_related("group"))
    here = [v for v in visits if v.round == round]
    if len(here) >= table.capacity:
        names = ", ".join(v.group.name for v in here)
        reasons.append(
            f"T{table_label(table)[1:]} hosts {table.capacity} "
            f"group{'s' if table.capacity != 1 else ''} a round and already has {names} in "
            f"round {round}."
        )
    elsewhere = (
        schedule.visits.filter(group=group, table=table)
        .exclude(round=round)
        .values_list("round", flat=True)
        .first()
    )
    if elsewhere is not None:
        reasons.append(
            f"{group.name} already visits {table_label(table)} in round {elsewhere}: a group "
            "meets each table once."
        )
    return reasons


@transaction.atomic
def move_visit(
    *, schedule: Schedule, group: TravelGroup, round: int, table: Table | None, by
) -> EditResult:
    """Put ``group`` at ``table`` in ``round`` (``table`` None: take it out of that round).
    The group's other visit in that round, if any, goes; the new visit is pinned so a
    re-solve keeps it. Refused (``ValidationError``) when a hard rule would break; nothing is
    written then. Edits ``schedule`` in place, or a new copy when it is published."""
    if table is not None:
        reasons = check_move(schedule=schedule, group=group, round=round, table=table)
        if reasons:
            raise ValidationError(reasons)
    current = schedule.visits.filter(group=group, round=round).first()
    if table is None and current is None:
        raise ValidationError(f"{group.name} visits no table in round {round}.")
    if table is not None and current is not None and current.table_id == table.pk:
        raise ValidationError(f"{group.name} is already at {table_label(table)} in round {round}.")
    result = _editable(schedule, by)
    target = result.schedule
    target.visits.filter(group=group, round=round).delete()
    if table is not None:
        Visit.objects.create(schedule=target, round=round, group=group, table=table, pinned=True)
    return result


@transaction.atomic
def toggle_pin(*, visit: Visit, by) -> tuple[EditResult, Visit]:
    """Pin or unpin ``visit`` (a re-solve keeps pinned visits). On a published version, the
    change goes to a new copy. Returns the result and the visit as changed."""
    result = _editable(visit.schedule, by)
    if result.copied:
        visit = result.schedule.visits.get(round=visit.round, group_id=visit.group_id)
    visit.pinned = not visit.pinned
    visit.save(update_fields=["pinned"])
    return result, visit


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
