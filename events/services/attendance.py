"""Writes to who comes: attendees, check-in and no-shows, finishing an event."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import display_name, record_audit
from clinicians.models import Clinician
from clinicians.roster import RosterPreview
from clinicians.services import ImportResult, import_roster

from .. import rules
from ..models import Anchor, Attendance, Event, GroupMember
from ..signals import events_finished
from .common import ADDED_AFTER_PUBLISHING, EVENT_FINISHED, audit_published, audit_refusal


@transaction.atomic
def add_attendees(
    *, event: Event, clinicians: Iterable[Clinician], by: AbstractBaseUser | None
) -> int:
    """Invite ``clinicians`` to ``event``; those already attending are left as they are.
    Returns how many were added. Allowed after publishing (no published visit changes), and
    then recorded in the audit log."""
    existing = set(event.attendances.values_list("clinician_id", flat=True))
    new = [
        Attendance(event=event, clinician=clinician)
        for clinician in clinicians
        if clinician.pk not in existing
    ]
    Attendance.objects.bulk_create(new)
    if new:
        audit_published(
            by=by,
            event=event,
            action=ADDED_AFTER_PUBLISHING,
            target=event.name,
            message=(
                f"{display_name(by)} invited {len(new)} more clinician"
                f"{'s' if len(new) != 1 else ''} to {event.name} after publishing: "
                "the published schedule is unchanged."
            ),
            details={"clinicians": [a.clinician_id for a in new]},
        )
    return len(new)


@transaction.atomic
def import_roster_as_attendees(
    *, event: Event, preview: RosterPreview, filename: str, by: AbstractBaseUser | None
) -> tuple[ImportResult, int]:
    """Import a checked roster into the catalogue (``clinicians.services.import_roster``) and
    add everyone it names to ``event`` (``add_attendees``), in one transaction: either both
    happen or nothing is written. Returns the import's result and how many were added."""
    result = import_roster(preview=preview, actor=by, filename=filename)
    clinicians = Clinician.objects.filter(pk__in=result.clinician_ids)
    return result, add_attendees(event=event, clinicians=clinicians, by=by)


def remove_attendance(*, attendance: Attendance, by: AbstractBaseUser | None) -> list[str]:
    """Remove a clinician from the event, with their seat in a group or at a table, in one
    transaction. Returns what else was removed, in words. Refused once the event's schedule
    is published (``rules.check_delete``; audited)."""
    event, clinician = attendance.event, attendance.clinician
    with audit_refusal(
        by=by,
        target=f"{clinician.full_name} at {event.name}",
        attempt=f"remove {clinician.full_name} from {event.name}",
        details={"event": event.pk, "attendance": attendance.pk},
    ):
        rules.check_delete(obj=attendance)
        with transaction.atomic():
            return _remove_attendance(attendance)


def _remove_attendance(attendance: Attendance) -> list[str]:
    event, clinician = attendance.event, attendance.clinician
    also = []
    member = GroupMember.objects.filter(event=event, clinician=clinician).select_related("group")
    for membership in member:
        also.append(f"removed from group {membership.group.name}")
        membership.delete()
    for anchor in Anchor.objects.filter(event=event, clinician=clinician).select_related("table"):
        also.append(f"no longer anchors table {anchor.table.number}")
        anchor.delete()
    attendance.delete()
    return also


@transaction.atomic
def set_attendance_status(*, attendance: Attendance, status: str) -> Attendance:
    """Change an attendee's status; checking in records the time. Not audited: check-in and
    no-shows change no schedule (a re-plan that follows is recorded by rotations)."""
    if status not in Attendance.Status.values:
        raise ValidationError(f"Unknown status {status!r}.")
    attendance.status = status
    if status == Attendance.Status.CHECKED_IN:
        attendance.checked_in_at = attendance.checked_in_at or timezone.now()
    else:
        attendance.checked_in_at = None
    attendance.save(update_fields=["status", "checked_in_at"])
    return attendance


def finish_event(*, event: Event, by: AbstractBaseUser | None) -> Event:
    """Mark a published event finished, in one transaction, recorded in the audit log
    (EVENT_FINISHED), with ``events_finished`` sent inside it: its published schedule and
    check-ins then count as who has met whom (rotations writes the connection ledger), and
    the next events prefer new connections over these."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status == Event.Status.FINISHED:
            return locked
        if locked.status != Event.Status.PUBLISHED:
            raise ValidationError("Publish a schedule before marking the event finished.")
        locked.status = Event.Status.FINISHED
        locked.save(update_fields=["status", "updated_at"])
        events_finished.send(sender=Event, events=[locked])
        record_audit(
            actor=by,
            action=EVENT_FINISHED,
            target=locked.name,
            message=(
                f"{display_name(by)} marked {locked.name} finished: its published schedule now "
                "counts as who has met whom."
            ),
            details={"event": locked.pk},
        )
    return locked


def finish_past_events(*, today: datetime.date | None = None) -> int:
    """Mark finished every published event whose date has passed, in one transaction with
    ``events_finished`` sent for them (as ``finish_event``); returns how many. The periodic
    task runs this so history builds up even when nobody presses the button."""
    today = today or timezone.localdate()
    with transaction.atomic():
        events = list(
            Event.objects.select_for_update()
            .filter(status=Event.Status.PUBLISHED, date__lt=today)
            .order_by("pk")
        )
        if not events:
            return 0
        Event.objects.filter(pk__in=[event.pk for event in events]).update(
            status=Event.Status.FINISHED, updated_at=timezone.now()
        )
        for event in events:
            event.status = Event.Status.FINISHED
        events_finished.send(sender=Event, events=events)
    return len(events)
