"""Writes to the tables and their anchors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import display_name, record_audit
from clinicians.models import Clinician

from .. import rules
from ..models import Anchor, Attendance, Event, Table
from ..queries import table_label
from .common import (
    ADDED_AFTER_PUBLISHING,
    ANCHOR_REMOVED,
    TABLE_CHANGED,
    TABLE_DELETED,
    audit_published,
    audit_refusal,
    delete_scheduled,
)

TABLE_FIELDS = ("number", "specialty", "capacity", "location")


def suggest_table_number(*, event: Event) -> int:
    """The lowest table number not yet used at the event."""
    used = set(event.tables.values_list("number", flat=True))
    number = 1
    while number in used:
        number += 1
    return number


def _absent_rounds(event: Event, present_rounds: Iterable[int]) -> list[int]:
    present = {int(r) for r in present_rounds}
    return [r for r in range(1, event.rounds + 1) if r not in present]


@transaction.atomic
def add_anchor(
    *,
    table: Table,
    clinician: Clinician,
    present_rounds: Iterable[int],
    by: AbstractBaseUser | None,
) -> Anchor:
    """Seat a specialist at ``table`` for ``present_rounds``; they attend the event too
    (confirmed). Refused for someone who is not a specialist of the table's specialty or
    already anchors a table at this event."""
    event = table.event
    if clinician.role != Clinician.Role.SPECIALIST:
        raise ValidationError(f"{clinician.full_name} is not a specialist.")
    if clinician.specialty_id != table.specialty_id:
        raise ValidationError(
            f"{clinician.full_name} practises {clinician.specialty}, not {table.specialty.name}."
        )
    other = Anchor.objects.filter(event=event, clinician=clinician).select_related("table").first()
    if other is not None:
        raise ValidationError(f"{clinician.full_name} already anchors table {other.table.number}.")
    anchor = Anchor.objects.create(
        table=table, clinician=clinician, absent_rounds=_absent_rounds(event, present_rounds)
    )
    attendance, created = Attendance.objects.get_or_create(
        event=event, clinician=clinician, defaults={"status": Attendance.Status.CONFIRMED}
    )
    if not created and attendance.status == Attendance.Status.INVITED:
        attendance.status = Attendance.Status.CONFIRMED
        attendance.save(update_fields=["status"])
    audit_published(
        by=by,
        event=event,
        action=ADDED_AFTER_PUBLISHING,
        target=f"table {table.number} at {event.name}",
        message=(
            f"{display_name(by)} seated {clinician.full_name} as a co-anchor at "
            f"{table_label(table)} of {event.name} after publishing: "
            "the published schedule is unchanged."
        ),
        details={"table": table.pk, "anchor": anchor.pk},
    )
    return anchor


def set_anchor_rounds(
    *, anchor: Anchor, present_rounds: Iterable[int], by: AbstractBaseUser | None
) -> Anchor:
    """Record the rounds in which the anchor is at the table (one update). Refused once the
    event's schedule is published, unless the rounds stay the same (audited)."""
    absent = _absent_rounds(anchor.event, present_rounds)
    with audit_refusal(
        by=by,
        target=f"{anchor.clinician.full_name} at {anchor.event.name}",
        attempt=f"change the rounds of {rules.describe(anchor)}",
        details={"event": anchor.event_id, "anchor": anchor.pk},
    ):
        if absent != anchor.absent_rounds:
            rules.check_change(obj=anchor, changed=["absent_rounds"])
    anchor.absent_rounds = absent
    anchor.save(update_fields=["absent_rounds"])
    return anchor


def delete_anchor(*, anchor: Anchor, by: AbstractBaseUser | None) -> None:
    """Take a specialist off their table (they still attend), with an audit entry
    (ANCHOR_REMOVED), in one transaction. Refused once the event's schedule is published
    (audited)."""
    with audit_refusal(
        by=by,
        target=f"{anchor.clinician.full_name} at {anchor.event.name}",
        attempt=f"remove {rules.describe(anchor)} of {anchor.event.name}",
        details={"event": anchor.event_id, "anchor": anchor.pk},
    ):
        rules.check_delete(obj=anchor)
        with transaction.atomic():
            anchor.delete()
            record_audit(
                actor=by,
                action=ANCHOR_REMOVED,
                target=f"{anchor.clinician.full_name} at {anchor.event.name}",
                message=(
                    f"{display_name(by)} took {anchor.clinician.full_name} off table "
                    f"{anchor.table.number} of {anchor.event.name}."
                ),
                details={"event": anchor.event_id, "table": anchor.table_id},
            )


def update_table(*, table: Table, by: AbstractBaseUser | None) -> Table:
    """Save ``table``'s edited number, specialty, capacity and location in one transaction.
    Once the event's schedule is published only the location may change (text on signs and
    itineraries, recorded in the audit log); anything else is refused (audited)."""
    with (
        audit_refusal(
            by=by,
            target=f"table {table.number} at {table.event.name}",
            attempt=f"change table {table.number} of {table.event.name}",
            details={"event": table.event_id, "table": table.pk},
        ),
        transaction.atomic(),
    ):
        stored = Table.objects.select_for_update().select_related("specialty", "event")
        stored = stored.get(pk=table.pk)
        changed = rules.changed_fields(table, stored, TABLE_FIELDS)
        rules.check_change(obj=stored, changed=changed)
        table.full_clean(exclude=["event"])
        table.save()
        if changed:
            audit_published(
                by=by,
                event=stored.event,
                action=TABLE_CHANGED,
                target=f"table {table.number} at {stored.event.name}",
                message=(
                    f"{display_name(by)} moved {table_label(stored)} of {stored.event.name} from "
                    f"“{stored.location or 'no location'}” to "
                    f"“{table.location or 'no location'}” after publishing."
                ),
                details={"table": table.pk, "from": stored.location, "to": table.location},
            )
    return table


