"""Writes to the travelling groups: forming them from the departments, and editing them by hand."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import display_name
from clinicians.models import Clinician, Department, Track

from .. import rules
from ..models import Attendance, Event, GroupMember, TravelGroup
from ..queries import TRACK_LABELS, eligible_table_count
from ..signals import send_objects_leaving
from .common import (
    ADDED_AFTER_PUBLISHING,
    GROUP_DELETED,
    audit_published,
    audit_refusal,
    delete_scheduled,
)


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
    audit_published(
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
        audit_published(
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
    delete_scheduled(obj=group, action=GROUP_DELETED, by=by)
