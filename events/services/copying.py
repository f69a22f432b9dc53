"""Copying an event's set-up to a new event, for the next site or date."""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from accounts.services import display_name, record_audit
from clinicians.models import Clinician

from ..models import Anchor, Attendance, Event, Table
from .common import EVENT_COPIED
from .details import find_recent_twin

# The fields of an event's set-up that a copy keeps (name, date and venue are new).
COPIED_FIELDS = (
    "region",
    "start_time",
    "rounds",
    "round_minutes",
    "transition_minutes",
    "group_min_size",
    "group_max_size",
)


@transaction.atomic
def copy_event(
    *,
    event: Event,
    name: str,
    date: datetime.date,
    venue: str,
    by: AbstractBaseUser | None,
) -> Event:
    """Create, in one transaction, a draft event named ``name`` on ``date`` at ``venue`` with
    ``event``'s timetable, region and group size range, its tables (number, specialty,
    capacity, location) and their anchors with the rounds they are present (only clinicians
    still active and still specialists of the table's specialty). The anchors attend the new
    event (invited); nobody else's attendance, no group and no schedule is copied: those
    follow the new roster. Audited (EVENT_COPIED). When ``by`` created an event with this
    name, date and venue in the last minute (the copy form submitted twice), that event is
    returned and nothing is written."""
    twin = find_recent_twin(by=by, name=name, date=date, venue=venue)
    if twin is not None:
        return twin
    copy = Event.objects.create(
        name=name,
        date=date,
        venue=venue,
        created_by=by,
        **{field: getattr(event, field) for field in COPIED_FIELDS},
    )
    tables = list(event.tables.order_by("number"))
    new_tables = Table.objects.bulk_create(
        [
            Table(
                event=copy,
                number=t.number,
                specialty_id=t.specialty_id,
                capacity=t.capacity,
                location=t.location,
            )
            for t in tables
        ]
    )
    table_for = {old.pk: new for old, new in zip(tables, new_tables, strict=True)}
    anchors = [
        a
        for a in event.anchors.select_related("clinician", "table").order_by("pk")
        if a.clinician.is_active
        and a.clinician.role == Clinician.Role.SPECIALIST
        and a.clinician.specialty_id == a.table.specialty_id
    ]
    Anchor.objects.bulk_create(
        [
            Anchor(
                event=copy,
                table=table_for[a.table_id],
                clinician_id=a.clinician_id,
                absent_rounds=list(a.absent_rounds),
            )
            for a in anchors
        ]
    )
    Attendance.objects.bulk_create(
        [Attendance(event=copy, clinician_id=a.clinician_id) for a in anchors]
    )
    record_audit(
        actor=by,
        action=EVENT_COPIED,
        target=copy.name,
        message=(
            f"{display_name(by)} created {copy.name} as a copy of {event.name}'s set-up: "
            f"{len(new_tables)} tables, {len(anchors)} anchors."
        ),
        details={"event": copy.pk, "from": event.pk},
    )
    return copy
