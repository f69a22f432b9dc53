"""The itinerary assembler: what clinicians read from a published schedule (itineraries, table
pages, table signs, what changed since the version before).

Only the published version of a schedule is ever read here. Rows are fetched in a few set-wise
queries (``_load_rows``) and put together in Python by one assembler (``_assemble``), for one
clinician's page as for every itinerary of an event: a 2,000-clinician event costs the same
queries as a 20-clinician one.

Who is there in which round is ``rotations.services.adapter.Availability``'s rule: from a
re-planned version's ``replan_from_round`` on, the no-shows are left off tables and groups.
"""

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.cache import cache
from django.utils import timezone

from clinicians.models import Clinician
from events.models import Anchor, Attendance, Event, GroupMember, RoundSlot, Table
from events.queries import round_ranges
from rotations.models import Schedule, Visit
from rotations.services.adapter import Availability


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
    label: str  # Table.__str__: "Table 7 (Neonatology)"


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

    @property
    def when(self) -> str:
        """The round's times as every itinerary shows them, "18:00–18:10" (formatted here
        once, not by two template filters a round on each of a page's two renderings)."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


# The rounds of a group (or table) are kept this long for its other members.
ROUNDS_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Itinerary:
    """A clinician's itinerary, or the reason they have none."""

    TRAVELLER = "traveller"
    ANCHOR = "anchor"
    NO_ROUNDS = "no-rounds"
    UNPUBLISHED = "unpublished"
    # Marked as a no-show (events.models.Attendance.Status.NO_SHOW): no rounds to show.
    ABSENT = "absent"

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
        """How long the rounds are kept for others of the group or table: not at all
        when nobody shares them. A short while, so a corrected name shows soon."""
        return ROUNDS_CACHE_SECONDS if self.shared_id else 0

    @property
    def changed_at(self) -> datetime.datetime | None:
        """When the version that changed this itinerary was published, in local time; None
        when nothing changed since the version before it."""
        if not self.changes or self.schedule is None or self.schedule.published_at is None:
            return None
        return timezone.localtime(self.schedule.published_at)

    @property
    def changes_notice(self) -> str:
        """The one sentence that says what changed and when: "Changed on 10 Dec at 18:32: your
        rounds 4–10 are different from the printed version." Empty when nothing changed."""
        when = self.changed_at
        if when is None:
            return ""
        numbers = [round_.number for round_ in self.rounds if round_.changed]
        if not numbers:
            return ""
        word = "round" if len(numbers) == 1 else "rounds"
        whose = "your " if self.clinician is not None else ""
        return (
            f"Changed on {when:%-d %b} at {when:%H:%M}: {whose}{word} {round_ranges(numbers)} "
            f"{'is' if len(numbers) == 1 else 'are'} different from the printed version."
        )


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


def _full_name(first_name: str, last_name: str) -> str:
    # Clinician.full_name's words, from a row's two columns (no model instance a row).
    return Clinician.full_name.fget(SimpleNamespace(first_name=first_name, last_name=last_name))


def _table_info(table: Table) -> TableInfo:
    return TableInfo(
        id=table.pk,
        number=table.number,
        location=table.location,
        specialty=table.specialty.name,
        label=str(table),
    )


def _table_info_of_row(pk: int, number: int, location: str, specialty: str) -> TableInfo:
    # Table.__str__'s words, from a row's columns.
    label = Table.__str__(SimpleNamespace(number=number, specialty=SimpleNamespace(name=specialty)))
    return TableInfo(id=pk, number=number, location=location, specialty=specialty, label=label)


# Fetching the rows of a published version ----------------------------------------------------
#
# Rows are read as plain values into the small records below, not as model instances: a table's
# page names some 180 people with their sites, which as models (with their groups, departments
# and sites) cost ten times the queries' own time.


@dataclass(frozen=True, slots=True)
class _Group:
    pk: int
    name: str


@dataclass(frozen=True, slots=True)
class _VisitRow:
    schedule_id: int
    round: int
    group: _Group
    table: TableInfo


@dataclass(frozen=True, slots=True)
class _AnchorRow:
    # The anchor's own row only (table, clinician, absent rounds): what Availability reads.
    anchor: Anchor
    person: Person
    table: TableInfo

    @property
    def pk(self) -> int:
        return self.anchor.pk

    @property
    def clinician_id(self) -> int:
        return self.anchor.clinician_id


@dataclass(frozen=True, slots=True)
class _MemberRow:
    group: _Group
    clinician_id: int
    person: Person  # with the sites where they practise


