"""What clinicians read from a published schedule: itineraries, table pages, what changed.

Only the published version of a schedule is ever read here. Each builder runs a fixed number of
queries whatever the size of the event: rows are fetched in a few set-wise queries and put
together in Python, so a 2,000-clinician event costs the same queries as a 20-clinician one.

The one write, `reissue_link`, sits here beside the reads of the link it replaces.
"""

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from accounts.services import display_name, record_audit
from clinicians.models import Clinician, Site
from events.models import Anchor, Attendance, Event, GroupMember, RoundSlot, Table, new_link_token

from .models import Schedule, Visit

TABLE_TOKEN_SALT = "rounds.itineraries.table"
LINK_REISSUED = "link.reissued"


@dataclass(frozen=True)
class Person:
    name: str
    credentials: str
    sites: str = ""


@dataclass(frozen=True)
class TableInfo:
    id: int
    number: int
    location: str
    specialty: str

    @property
    def label(self) -> str:
        return f"Table {self.number} ({self.specialty})"


@dataclass(frozen=True)
class GroupVisit:
    name: str
    members: tuple[Person, ...]


@dataclass(frozen=True)
class ItineraryRound:
    """One round of an itinerary. A traveller's round has a table and its anchors; a table's
    (or an anchor's) round has the groups that come. No table and no group is a break."""

    number: int
    start: datetime.time
    end: datetime.time
    table: TableInfo | None = None
    anchors: tuple[Person, ...] = ()
    groups: tuple[GroupVisit, ...] = ()
    away: bool = False
    changed: bool = False

    @property
    def is_break(self) -> bool:
        return self.table is None and not self.groups


# The rendered rounds of a group (or table) are kept this long for its other members.
ROUNDS_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Itinerary:
    """A clinician's itinerary, or the reason they have none."""

    TRAVELLER = "traveller"
    ANCHOR = "anchor"
    NO_ROUNDS = "no-rounds"
    UNPUBLISHED = "unpublished"

    kind: str
    event: Event
    clinician: Clinician | None = None
    attendance: Attendance | None = None
    schedule: Schedule | None = None
    previous: Schedule | None = None
    group_name: str = ""
    table: TableInfo | None = None
    anchors: tuple[Person, ...] = ()
    rounds: tuple[ItineraryRound, ...] = ()
    changes: tuple[str, ...] = field(default=())
    # Whose rounds these are, when others share them: "g<group>" for everyone travelling in
    # a group, "t<table>-<absent rounds>" for a table and its anchors. Empty: not shared.
    shared_id: str = ""

    @property
    def html_id(self) -> str:
        """An id for the itinerary's heading, unique in a document of many itineraries."""
        if self.attendance is not None:
            return f"it-{self.attendance.pk}"
        return f"it-table-{self.table.id}" if self.table else "it"

    @property
    def rounds_cache_key(self) -> str:
        """What the rounds part of the page depends on: the published version, the one before
        it (for what changed) and whose rounds they are. Published versions never change."""
        schedule = self.schedule.pk if self.schedule else 0
        previous = self.previous.pk if self.previous else 0
        return f"{self.kind}-{self.shared_id}-{schedule}-{previous}"

    @property
    def rounds_cache_seconds(self) -> int:
        """How long the rendered rounds are kept for others of the group or table: not at all
        when nobody shares them. A short while, so a corrected name shows soon."""
        return ROUNDS_CACHE_SECONDS if self.shared_id else 0

    @property
    def changes_since(self) -> str:
        """When the version this one replaced was published, in the event's local time."""
        if self.previous is None or self.schedule is None:
            return ""
        before = timezone.localtime(self.previous.published_at)
        now = timezone.localtime(self.schedule.published_at)
        if before.date() == now.date():
            return f"{before:%H:%M}"
        return f"{before:%-d %b %H:%M}"


# Reading the published versions ---------------------------------------------------------------


def version_key(published: tuple[Schedule | None, Schedule | None]) -> str:
    """The published version and the one before it as a short cache-key word ("12-9"); a
    published version never changes, so this names what an itinerary shows."""
    schedule, previous = published
    return f"{schedule.pk if schedule else 0}-{previous.pk if previous else 0}"


