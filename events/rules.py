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

from clinicians.models import Clinician, Specialty

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


# Receivers of clinicians.signals (connected in events.apps).


def _places(clinician: Clinician, today: datetime.date):
    """The anchorings and group memberships of ``clinician`` at published upcoming events,
    leaving out events where they are marked a no-show (the re-plan has taken them out)."""
    upcoming = {"event__status__in": LOCKED_STATUSES, "event__date__gte": today}
    gone = Attendance.objects.filter(clinician=clinician, status=Attendance.Status.NO_SHOW).values(
        "event_id"
    )
    anchors = (
        Anchor.objects.filter(clinician=clinician, **upcoming)
        .exclude(event__in=gone)
        .select_related("event", "table__specialty")
        .order_by("event__date", "event__name")
    )
    members = (
        GroupMember.objects.filter(clinician=clinician, **upcoming)
        .exclude(event__in=gone)
        .select_related("event", "group")
        .order_by("event__date", "event__name")
    )
    return anchors, members


def _anchor_words(clinician: Clinician, anchor: Anchor) -> str:
    return (
        f"{clinician.full_name} anchors {table_label(anchor.table)} at {anchor.event.name} on "
        f"{anchor.event.date:%-d %B %Y} (published)"
    )


def _member_words(clinician: Clinician, member: GroupMember) -> str:
    return (
        f"{clinician.full_name} travels in group {member.group.name} at {member.event.name} "
        f"on {member.event.date:%-d %B %Y} (published)"
    )


def objections_to_retiring(
    sender, *, clinician: Clinician, today: datetime.date | None = None, **kwargs
) -> list[str]:
    """What retiring ``clinician`` would change in published upcoming events, in words:
    "Ann Lee anchors table 5 (Cardiology) at North, spring on 10 December 2026 (published)."."""
    anchors, members = _places(clinician, today or timezone.localdate())
    return [_anchor_words(clinician, a) + "." for a in anchors] + [
        _member_words(clinician, m) + "." for m in members
    ]


def objections_to_catalogue_change(
    sender,
    *,
    instance: models.Model,
    changes: dict,
    merge_into: models.Model | None = None,
    today: datetime.date | None = None,
    **kwargs,
) -> list[str]:
    """What a catalogue edit would change in published upcoming events, in words:

    - a specialty's track (the patients it serves) while such an event has a table of it:
      "Cardiology is table 5 at North, spring on 10 December 2026 (published)." (any change:
      a narrower track breaks visits, and the table's patients are on signs and itineraries);
    - a clinician's role while they anchor or travel at such an event (as retiring);
    - merging a specialty into one serving other patients (``merge_into``) while such an
      event has a table of it: "cardiology is table 5 at North, spring on 10 December 2026
      (published), for all ages patients; Cardiology serves adult patients.";
    - merging a clinician (``merge_into`` the one kept) who anchors or travels at such an
      event, unless the kept clinician already holds exactly that place there (same table and
      absent rounds, or same group) or is not at that event at all and has the same name and
      role (their rows then move whole and read the same).
    """
    today = today or timezone.localdate()
    if isinstance(instance, Specialty) and "track" in changes:
        tables = (
            Table.objects.filter(
                specialty=instance, event__status__in=LOCKED_STATUSES, event__date__gte=today
            )
            .select_related("event")
            .order_by("event__date", "event__name", "number")
        )
        return [
            f"{instance.name} is table {t.number} at {t.event.name} on "
            f"{t.event.date:%-d %B %Y} (published)."
            for t in tables
        ]
    if isinstance(instance, Specialty) and isinstance(merge_into, Specialty):
        return _objections_to_merging_specialties(instance, merge_into, today)
    if isinstance(instance, Clinician) and isinstance(merge_into, Clinician):
        return _objections_to_merging(instance, merge_into, today)
    if isinstance(instance, Clinician) and "role" in changes:
        return objections_to_retiring(sender, clinician=instance, today=today)
    return []


def _objections_to_merging_specialties(
    duplicate: Specialty, keep: Specialty, today: datetime.date
) -> list[str]:
    """A merge re-points the duplicate's tables to the kept specialty: refused where that
    changes the track of a table at a published upcoming event."""
    if duplicate.track == keep.track:
        return []
    tables = (
        Table.objects.filter(
            specialty=duplicate, event__status__in=LOCKED_STATUSES, event__date__gte=today
        )
        .select_related("event")
        .order_by("event__date", "event__name", "number")
    )
    return [
        f"{duplicate.name} is table {t.number} at {t.event.name} on {t.event.date:%-d %B %Y} "
        f"(published), for {duplicate.get_track_display().lower()} patients; {keep.name} "
        f"serves {keep.get_track_display().lower()} patients."
        for t in tables
    ]


def _objections_to_merging(
    duplicate: Clinician, keep: Clinician, today: datetime.date
) -> list[str]:
    anchors, members = _places(duplicate, today)
    anchors, members = list(anchors), list(members)
    events = {a.event_id for a in anchors} | {m.event_id for m in members}
    if not events:
        return []
    no_show = set(
        Attendance.objects.filter(
            clinician=keep, event_id__in=events, status=Attendance.Status.NO_SHOW
        ).values_list("event_id", flat=True)
    )
    keep_anchors = {
        a.event_id: a
        for a in Anchor.objects.filter(clinician=keep, event_id__in=events)
        if a.event_id not in no_show
    }
    keep_groups = {
        m.event_id: m.group_id
        for m in GroupMember.objects.filter(clinician=keep, event_id__in=events)
        if m.event_id not in no_show
    }
    keep_events = (
        set(
            Attendance.objects.filter(clinician=keep, event_id__in=events).values_list(
                "event_id", flat=True
            )
        )
        | set(
            Anchor.objects.filter(clinician=keep, event_id__in=events).values_list(
                "event_id", flat=True
            )
        )
        | set(
            GroupMember.objects.filter(clinician=keep, event_id__in=events).values_list(
                "event_id", flat=True
            )
        )
    )
    same_person = (keep.full_name, keep.role) == (duplicate.full_name, duplicate.role)
    not_held = ", and the clinician kept does not hold that place."
    words = []
    for anchor in anchors:
        held = keep_anchors.get(anchor.event_id)
        same_place = held is not None and (held.table_id, sorted(held.absent_rounds)) == (
            anchor.table_id,
            sorted(anchor.absent_rounds),
        )
        if not same_place and not (same_person and anchor.event_id not in keep_events):
            words.append(_anchor_words(duplicate, anchor) + not_held)
    for member in members:
        same_place = keep_groups.get(member.event_id) == member.group_id
        if not same_place and not (same_person and member.event_id not in keep_events):
            words.append(_member_words(duplicate, member) + not_held)
    return words