def _visit_rows(schedules: list[Schedule], **filters) -> list[_VisitRow]:
    rows = (
        Visit.objects.filter(schedule__in=schedules, **filters)
        .order_by()
        .values_list(
            "schedule_id",
            "round",
            "group_id",
            "group__name",
            "table_id",
            "table__number",
            "table__location",
            "table__specialty__name",
        )
    )
    groups: dict[int, _Group] = {}
    tables: dict[int, TableInfo] = {}
    visits = []
    for schedule_id, round_, group_id, group_name, table_id, *table in rows:
        group = groups.get(group_id) or groups.setdefault(group_id, _Group(group_id, group_name))
        info = tables.get(table_id) or tables.setdefault(
            table_id, _table_info_of_row(table_id, *table)
        )
        visits.append(_VisitRow(schedule_id=schedule_id, round=round_, group=group, table=info))
    return visits


def _anchor_rows(**filters) -> list[_AnchorRow]:
    """Anchors by table number and name (one query)."""
    rows = (
        Anchor.objects.filter(**filters)
        .order_by("table__number", "clinician__last_name", "clinician__first_name")
        .values_list(
            "pk",
            "table_id",
            "clinician_id",
            "absent_rounds",
            "clinician__first_name",
            "clinician__last_name",
            "clinician__credentials",
            "table__number",
            "table__location",
            "table__specialty__name",
        )
    )
    tables: dict[int, TableInfo] = {}
    anchors = []
    for pk, table_id, clinician_id, absent, first, last, credentials, *table in rows:
        info = tables.get(table_id) or tables.setdefault(
            table_id, _table_info_of_row(table_id, *table)
        )
        anchors.append(
            _AnchorRow(
                anchor=Anchor(
                    pk=pk, table_id=table_id, clinician_id=clinician_id, absent_rounds=absent
                ),
                person=Person(name=_full_name(first, last), credentials=credentials),
                table=info,
            )
        )
    return anchors


def _member_rows(**filters) -> list[_MemberRow]:
    """Group members by name, each with the sites where they practise (by name; else their
    department's site): two queries, one when there is nobody."""
    rows = list(
        GroupMember.objects.filter(**filters).values_list(
            "group_id",
            "group__name",
            "clinician_id",
            "clinician__first_name",
            "clinician__last_name",
            "clinician__credentials",
            "clinician__department__site__name",
        )
    )
    if not rows:
        return []
    sites: dict[int, list[str]] = defaultdict(list)
    for clinician_id, site in (
        Clinician.sites.through.objects.filter(clinician_id__in={row[2] for row in rows})
        .order_by("site__name")
        .values_list("clinician_id", "site__name")
    ):
        sites[clinician_id].append(site)
    groups: dict[int, _Group] = {}
    members = []
    for group_id, group_name, clinician_id, first, last, credentials, home in rows:
        group = groups.get(group_id) or groups.setdefault(group_id, _Group(group_id, group_name))
        names = sites.get(clinician_id) or ([home] if home else [])
        person = Person(
            name=_full_name(first, last), credentials=credentials, sites=", ".join(names)
        )
        members.append(_MemberRow(group=group, clinician_id=clinician_id, person=person))
    return members


@dataclass(frozen=True)
class _Version:
    """The published version an itinerary is read from, the one before it, the timetable and
    who is there when (``Availability`` of the version: its re-plan's no-shows)."""

    event: Event
    schedule: Schedule
    previous: Schedule | None
    slots: list[RoundSlot]
    availability: Availability

    @property
    def schedules(self) -> list[Schedule]:
        return [s for s in (self.schedule, self.previous) if s is not None]


def _load_version(*, event: Event, published: tuple[Schedule, Schedule | None]) -> _Version:
    """No query, or two for a version re-planned on the day (its no-shows)."""
    schedule, previous = published
    return _Version(
        event=event,
        schedule=schedule,
        previous=previous,
        slots=event.timetable(),
        availability=Availability.load(event=event, replan_from_round=schedule.replan_from_round),
    )


@dataclass(frozen=True)
class _Rows:
    """Visits of the version (and the one before), anchors of their tables and members of
    their groups, indexed for the assembler."""

    visits_by_group: dict[int, list[_VisitRow]]
    visits_by_table: dict[int, list[_VisitRow]]
    anchors_by_table: dict[int, list[_AnchorRow]]
    members_by_group: dict[int, list[_MemberRow]]


