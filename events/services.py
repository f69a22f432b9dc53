"""Writes to an event: attendance, anchors, travelling groups, check-in.

Each function changes the database in one transaction and raises ``ValidationError`` with a
message for the organizer when the change is refused.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import display_name, record_audit
from clinicians.models import Clinician, Department, Track

from . import rules
from .models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup
from .queries import TRACK_LABELS, eligible_table_count, table_label
from .signals import send_objects_leaving

# Audit log actions written by events.
EVENT_CHANGED = "event.changed"
EVENT_FINISHED = "event.finished"
TABLE_CHANGED = "table.changed"
TABLE_DELETED = "table.deleted"
GROUP_DELETED = "group.deleted"
ANCHOR_REMOVED = "anchor.removed"
ADDED_AFTER_PUBLISHING = "event.added_after_publishing"
CHANGE_REFUSED = "event.change_refused"

EVENT_SCHEDULE_FIELDS = ("date", "start_time", "rounds", "round_minutes", "transition_minutes")
EVENT_TEXT_FIELDS = ("name", "venue", "region")
TABLE_FIELDS = ("number", "specialty", "capacity", "location")


@contextmanager
def audit_refusal(
    *, by: AbstractBaseUser | None, target: str, attempt: str, details: dict
) -> Iterator[None]:
    """Around a write that may be refused: a ``ValidationError`` raised inside is recorded in
    the audit log (CHANGE_REFUSED: "Ann Lee tried to delete table 5 …; refused: …") outside
    the write's own transaction, so the refusal stays on record, and raised again."""
    try:
        yield
    except ValidationError as error:
        record_audit(
            actor=by,
            action=CHANGE_REFUSED,
            target=target,
            message=f"{display_name(by)} tried to {attempt}; refused: {' '.join(error.messages)}",
            details=details,
        )
        raise


def _audit_published(
    *, by: AbstractBaseUser | None, event: Event, action: str, target: str, message: str, details
):
    """Record a change made after the event's schedule was published (none before)."""
    if rules.is_locked(event):
        record_audit(
            actor=by,
            action=action,
            target=target,
            message=message,
            details={"event": event.pk, **details},
        )