def delete_table(*, table: Table, by: AbstractBaseUser | None) -> None:
    """Delete a table with its anchors, in one transaction. Unpublished schedule versions
    drop their visits to it (``events.signals.objects_leaving``); refused once the event's
    schedule is published, or when a published version uses it. Audited either way."""
    delete_scheduled(obj=table, action=TABLE_DELETED, by=by)


def _attending_specialists(event: Event):
    """Active specialists who attend ``event`` (not marked a no-show) and anchor no table yet."""
    attending = Attendance.objects.filter(event=event).exclude(status=Attendance.Status.NO_SHOW)
    return (
        Clinician.objects.active()
        .specialists()
        .filter(pk__in=attending.values("clinician"), specialty__isnull=False)
        .exclude(pk__in=Anchor.objects.filter(event=event).values("clinician"))
        .select_related("specialty")
        .order_by("specialty__name", "last_name", "first_name", "pk")
    )


@transaction.atomic
def add_tables_for_specialties(
    *, event: Event, seat_specialists: bool, by: AbstractBaseUser | None
) -> list[Table]:
    """In one transaction, add one table (next free number, default capacity, no location)
    for each specialty of the attending specialists who anchor no table yet, leaving out
    specialties that already have a table; with ``seat_specialists`` they are seated at it
    for every round (``add_anchor``). A new table keeps every published visit true, so this
    is allowed after publishing too (audited there). Returns the new tables by number."""
    have = set(event.tables.values_list("specialty_id", flat=True))
    waiting: dict[int, list[Clinician]] = {}
    for clinician in _attending_specialists(event):
        if clinician.specialty_id not in have:
            waiting.setdefault(clinician.specialty_id, []).append(clinician)
    tables = []
    for specialists in waiting.values():
        table = Table(
            event=event,
            number=suggest_table_number(event=event),
            specialty=specialists[0].specialty,
        )
        table.full_clean(exclude=["event"])
        table.save()
        tables.append(table)
        audit_published(
            by=by,
            event=event,
            action=ADDED_AFTER_PUBLISHING,
            target=f"table {table.number} at {event.name}",
            message=(
                f"{display_name(by)} added {table_label(table)} to {event.name} after "
                "publishing: the published schedule is unchanged."
            ),
            details={"table": table.pk},
        )
        if seat_specialists:
            for clinician in specialists:
                add_anchor(
                    table=table,
                    clinician=clinician,
                    present_rounds=range(1, event.rounds + 1),
                    by=by,
                )
    return tables


@transaction.atomic
def seat_attending_specialists(*, table: Table, by: AbstractBaseUser | None) -> list[Anchor]:
    """Seat at ``table``, for every round, each attending specialist of its specialty who
    anchors no table at the event yet (``add_anchor``, one transaction). Co-anchors keep
    every published visit true, so this is allowed after publishing (audited there)."""
    event = table.event
    return [
        add_anchor(table=table, clinician=c, present_rounds=range(1, event.rounds + 1), by=by)
        for c in _attending_specialists(event).filter(specialty=table.specialty_id)
    ]


def set_anchors_presence(
    *,
    event: Event,
    anchors: Iterable[Anchor],
    arrives: int,
    leaves: int,
    by: AbstractBaseUser | None,
) -> list[Anchor]:
    """Make each of ``anchors`` (of ``event``) present from round ``arrives`` through round
    ``leaves``: ``set_anchors_ranges`` with the same range for each."""
    return set_anchors_ranges(
        event=event, ranges={anchor: (arrives, leaves) for anchor in anchors}, by=by
    )


def set_anchors_ranges(
    *,
    event: Event,
    ranges: Mapping[Anchor, tuple[int, int]],
    by: AbstractBaseUser | None,
) -> list[Anchor]:
    """Make each anchor of ``ranges`` (of ``event``) present from its first round through its
    last, all in one transaction. Refused as a whole, with nothing written, when a range is
    not within the event's rounds, or, once the schedule is published, when it changes any
    anchor's rounds (the refusal is audited). Returns the anchors changed."""
    absent_of: dict[Anchor, list[int]] = {}
    for anchor, (arrives, leaves) in ranges.items():
        if not 1 <= arrives <= leaves <= event.rounds:
            raise ValidationError(
                f"Choose rounds from 1 to {event.rounds}, arriving no later than leaving."
            )
        absent = _absent_rounds(event, range(arrives, leaves + 1))
        if anchor.absent_rounds != absent:
            absent_of[anchor] = absent
    anchors = list(absent_of)
    if any(a.event_id != event.pk for a in anchors):
        raise ValidationError("Those anchors are not all at this event.")
    with (
        audit_refusal(
            by=by,
            target=f"anchors at {event.name}",
            attempt=f"change the rounds of {len(anchors)} anchors of {event.name}",
            details={"event": event.pk, "anchors": [a.pk for a in anchors]},
        ),
        transaction.atomic(),
    ):
        for anchor in anchors:
            anchor.event = event
            rules.check_change(obj=anchor, changed=["absent_rounds"])
        for anchor, absent in absent_of.items():
            Anchor.objects.filter(pk=anchor.pk).update(absent_rounds=absent)
    for anchor, absent in absent_of.items():
        anchor.absent_rounds = absent
    return anchors