def _load_rows(
    *,
    version: _Version,
    group_id: int | None = None,
    table_id: int | None = None,
) -> _Rows:
    """The rows for every itinerary of the event (no ``group_id`` nor ``table_id``: four
    queries), for one group's rounds (the anchors of the tables it visits, two queries) or for
    one table's rounds (the members of the groups that come, three queries)."""
    if group_id is not None:
        visits = _visit_rows(version.schedules, group_id=group_id)
        anchors = _anchor_rows(table_id__in={visit.table.id for visit in visits})
        members: list[_MemberRow] = []  # a traveller's rounds name the anchors only
    elif table_id is not None:
        visits = _visit_rows(version.schedules, table_id=table_id)
        anchors = []  # a table's rounds name the groups' members only
        members = _member_rows(group_id__in={visit.group.pk for visit in visits})
    else:
        visits = _visit_rows(version.schedules)
        anchors = _anchor_rows(event=version.event)
        members = _member_rows(event=version.event)
    rows = _Rows(defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list))
    for visit in visits:
        rows.visits_by_group[visit.group.pk].append(visit)
        rows.visits_by_table[visit.table.id].append(visit)
    for anchor in anchors:
        rows.anchors_by_table[anchor.table.id].append(anchor)
    for member in members:
        rows.members_by_group[member.group.pk].append(member)
    return rows


def _by_round(visits: list[_VisitRow], schedule: Schedule | None, attribute: str, *, many: bool):
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


# The assembler --------------------------------------------------------------------------------

Rounds = tuple[tuple[ItineraryRound, ...], tuple[str, ...]]


def _traveller_rounds(*, version: _Version, rows: _Rows, group_id: int) -> Rounds:
    """A group's rounds: the table of each round and its anchors there in that round."""
    visits = rows.visits_by_group.get(group_id, [])
    tables_now = _by_round(visits, version.schedule, "table", many=False)
    tables_before = _by_round(visits, version.previous, "table", many=False)
    availability = version.availability
    rounds, changes = [], []
    for slot in version.slots:
        table = tables_now.get(slot.number)
        changed = False
        if tables_before is not None:
            before = tables_before.get(slot.number)
            changed = (before.id if before else None) != (table.id if table else None)
        anchors = ()
        if table is not None:
            anchors = tuple(
                anchor.person
                for anchor in rows.anchors_by_table.get(table.id, [])
                if slot.number in availability.anchor_rounds(anchor.anchor)
            )
        rounds.append(
            ItineraryRound(
                number=slot.number,
                start=slot.start,
                end=slot.end,
                table=table,
                anchors=anchors,
                changed=changed,
            )
        )
        if changed:
            now = table.label if table else "a break"
            changes.append(f"round {slot.number} is now {now}")
    return tuple(rounds), tuple(changes)


def _table_rounds(
    *,
    version: _Version,
    rows: _Rows,
    table_id: int,
    anchor: _AnchorRow | None = None,
    compare: bool = True,
) -> Rounds:
    """A table's rounds: the groups that come and who of them is there in that round. Seen by
    ``anchor``, the rounds they are not at the table are marked away."""
    visits = rows.visits_by_table.get(table_id, [])
    groups_now = _by_round(visits, version.schedule, "group", many=True)
    groups_before = _by_round(visits, version.previous, "group", many=True) if compare else None
    availability = version.availability
    here = availability.anchor_rounds(anchor.anchor) if anchor is not None else None
    rounds, changes = [], []
    for slot in version.slots:
        groups = sorted(groups_now.get(slot.number, []), key=lambda group: group.name)
        changed = False
        if groups_before is not None:
            before = {group.pk for group in groups_before.get(slot.number, [])}
            changed = before != {group.pk for group in groups}
        away = here is not None and slot.number not in here
        visits_now = ()
        if not away:
            visits_now = tuple(
                GroupVisit(
                    name=group.name,
                    members=tuple(
                        member.person
                        for member in rows.members_by_group.get(group.pk, [])
                        if availability.present(member.clinician_id, slot.number)
                    ),
                )
                for group in groups
            )
        rounds.append(
            ItineraryRound(
                number=slot.number,
                start=slot.start,
                end=slot.end,
                groups=visits_now,
                away=away,
                changed=changed and not away,
            )
        )
        if changed and not away:
            names = " and ".join(group.name for group in groups)
            now = f"brings {names}" if groups else "is now a break"
            changes.append(f"round {slot.number} {now}")
    return tuple(rounds), tuple(changes)