# Attendance


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
        _audit_published(
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
    (EVENT_FINISHED). Its published schedule then counts as who has met whom: the next events
    prefer new connections over these."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status == Event.Status.FINISHED:
            return locked
        if locked.status != Event.Status.PUBLISHED:
            raise ValidationError("Publish a schedule before marking the event finished.")
        locked.status = Event.Status.FINISHED
        locked.save(update_fields=["status", "updated_at"])
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
    """Mark finished every published event whose date has passed; returns how many. The
    periodic task runs this so history builds up even when nobody presses the button."""
    today = today or timezone.localdate()
    return Event.objects.filter(status=Event.Status.PUBLISHED, date__lt=today).update(
        status=Event.Status.FINISHED, updated_at=timezone.now()
    )


# Tables and anchors


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
    _audit_published(
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
            _audit_published(
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
    _delete_scheduled(obj=table, action=TABLE_DELETED, by=by)


def _delete_scheduled(
    *, obj: Table | TravelGroup, action: str, by: AbstractBaseUser | None
) -> None:
    """Delete a table or a group, in one transaction, after ``rules.check_delete``; the
    unpublished versions' visits to it are cleared through ``objects_leaving``. The deletion,
    or its refusal, is audited."""
    event = obj.event
    label = rules.describe(obj)
    kind = "table" if isinstance(obj, Table) else "group"
    with (
        audit_refusal(
            by=by,
            target=f"{label} at {event.name}",
            attempt=f"delete {label} from {event.name}",
            details={"event": event.pk, kind: obj.pk},
        ),
        transaction.atomic(),
    ):
        rules.check_delete(obj=obj)
        cleared = send_objects_leaving(event=event, **{f"{kind}s": [obj]})
        pk = obj.pk
        obj.delete()
        record_audit(
            actor=by,
            action=action,
            target=f"{label} at {event.name}",
            message=f"{display_name(by)} deleted {label} from {event.name}"
            + (f" ({'; '.join(cleared)})." if cleared else "."),
            details={"event": event.pk, kind: pk, "cleared": cleared},
        )


def update_event(*, event: Event, by: AbstractBaseUser | None) -> Event:
    """Save ``event``'s edited details in one transaction. Once its schedule is published its
    date, start time, rounds and their minutes are refused (audited); a new name, venue or
    region is recorded in the audit log."""
    with (
        audit_refusal(
            by=by,
            target=event.name,
            attempt=f"change the details of {event.name}",
            details={"event": event.pk},
        ),
        transaction.atomic(),
    ):
        stored = Event.objects.select_for_update().get(pk=event.pk)
        refused = rules.changed_fields(event, stored, EVENT_SCHEDULE_FIELDS)
        rules.check_change(obj=stored, changed=refused)
        event.save()
        texts = rules.changed_fields(event, stored, EVENT_TEXT_FIELDS)
        if texts:
            _audit_published(
                by=by,
                event=stored,
                action=EVENT_CHANGED,
                target=event.name,
                message=(
                    f"{display_name(by)} changed the "
                    + " and ".join(texts)
                    + f" of {stored.name} after publishing"
                    + (f" (now {event.name})." if event.name != stored.name else ".")
                ),
                details={"fields": texts},
            )
    return event


# Travelling groups


@dataclass
class PlannedGroup:
    name: str
    track: str
    region_id: int | None
    department: Department | None
    members: list[Clinician] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)


def _department_label(department: Department) -> str:
    return f"{department.name}, {department.site.name}"


def plan_groups(
    by_department: Sequence[tuple[Department, list[Clinician]]], *, min_size: int, max_size: int
) -> list[PlannedGroup]:
    """Groups from departments, deterministically: a department of at least ``min_size``
    is split evenly into as few groups of at most ``max_size`` as it takes; smaller
    departments of the same track and region are packed together (largest first) up to
    ``max_size``; a pack still below ``min_size`` joins the smallest group of its track and
    region that has room."""
    planned: list[PlannedGroup] = []
    small: dict[tuple[str, int | None], list[tuple[Department, list[Clinician]]]] = defaultdict(
        list
    )
    for department, members in by_department:
        region_id = department.site.region_id
        if len(members) >= min_size:
            parts = math.ceil(len(members) / max_size)
            base, extra = divmod(len(members), parts)
            start = 0
            for index in range(parts):
                size = base + (1 if index < extra else 0)
                label = _department_label(department)
                planned.append(
                    PlannedGroup(
                        name=label if parts == 1 else f"{label} {index + 1}",
                        track=department.track,
                        region_id=region_id,
                        department=department,
                        members=members[start : start + size],
                        departments=[department],
                    )
                )
                start += size
        elif members:
            small[department.track, region_id].append((department, members))

    for key in sorted(small, key=lambda k: (k[0], k[1] or 0)):
        pool = sorted(small[key], key=lambda item: (-len(item[1]), _department_label(item[0])))
        packs: list[PlannedGroup] = []
        for department, members in pool:
            pack = next((p for p in packs if len(p.members) + len(members) <= max_size), None)
            if pack is None:
                pack = PlannedGroup(name="", track=key[0], region_id=key[1], department=None)
                packs.append(pack)
            pack.members.extend(members)
            pack.departments.append(department)
        for pack in packs:
            if len(pack.members) < min_size:
                hosts = [
                    g
                    for g in planned
                    if g.track == pack.track
                    and g.region_id == pack.region_id
                    and len(g.members) + len(pack.members) <= max_size
                ]
                if hosts:
                    host = min(hosts, key=lambda g: (len(g.members), g.name))
                    host.members.extend(pack.members)
                    host.departments.extend(pack.departments)
                    host.name = f"{host.name} + " + " + ".join(
                        _department_label(d) for d in pack.departments
                    )
                    host.department = None
                    continue
            pack.name = " + ".join(_department_label(d) for d in pack.departments)
            if len(pack.departments) == 1:
                pack.department = pack.departments[0]
            planned.append(pack)
    return planned


def _unique_names(planned: list[PlannedGroup]) -> None:
    seen: set[str] = set()
    for group in planned:
        name = group.name[:140]
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name} ({n})", n + 1
        seen.add(candidate)
        group.name = candidate


def _count_words(items: Sequence[int]) -> str:
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class GroupReplacement:
    """What forming the groups again would delete: the event's groups, and what the apps
    above events clear with them (``also``, phrases from ``events.signals.objects_leaving``
    receivers such as "deletes schedule versions 2 and 3, which use them")."""

    groups: int
    also: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.groups or self.also)

    @property
    def token(self) -> str:
        """What the confirmation named, so a change in between is asked about again."""
        return f"{self.groups}:" + "; ".join(self.also)

    @property
    def message(self) -> str:
        """In the organizer's words: "This replaces the 24 groups you have and deletes
        schedule versions 2 and 3, which use them." """
        if not self:
            return ""
        groups = "the group you have" if self.groups == 1 else f"the {self.groups} groups you have"
        text = f"This replaces {groups}"
        if self.also:
            text += " and " + " and ".join(self.also)
        return text + "."