def get_published_schedules(*, event: Event) -> tuple[Schedule | None, Schedule | None]:
    """The published version of an event's schedule and the one published before it (one query).

    The previous version is the latest other version that was ever published: publishing keeps
    `published_at` on the version it unpublishes."""
    versions = list(
        Schedule.objects.filter(event=event, published_at__isnull=False).order_by(
            "-is_published", "-published_at", "-pk"
        )[:2]
    )
    if not versions or not versions[0].is_published:
        return None, None
    return versions[0], versions[1] if len(versions) > 1 else None


def _person(clinician: Clinician, *, with_sites: bool = False) -> Person:
    sites = ""
    if with_sites:
        names = [site.name for site in clinician.sites.all()]
        if not names and clinician.department_id:
            names = [clinician.department.site.name]
        sites = ", ".join(names)
    return Person(name=clinician.full_name, credentials=clinician.credentials, sites=sites)


def _table_info(table: Table) -> TableInfo:
    return TableInfo(
        id=table.pk, number=table.number, location=table.location, specialty=table.specialty.name
    )


def _members_queryset():
    return GroupMember.objects.select_related(
        "group", "clinician__department__site"
    ).prefetch_related(Prefetch("clinician__sites", queryset=Site.objects.order_by("name")))


def _anchors_queryset():
    return Anchor.objects.select_related("clinician", "table__specialty").order_by(
        "table__number", "clinician__last_name", "clinician__first_name"
    )


def _round_list(value: list) -> str:
    return ", ".join(str(number) for number in value)


# Putting an itinerary together from fetched rows ----------------------------------------------


def _traveller_rounds(
    *,
    slots: list[RoundSlot],
    tables_now: dict[int, Table],
    tables_before: dict[int, Table] | None,
    anchors_by_table: dict[int, list[Anchor]],
) -> tuple[tuple[ItineraryRound, ...], tuple[str, ...]]:
    rounds, changes = [], []
    for slot in slots:
        table = tables_now.get(slot.number)
        changed = False
        if tables_before is not None:
            before = tables_before.get(slot.number)
            changed = (before.pk if before else None) != (table.pk if table else None)
        info = _table_info(table) if table else None
        anchors = ()
        if table is not None:
            anchors = tuple(
                _person(anchor.clinician)
                for anchor in anchors_by_table.get(table.pk, [])
                if slot.number not in anchor.absent_rounds
            )
        rounds.append(
            ItineraryRound(
                number=slot.number,
                start=slot.start,
                end=slot.end,
                table=info,
                anchors=anchors,
                changed=changed,
            )
        )
        if changed:
            now = info.label if info else "a break"
            changes.append(f"round {slot.number} is now {now}")
    return tuple(rounds), tuple(changes)


def _table_rounds(
    *,
    slots: list[RoundSlot],
    groups_now: dict[int, list],
    groups_before: dict[int, list] | None,
    members_by_group: dict[int, list[GroupMember]],
    absent_rounds: list[int] = (),
) -> tuple[tuple[ItineraryRound, ...], tuple[str, ...]]:
    rounds, changes = [], []
    for slot in slots:
        groups = sorted(groups_now.get(slot.number, []), key=lambda group: group.name)
        changed = False
        if groups_before is not None:
            before = {group.pk for group in groups_before.get(slot.number, [])}
            changed = before != {group.pk for group in groups}
        away = slot.number in absent_rounds
        visits = ()
        if not away:
            visits = tuple(
                GroupVisit(
                    name=group.name,
                    members=tuple(
                        _person(member.clinician, with_sites=True)
                        for member in members_by_group.get(group.pk, [])
                    ),
                )
                for group in groups
            )
        rounds.append(
            ItineraryRound(
                number=slot.number,
                start=slot.start,
                end=slot.end,
                groups=visits,
                away=away,
                changed=changed and not away,
            )
        )
        if changed and not away:
            names = " and ".join(group.name for group in groups)
            now = f"brings {names}" if groups else "is now a break"
            changes.append(f"round {slot.number} {now}")
    return tuple(rounds), tuple(changes)