def _hosts(version: _Version, anchors: list[_AnchorRow], *, besides: _AnchorRow | None = None):
    """The anchors named at the top of a table's page or an anchor's itinerary: those who came
    (a no-show of a re-planned version is not named)."""
    gone = version.availability.gone
    return tuple(
        anchor.person
        for anchor in anchors
        if anchor.clinician_id not in gone and (besides is None or anchor.pk != besides.pk)
    )


def _assemble(
    *,
    attendance: Attendance,
    version: _Version,
    group: _Group | None,
    anchoring: _AnchorRow | None,
    table_anchors: Callable[[], list[_AnchorRow]],
    rows: Callable[..., _Rows],
    shared: bool,
) -> Itinerary:
    """The one place that decides what a clinician's itinerary is, for a page and for print.

    ``group`` is the group the clinician travels in, ``anchoring`` their place as an anchor.
    ``rows(group_id=..., table_id=...)`` gives the rows for the rounds (fetched for just them
    on a page, for the whole event when printing); ``table_anchors()`` the anchors of the
    anchor's table. ``shared``: the rounds are kept for a while for others of the group (or at
    the table), who open their links within minutes of each other."""
    base = {
        "event": version.event,
        "clinician": attendance.clinician,
        "attendance": attendance,
        "schedule": version.schedule,
        "previous": version.previous,
    }
    if attendance.status == Attendance.Status.NO_SHOW:
        return Itinerary(kind=Itinerary.ABSENT, **base)
    if group is not None:
        group_id = group.pk
        itinerary = Itinerary(
            kind=Itinerary.TRAVELLER,
            group_name=group.name,
            shared_id=f"g{group_id}",
            **base,
        )

        def build() -> Rounds:
            return _traveller_rounds(
                version=version, rows=rows(group_id=group_id), group_id=group_id
            )

    elif anchoring is not None:
        table = anchoring.table
        here = sorted(version.availability.anchor_rounds(anchoring.anchor))
        itinerary = Itinerary(
            kind=Itinerary.ANCHOR,
            table=table,
            anchors=_hosts(version, table_anchors(), besides=anchoring),
            shared_id=f"t{table.id}-{'.'.join(map(str, here))}",
            **base,
        )

        def build() -> Rounds:
            return _table_rounds(
                version=version, rows=rows(table_id=table.id), table_id=table.id, anchor=anchoring
            )

    else:
        return Itinerary(kind=Itinerary.NO_ROUNDS, **base)
    if shared:
        return _with_shared_rounds(itinerary, build)
    rounds, changes = build()
    return dataclasses.replace(itinerary, rounds=rounds, changes=changes)


def _with_shared_rounds(itinerary: Itinerary, build: Callable[[], Rounds]) -> Itinerary:
    """``itinerary`` with its rounds and changes, built once for everyone of its group (or at
    its table) and kept a while (``Itinerary.rounds_cache_key``)."""
    key = f"itinerary-rounds:{itinerary.rounds_cache_key}"
    rounds, changes = cache.get_or_set(key, build, itinerary.rounds_cache_seconds)
    return dataclasses.replace(itinerary, rounds=rounds, changes=changes)


# Itineraries ----------------------------------------------------------------------------------


# get_itinerary's ``membership`` when the caller has not read it.
MEMBERSHIP_UNREAD = (0, "")


def get_itinerary(
    *,
    attendance: Attendance,
    published: tuple[Schedule | None, Schedule | None] | None = None,
    membership: tuple[int, str] | None = MEMBERSHIP_UNREAD,
) -> Itinerary:
    """A clinician's itinerary at one event, from the published schedule, with what changed since
    the version published before it. A fixed number of queries whatever the size of the event
    (four for a traveller, six for an anchor, two more for a re-planned version; fewer when
    the group's rounds are cached); the attendance should come with `event` and `clinician`
    selected. ``published`` is ``get_published_schedules``' answer and ``membership`` the id and
    name of the group the clinician travels in (None: none) when the caller has them (a
    personal link has both: one query less each)."""
    event = attendance.event
    schedule, previous = published or get_published_schedules(event=event)
    if schedule is None:
        return Itinerary(
            kind=Itinerary.UNPUBLISHED,
            event=event,
            clinician=attendance.clinician,
            attendance=attendance,
        )
    version = _load_version(event=event, published=(schedule, previous))
    group = anchoring = None
    table_anchors: list[_AnchorRow] = []
    if attendance.status != Attendance.Status.NO_SHOW:
        if membership is MEMBERSHIP_UNREAD:
            # One membership an event and clinician: no ordering.
            rows = (
                GroupMember.objects.filter(event=event, clinician_id=attendance.clinician_id)
                .order_by()
                .values_list("group_id", "group__name")[:1]
            )
            membership = next(iter(rows), None)
        group = _Group(*membership) if membership is not None else None
        if group is None:
            # The anchors of the table the clinician anchors at, them among them (one query).
            table_anchors = _anchor_rows(
                event=event, table__anchors__clinician_id=attendance.clinician_id
            )
            anchoring = next(
                (row for row in table_anchors if row.clinician_id == attendance.clinician_id),
                None,
            )
    return _assemble(
        attendance=attendance,
        version=version,
        group=group,
        anchoring=anchoring,
        table_anchors=lambda: table_anchors,
        rows=lambda **which: _load_rows(version=version, **which),
        shared=True,
    )


