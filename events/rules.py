"""The promise a published schedule makes: once the event's schedule is published (the event's
status is published or finished), nothing it depends on changes under it.

``ensure_editable`` is the one guard; ``check_change`` and ``check_delete`` name, for each
kind of object, which changes a published schedule depends on. Every write path (services,
forms, the admin) calls these. Additions that keep every published visit true (a new
attendee, a co-anchor, a latecomer put into a group, a new table) are not guarded here.

Events knows only its own status here, never the schedule versions themselves: rotations sets
the status when it publishes, and its receivers of ``events.signals`` look after the visits.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from clinicians.models import Clinician

from .models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup
from .queries import table_label

LOCKED_STATUSES = (Event.Status.PUBLISHED, Event.Status.FINISHED)

NO_SHOW_INSTEAD = "Mark them a no-show on the check-in page and re-plan."

# The fields of each model that a published schedule depends on, and what to do instead.
GUARDED_FIELDS: dict[type[models.Model], tuple[set[str], str]] = {
    Event: (
        {"date", "start_time", "rounds", "round_minutes", "transition_minutes"},
        "Itineraries give these rounds and times: they stay as published. To leave out rounds "
        "on the day, re-plan from the check-in page.",
    ),
    Table: (
        {"event", "number", "specialty", "capacity"},
        "Add another table and re-plan instead; only its location may still change.",
    ),
    Anchor: ({"event", "table", "clinician", "absent_rounds"}, NO_SHOW_INSTEAD),
    TravelGroup: ({"event", "name", "track", "absent_rounds"}, NO_SHOW_INSTEAD),
    GroupMember: ({"event", "group", "clinician"}, NO_SHOW_INSTEAD),
    Attendance: ({"event", "clinician"}, "Mark them a no-show on the check-in page instead."),
}

DELETE_INSTEAD: dict[type[models.Model], str] = {
    Event: "Its published schedule is the record of who met whom.",
    Table: "Mark its anchors a no-show on the check-in page and re-plan instead.",
    Anchor: NO_SHOW_INSTEAD,
    TravelGroup: "Mark its members a no-show on the check-in page and re-plan instead.",
    GroupMember: NO_SHOW_INSTEAD,
    Attendance: "Mark them a no-show on the check-in page instead.",
}


def is_locked(event: Event) -> bool:
    """Whether ``event`` has a published schedule (rotations sets the status on publishing)."""
    return event.status in LOCKED_STATUSES


def ensure_editable(*, event: Event, what: str, instead: str) -> None:
    """Raise ``ValidationError`` when ``event`` has a published schedule: ``what`` (in words,
    e.g. "Table 5 (Cardiology) may not be deleted") names the refused change, ``instead`` what
    to do. Reads only the event's own row."""
    if is_locked(event):
        raise ValidationError(
            f"{what}: {event.name} has a published schedule and clinicians hold itineraries "
            f"from it. {instead}"
        )


def describe(obj: models.Model) -> str:
    """An object of an event in the organizer's words, e.g. "table 5 (Cardiology)"."""
    if isinstance(obj, Event):
        return obj.name
    if isinstance(obj, Table):
        return table_label(obj)
    if isinstance(obj, Anchor):
        return f"{obj.clinician.full_name} at table {obj.table.number}"
    if isinstance(obj, TravelGroup):
        return f"group {obj.name}"
    if isinstance(obj, GroupMember):
        return f"{obj.clinician.full_name} in group {obj.group.name}"
    if isinstance(obj, Attendance):
        return f"{obj.clinician.full_name}'s attendance"
    return str(obj)


def event_of(obj: models.Model) -> Event:
    return obj if isinstance(obj, Event) else obj.event


def _field_words(fields: Iterable[str]) -> str:
    words = sorted(f.replace("_", " ") for f in fields)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def check_change(*, obj: models.Model, changed: Iterable[str]) -> None:
    """Raise ``ValidationError`` when one of the ``changed`` fields of ``obj`` (an event or a
    table, anchor, group, member or attendance of one) is one its published schedule depends
    on. ``obj.event`` must be the stored event (not an unsaved edit of it)."""
    guarded, instead = GUARDED_FIELDS.get(type(obj), (set(), ""))
    refused = guarded & set(changed)
    if not refused:
        return
    label = describe(obj)
    ensure_editable(
        event=event_of(obj),
        what=f"The {_field_words(refused)} of {label} may not change",
        instead=instead,
    )


def check_delete(*, obj: models.Model) -> None:
    """Raise ``ValidationError`` when ``obj`` (an event, or a table, anchor, group, member or
    attendance of one) may not be deleted because its event's schedule is published."""
    label = describe(obj)
    ensure_editable(
        event=event_of(obj),
        what=f"{label[:1].upper()}{label[1:]} may not be deleted",
        instead=DELETE_INSTEAD.get(type(obj), ""),
    )


def changed_fields(obj: models.Model, stored: models.Model, fields: Iterable[str]) -> list[str]:
    """The ``fields`` whose value differs between ``obj`` and its ``stored`` row."""
    return [f for f in fields if getattr(obj, f) != getattr(stored, f)]


# Receiver of clinicians.signals.clinician_retiring (connected in events.apps).


def objections_to_retiring(
    sender, *, clinician: Clinician, today: datetime.date | None = None, **kwargs
) -> list[str]:
    """What retiring ``clinician`` would change in published upcoming events, in words:
    "Ann Lee anchors table 5 (Cardiology) at North, spring on 10 December 2026 (published)."."""
    today = today or timezone.localdate()
    upcoming = {"event__status__in": LOCKED_STATUSES, "event__date__gte": today}
    # Where the organizer has marked them a no-show, the re-plan has taken them out already.
    gone = Attendance.objects.filter(clinician=clinician, status=Attendance.Status.NO_SHOW).values(
        "event_id"
    )
    anchors = (
        Anchor.objects.filter(clinician=clinician, **upcoming)
        .exclude(event__in=gone)
        .select_related("event", "table__specialty")
    )
    members = (
        GroupMember.objects.filter(clinician=clinician, **upcoming)
        .exclude(event__in=gone)
        .select_related("event", "group")
    )
    words = [
        f"{clinician.full_name} anchors {table_label(a.table)} at "
        f"{a.event.name} on {a.event.date:%-d %B %Y} (published)."
        for a in anchors
    ]
    words += [
        f"{clinician.full_name} travels in group {m.group.name} at {m.event.name} on "
        f"{m.event.date:%-d %B %Y} (published)."
        for m in members
    ]
    return words