def _by_round(visits, schedule: Schedule | None, attribute: str, *, many: bool) -> dict | None:
    if schedule is None:
        return None
    result: dict = defaultdict(list) if many else {}
    for visit in visits:
        if visit.schedule_id != schedule.pk:
            continue
        if many:
            result[visit.round].append(getattr(visit, attribute))
        else:
            result[visit.round] = getattr(visit, attribute)
    return result


# Itineraries ----------------------------------------------------------------------------------


def get_itinerary(
    *,
    attendance: Attendance,
    published: tuple[Schedule | None, Schedule | None] | None = None,
) -> Itinerary:
    """A clinician's itinerary at one event, from the published schedule, with what changed since
    the version published before it. Up to seven queries, whatever the size of the event (fewer
    when the group's rounds are cached); the attendance should come with `event` and
    `clinician` selected. ``published`` is ``get_published_schedules``' answer when the caller
    has it already."""
    event = attendance.event
    base = {"event": event, "clinician": attendance.clinician, "attendance": attendance}
    schedule, previous = published or get_published_schedules(event=event)
    if schedule is None:
        return Itinerary(kind=Itinerary.UNPUBLISHED, **base)
    base.update(schedule=schedule, previous=previous)
    schedules = [s for s in (schedule, previous) if s is not None]
    slots = event.timetable()

    membership = (
        GroupMember.objects.select_related("group")
        .filter(event=event, clinician_id=attendance.clinician_id)
        .first()
    )
    if membership is not None:

        def group_rounds():
            visits = list(
                Visit.objects.filter(schedule__in=schedules, group_id=membership.group_id)
                .select_related("table__specialty")
                .order_by("round")
            )
            tables_now = _by_round(visits, schedule, "table", many=False)
            anchors_by_table = defaultdict(list)
            for anchor in _anchors_queryset().filter(
                table_id__in={table.pk for table in tables_now.values()}
            ):
                anchors_by_table[anchor.table_id].append(anchor)
            return _traveller_rounds(
                slots=slots,
                tables_now=tables_now,
                tables_before=_by_round(visits, previous, "table", many=False),
                anchors_by_table=anchors_by_table,
            )

        itinerary = Itinerary(
            kind=Itinerary.TRAVELLER,
            group_name=membership.group.name,
            shared_id=f"g{membership.group_id}",
            **base,
        )
        return _with_shared_rounds(itinerary, group_rounds)

    anchoring = (
        _anchors_queryset().filter(event=event, clinician_id=attendance.clinician_id).first()
    )
    if anchoring is None:
        return Itinerary(kind=Itinerary.NO_ROUNDS, **base)
    table = anchoring.table
    colleagues = list(_anchors_queryset().filter(table=table).exclude(pk=anchoring.pk))
    itinerary = Itinerary(
        kind=Itinerary.ANCHOR,
        table=_table_info(table),
        anchors=tuple(_person(anchor.clinician) for anchor in colleagues),
        shared_id=f"t{table.pk}-{'.'.join(map(str, sorted(anchoring.absent_rounds)))}",
        **base,
    )
    return _with_shared_rounds(
        itinerary,
        lambda: _table_rounds_for(
            table=table,
            schedules=schedules,
            schedule=schedule,
            previous=previous,
            slots=slots,
            absent_rounds=anchoring.absent_rounds,
        ),
    )


def _with_shared_rounds(
    itinerary: Itinerary,
    build: Callable[[], tuple[tuple[ItineraryRound, ...], tuple[str, ...]]],
) -> Itinerary:
    """``itinerary`` with its rounds and changes, built once for everyone of its group (or at
    its table) and kept with the rendered rounds (``Itinerary.rounds_cache_key``): at the start
    of an event, the group's members open their links within minutes of each other."""
    key = f"itinerary-rounds:{itinerary.rounds_cache_key}"
    rounds, changes = cache.get_or_set(key, build, itinerary.rounds_cache_seconds)
    return dataclasses.replace(itinerary, rounds=rounds, changes=changes)