def groups_replaced(*, event: Event) -> GroupReplacement:
    """What ``form_groups`` would delete at ``event``. Reads only (a dry run of
    ``objects_leaving``); raises ``ValidationError`` when something published uses them."""
    groups = list(event.groups.all())
    also = send_objects_leaving(event=event, groups=groups, dry_run=True) if groups else []
    return GroupReplacement(groups=len(groups), also=tuple(also))


def check_groups_may_be_formed(*, event: Event) -> None:
    """Raise ``ValidationError`` when the groups may no longer be formed automatically: once a
    schedule is published, clinicians hold itineraries with the current groups."""
    rules.ensure_editable(
        event=event,
        what="The groups may not be formed again",
        instead="Put latecomers into a group by hand, or mark people a no-show on the check-in "
        "page and re-plan.",
    )


def form_groups(
    *, event: Event, min_size: int, max_size: int, by: AbstractBaseUser | None
) -> list[TravelGroup]:
    """Replace the event's travelling groups with groups formed from its attending
    primary-care clinicians (no-shows left out), by department and track, sized
    ``min_size``..``max_size`` (see ``plan_groups``). What refers to the old groups is
    cleared by the receivers of ``objects_leaving`` (rotations deletes the unpublished
    versions that use them; ``groups_replaced`` says which). One transaction; deterministic.
    Refused once a schedule is published, since the groups are in it (audited)."""
    with (
        audit_refusal(
            by=by,
            target=event.name,
            attempt=f"form the groups of {event.name} again",
            details={"event": event.pk},
        ),
        transaction.atomic(),
    ):
        return _form_groups(event=event, min_size=min_size, max_size=max_size)


def _form_groups(*, event: Event, min_size: int, max_size: int) -> list[TravelGroup]:
    if not 1 <= min_size <= max_size:
        raise ValidationError("The smallest group size must be between 1 and the largest size.")
    check_groups_may_be_formed(event=event)
    clinicians = (
        Clinician.objects.filter(
            role=Clinician.Role.PRIMARY_CARE,
            department__isnull=False,
            attendances__event=event,
        )
        .exclude(attendances__event=event, attendances__status=Attendance.Status.NO_SHOW)
        .select_related("department__site")
        .order_by("last_name", "first_name", "pk")
    )
    by_department: dict[int, tuple[Department, list[Clinician]]] = {}
    for clinician in clinicians:
        by_department.setdefault(clinician.department_id, (clinician.department, []))[1].append(
            clinician
        )
    ordered = sorted(by_department.values(), key=lambda item: (_department_label(item[0]),))
    planned = plan_groups(ordered, min_size=min_size, max_size=max_size)
    _unique_names(planned)

    old_groups = list(event.groups.all())
    if old_groups:
        send_objects_leaving(event=event, groups=old_groups)
    event.groups.all().delete()
    event.group_min_size, event.group_max_size = min_size, max_size
    event.save(update_fields=["group_min_size", "group_max_size", "updated_at"])
    groups = []
    for plan in planned:
        group = TravelGroup.objects.create(
            event=event, name=plan.name, track=plan.track, department=plan.department
        )
        GroupMember.objects.bulk_create(
            GroupMember(event=event, group=group, clinician=clinician) for clinician in plan.members
        )
        groups.append(group)
    return groups


def _eligible_tables(event: Event, track: str) -> int:
    return eligible_table_count(track, event.tables.select_related("specialty"))


def update_group(
    *, group: TravelGroup, name: str, track: str, by: AbstractBaseUser | None
) -> list[str]:
    """Rename a group and set its track (one transaction). Returns the consequences, in
    words: how many tables the group may visit now. Refused once the event's schedule is
    published, since itineraries name the group and its tables follow its track (audited)."""
    stored = TravelGroup.objects.select_related("event").get(pk=group.pk)
    with audit_refusal(
        by=by,
        target=f"group {stored.name} at {stored.event.name}",
        attempt=f"change group {stored.name} of {stored.event.name}",
        details={"event": stored.event_id, "group": group.pk},
    ):
        changed = [f for f, v in (("name", name), ("track", track)) if getattr(stored, f) != v]
        rules.check_change(obj=stored, changed=changed)
    with transaction.atomic():
        return _update_group(group=group, name=name, track=track, old_track=stored.track)