def get_event_itineraries(
    *, event: Event, clinician_ids: Iterable[int] | None = None
) -> list[Itinerary]:
    """Every attendee's itinerary at an event (or only those of ``clinician_ids``), in
    attendance order (last name), for printing. A fixed number of queries (seven, two more for
    a re-planned version) whatever the size of the event. Empty when the schedule is not
    published."""
    schedule, previous = get_published_schedules(event=event)
    if schedule is None:
        return []
    version = _load_version(event=event, published=(schedule, previous))
    attendances = (
        Attendance.objects.filter(event=event)
        .select_related("clinician")
        .order_by("clinician__last_name", "clinician__first_name", "pk")
    )
    if clinician_ids is not None:
        attendances = attendances.filter(clinician_id__in=list(clinician_ids))
    attendances = list(attendances)
    if not attendances:
        return []
    rows = _load_rows(version=version)
    groups = {
        member.clinician_id: member.group
        for members in rows.members_by_group.values()
        for member in members
    }
    anchorings = {
        anchor.clinician_id: anchor
        for anchors in rows.anchors_by_table.values()
        for anchor in anchors
    }
    itineraries = []
    for attendance in attendances:
        attendance.event = event
        anchoring = anchorings.get(attendance.clinician_id)
        itineraries.append(
            _assemble(
                attendance=attendance,
                version=version,
                group=groups.get(attendance.clinician_id),
                anchoring=anchoring,
                table_anchors=lambda a=anchoring: rows.anchors_by_table[a.table.id],
                rows=lambda **which: rows,
                shared=False,
            )
        )
    return itineraries


def get_table_itinerary(*, table: Table) -> Itinerary:
    """A table's rounds in the published schedule: the groups that come and who is in them, for
    the page its sign's QR code opens. A fixed number of queries (five, two more for a
    re-planned version); `table` should come with `event` and `specialty` selected."""
    event = table.event
    schedule, previous = get_published_schedules(event=event)
    if schedule is None:
        return Itinerary(kind=Itinerary.UNPUBLISHED, event=event)
    version = _load_version(event=event, published=(schedule, previous))
    rows = _load_rows(version=version, table_id=table.pk)
    rounds, changes = _table_rounds(version=version, rows=rows, table_id=table.pk)
    hosts = _anchor_rows(table=table)
    return Itinerary(
        kind=Itinerary.ANCHOR,
        event=event,
        schedule=schedule,
        previous=previous,
        table=_table_info(table),
        anchors=_hosts(version, hosts),
        rounds=rounds,
        changes=changes,
    )


def get_table_signs(*, event: Event) -> list[Itinerary]:
    """Every table's rounds in the published schedule, in table order, for the table signs.
    A fixed number of queries (seven, two more for a re-planned version) whatever the size of
    the event."""
    schedule, previous = get_published_schedules(event=event)
    if schedule is None:
        return []
    version = _load_version(event=event, published=(schedule, previous))
    tables = list(Table.objects.filter(event=event).select_related("specialty").order_by("number"))
    rows = _load_rows(version=version)
    signs = []
    for table in tables:
        table.event = event
        rounds, _ = _table_rounds(version=version, rows=rows, table_id=table.pk, compare=False)
        signs.append(
            Itinerary(
                kind=Itinerary.ANCHOR,
                event=event,
                schedule=schedule,
                table=_table_info(table),
                anchors=_hosts(version, rows.anchors_by_table[table.pk]),
                rounds=rounds,
            )
        )
    return signs