def _table_rounds_for(*, table, schedules, schedule, previous, slots, absent_rounds=()):
    visits = list(
        Visit.objects.filter(schedule__in=schedules, table=table)
        .select_related("group")
        .order_by("round")
    )
    groups_now = _by_round(visits, schedule, "group", many=True)
    members_by_group = defaultdict(list)
    group_ids = {group.pk for groups in groups_now.values() for group in groups}
    for member in _members_queryset().filter(group_id__in=group_ids):
        members_by_group[member.group_id].append(member)
    return _table_rounds(
        slots=slots,
        groups_now=groups_now,
        groups_before=_by_round(visits, previous, "group", many=True),
        members_by_group=members_by_group,
        absent_rounds=absent_rounds,
    )


def get_table_itinerary(*, table: Table) -> Itinerary:
    """A table's rounds in the published schedule: the groups that come and who is in them, for
    the page its sign's QR code opens. Up to five queries; `table` should come with `event` and
    `specialty` selected."""
    event = table.event
    schedule, previous = get_published_schedules(event=event)
    if schedule is None:
        return Itinerary(kind=Itinerary.UNPUBLISHED, event=event)
    anchors = list(_anchors_queryset().filter(table=table))
    rounds, changes = _table_rounds_for(
        table=table,
        schedules=[s for s in (schedule, previous) if s is not None],
        schedule=schedule,
        previous=previous,
        slots=event.timetable(),
    )
    return Itinerary(
        kind=Itinerary.ANCHOR,
        event=event,
        schedule=schedule,
        previous=previous,
        table=_table_info(table),
        anchors=tuple(_person(anchor.clinician) for anchor in anchors),
        rounds=rounds,
        changes=changes,
    )


def get_event_itineraries(*, event: Event) -> list[Itinerary]:
    """Every attendee's itinerary at an event, in attendance order (last name), for printing.
    A fixed number of queries (six) whatever the size of the event. Empty when the schedule is
    not published."""
    schedule, previous = get_published_schedules(event=event)
    if schedule is None:
        return []
    schedules = [s for s in (schedule, previous) if s is not None]
    slots = event.timetable()
    attendances = list(
        Attendance.objects.filter(event=event)
        .select_related("clinician")
        .order_by("clinician__last_name", "clinician__first_name", "pk")
    )
    memberships = {}
    members_by_group = defaultdict(list)
    for member in _members_queryset().filter(event=event):
        memberships[member.clinician_id] = member
        members_by_group[member.group_id].append(member)
    anchorings = {}
    anchors_by_table = defaultdict(list)
    for anchor in _anchors_queryset().filter(event=event):
        anchorings[anchor.clinician_id] = anchor
        anchors_by_table[anchor.table_id].append(anchor)
    visits = list(
        Visit.objects.filter(schedule__in=schedules).select_related("table__specialty", "group")
    )
    by_group: dict = defaultdict(list)
    by_table: dict = defaultdict(list)
    for visit in visits:
        by_group[visit.group_id].append(visit)
        by_table[visit.table_id].append(visit)

    itineraries = []
    for attendance in attendances:
        attendance.event = event
        base = {
            "event": event,
            "clinician": attendance.clinician,
            "attendance": attendance,
            "schedule": schedule,
            "previous": previous,
        }
        membership = memberships.get(attendance.clinician_id)
        anchoring = anchorings.get(attendance.clinician_id)
        if membership is not None:
            group_visits = by_group.get(membership.group_id, [])
            rounds, changes = _traveller_rounds(
                slots=slots,
                tables_now=_by_round(group_visits, schedule, "table", many=False),
                tables_before=_by_round(group_visits, previous, "table", many=False),
                anchors_by_table=anchors_by_table,
            )
            itinerary = Itinerary(
                kind=Itinerary.TRAVELLER,
                group_name=membership.group.name,
                rounds=rounds,
                changes=changes,
                **base,
            )
        elif anchoring is not None:
            table_visits = by_table.get(anchoring.table_id, [])
            rounds, changes = _table_rounds(
                slots=slots,
                groups_now=_by_round(table_visits, schedule, "group", many=True),
                groups_before=_by_round(table_visits, previous, "group", many=True),
                members_by_group=members_by_group,
                absent_rounds=anchoring.absent_rounds,
            )
            itinerary = Itinerary(
                kind=Itinerary.ANCHOR,
                table=_table_info(anchoring.table),
                anchors=tuple(
                    _person(anchor.clinician)
                    for anchor in anchors_by_table[anchoring.table_id]
                    if anchor.pk != anchoring.pk
                ),
                rounds=rounds,
                changes=changes,
                **base,
            )
        else:
            itinerary = Itinerary(kind=Itinerary.NO_ROUNDS, **base)
        itineraries.append(itinerary)
    return itineraries