def _update_group(*, group: TravelGroup, name: str, track: str, old_track: str) -> list[str]:
    group.name, group.track = name, track
    group.full_clean(exclude=["event", "department"])
    group.save(update_fields=["name", "track"])
    if track == old_track:
        return []
    event = group.event
    before, after = _eligible_tables(event, old_track), _eligible_tables(event, track)
    label = TRACK_LABELS[track].lower()
    message = (
        f"{group.name} is now {label}: it may visit {after} "
        f"table{'s' if after != 1 else ''} instead of {before}."
    )
    if not after:
        message += " No table serves its patients: add a table or change the track."
    return [message]


@transaction.atomic
def create_group(
    *, event: Event, name: str, track: str, by: AbstractBaseUser | None
) -> TravelGroup:
    """An empty group, to fill by hand, in one transaction. Allowed after publishing (no
    published visit changes), and then recorded in the audit log."""
    group = TravelGroup(event=event, name=name, track=track)
    group.full_clean(exclude=["department"])
    group.save()
    _audit_published(
        by=by,
        event=event,
        action=ADDED_AFTER_PUBLISHING,
        target=group.name,
        message=(
            f"{display_name(by)} added the empty group {group.name} to {event.name} after "
            "publishing: the published schedule is unchanged."
        ),
        details={"group": group.pk},
    )
    return group


def move_member(
    *, event: Event, clinician: Clinician, to_group: TravelGroup, by: AbstractBaseUser | None
) -> list[str]:
    """Put ``clinician`` in ``to_group`` (taking them out of their current group, if any), in
    one transaction. Returns warnings about the sizes that result. Once the event's schedule
    is published only a clinician in no group may be put into one (a latecomer: audited);
    moving someone out of their group is refused (audited)."""
    with (
        audit_refusal(
            by=by,
            target=f"{clinician.full_name} at {event.name}",
            attempt=f"move {clinician.full_name} to group {to_group.name} of {event.name}",
            details={"event": event.pk, "clinician": clinician.pk, "group": to_group.pk},
        ),
        transaction.atomic(),
    ):
        return _move_member(event=event, clinician=clinician, to_group=to_group, by=by)


def _move_member(
    *, event: Event, clinician: Clinician, to_group: TravelGroup, by: AbstractBaseUser | None
) -> list[str]:
    if to_group.event_id != event.pk:
        raise ValidationError("That group is not at this event.")
    if clinician.role != Clinician.Role.PRIMARY_CARE:
        raise ValidationError(f"{clinician.full_name} is not a primary-care clinician.")
    membership = (
        GroupMember.objects.filter(event=event, clinician=clinician).select_related("group").first()
    )
    old_group = membership.group if membership else None
    if old_group is not None and old_group.pk == to_group.pk:
        return []
    if membership is None:
        GroupMember.objects.create(group=to_group, clinician=clinician)
        _audit_published(
            by=by,
            event=event,
            action=ADDED_AFTER_PUBLISHING,
            target=f"group {to_group.name} at {event.name}",
            message=(
                f"{display_name(by)} put {clinician.full_name} into group {to_group.name} of "
                f"{event.name} after publishing: the published schedule is unchanged."
            ),
            details={"group": to_group.pk, "clinician": clinician.pk},
        )
    else:
        rules.check_change(obj=membership, changed=["group"])
        membership.group = to_group
        membership.save(update_fields=["group", "event"])
    warnings = []
    for group in filter(None, [old_group, to_group]):
        size = group.memberships.count()
        if size < event.group_min_size:
            warnings.append(
                f"{group.name} now has {size} member{'s' if size != 1 else ''}, "
                f"below the minimum of {event.group_min_size}."
            )
        elif size > event.group_max_size:
            warnings.append(
                f"{group.name} now has {size} members, above the maximum of {event.group_max_size}."
            )
    if to_group.track != Track.ALL_AGES and clinician.department.track not in (
        to_group.track,
        Track.ALL_AGES,
    ):
        warnings.append(
            f"{clinician.full_name} sees {TRACK_LABELS[clinician.department.track].lower()} "
            f"patients but {to_group.name} follows the {TRACK_LABELS[to_group.track].lower()} "
            "track."
        )
    return warnings


def delete_group(*, group: TravelGroup, by: AbstractBaseUser | None) -> None:
    """Delete a group, in one transaction; its members become ungrouped. Unpublished schedule
    versions drop its visits (``events.signals.objects_leaving``); refused once the event's
    schedule is published, or when a published version uses it. Audited either way."""
    _delete_scheduled(obj=group, action=GROUP_DELETED, by=by)