def get_table_signs(*, event: Event) -> list[Itinerary]:
    """Every table's rounds in the published schedule, in table order, for the table signs.
    A fixed number of queries (six) whatever the size of the event."""
    schedule, _ = get_published_schedules(event=event)
    if schedule is None:
        return []
    slots = event.timetable()
    tables = list(Table.objects.filter(event=event).select_related("specialty").order_by("number"))
    anchors_by_table = defaultdict(list)
    for anchor in _anchors_queryset().filter(event=event):
        anchors_by_table[anchor.table_id].append(anchor)
    members_by_group = defaultdict(list)
    for member in _members_queryset().filter(event=event):
        members_by_group[member.group_id].append(member)
    by_table: dict = defaultdict(list)
    for visit in Visit.objects.filter(schedule=schedule).select_related("group"):
        by_table[visit.table_id].append(visit)
    signs = []
    for table in tables:
        table.event = event
        rounds, _ = _table_rounds(
            slots=slots,
            groups_now=_by_round(by_table.get(table.pk, []), schedule, "group", many=True),
            groups_before=None,
            members_by_group=members_by_group,
        )
        signs.append(
            Itinerary(
                kind=Itinerary.ANCHOR,
                event=event,
                schedule=schedule,
                table=_table_info(table),
                anchors=tuple(_person(anchor.clinician) for anchor in anchors_by_table[table.pk]),
                rounds=rounds,
            )
        )
    return signs


# Links ----------------------------------------------------------------------------------------


def itinerary_path(*, attendance: Attendance) -> str:
    return reverse("itineraries:detail", kwargs={"token": attendance.link_token})


def table_token(*, event_id: int, table_id: int) -> str:
    """An unguessable, stable token for a table's page: the event and table ids, signed."""
    return signing.dumps([event_id, table_id], salt=TABLE_TOKEN_SALT, compress=True)


def table_path(*, event_id: int, table_id: int) -> str:
    token = table_token(event_id=event_id, table_id=table_id)
    return reverse("itineraries:table", kwargs={"token": token})


def get_table_for_token(*, token: str) -> Table | None:
    """The table a signed token names, or None when the token is tampered with or stale."""
    try:
        event_id, table_id = signing.loads(token, salt=TABLE_TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Table.objects.select_related("event", "specialty")
        .filter(pk=table_id, event_id=event_id)
        .first()
    )


def reissue_link(*, attendance: Attendance, by: AbstractBaseUser | None) -> Attendance:
    """Give the attendance a new personal link token; the old link stops working at once (it
    is a 404 like any unknown token). Records the reissue in the audit log, in one transaction."""
    with transaction.atomic():
        attendance.link_token = new_link_token()
        attendance.link_issued_at = timezone.now()
        attendance.save(update_fields=["link_token", "link_issued_at"])
        record_audit(
            actor=by,
            action=LINK_REISSUED,
            target=str(attendance),
            message=f"{display_name(by)} reissued the personal link of {attendance.clinician} "
            f"for {attendance.event.name}; the old link stopped working.",
            details={"event": attendance.event_id, "attendance": attendance.pk},
        )
    return attendance
