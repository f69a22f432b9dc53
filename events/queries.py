"""Reads used by more than one page: counts, track eligibility and the state of each step of
building an event."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import mark_safe

# track_allows: the one app-side track rule, imported here for the pages that use it.
from clinicians.models import Clinician, Track, track_allows

from .models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup

TRACK_LABELS = dict(Track.choices)


def table_label(table: Table) -> str:
    """How the organizer names a table mid-sentence: "table 7 (Neonatology)" (``Table.__str__``,
    "Table 7 (Neonatology)", with a small t)."""
    label = str(table)
    return label[:1].lower() + label[1:]


def round_ranges(numbers: Iterable[int]) -> str:
    """Round numbers as short ranges: [1, 2, 3, 5, 7, 8] -> "1–3, 5, 7–8"; "" for none."""
    ordered = sorted(set(numbers))
    if not ordered:
        return ""
    parts: list[str] = []
    start = previous = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)


def clinician_track(clinician: Clinician) -> str | None:
    """The patients a clinician sees: their department's track (primary care) or their
    specialty's (specialists); None for leaders."""
    if clinician.role == Clinician.Role.PRIMARY_CARE and clinician.department_id:
        return clinician.department.track
    if clinician.role == Clinician.Role.SPECIALIST and clinician.specialty_id:
        return clinician.specialty.track
    return None


def _count(model, field_name: str, **filters) -> Coalesce:
    """A correlated COUNT subquery: one query for the whole list, no row multiplication."""
    rows = (
        model.objects.filter(**{field_name: OuterRef("pk")}, **filters)
        .order_by()
        .values(field_name)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def annotate_event_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.annotate(
        n_tables=_count(Table, "event"),
        n_attendees=_count(Attendance, "event"),
        n_groups=_count(TravelGroup, "event"),
    )


def attendances_for(event: Event) -> QuerySet[Attendance]:
    return (
        event.attendances.select_related("clinician__department__site", "clinician__specialty")
        .prefetch_related("clinician__sites")
        .order_by("clinician__last_name", "clinician__first_name", "pk")
    )


def attendance_counts(attendances) -> dict:
    """Attendees per track and per role, no-shows left out."""
    by_track: Counter[str] = Counter()
    by_role: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    for attendance in attendances:
        by_status[attendance.status] += 1
        if attendance.status == Attendance.Status.NO_SHOW:
            continue
        clinician = attendance.clinician
        by_role[clinician.role] += 1
        by_track[clinician_track(clinician) or "none"] += 1
    return {
        "tracks": [(value, label, by_track[value]) for value, label in Track.choices],
        "roles": [(value, label, by_role[value]) for value, label in Clinician.Role.choices],
        "statuses": [
            (value, label, by_status[value]) for value, label in Attendance.Status.choices
        ],
        "total": sum(by_status.values()),
    }


def tables_for(event: Event) -> QuerySet[Table]:
    return (
        event.tables.select_related("specialty")
        .prefetch_related(Prefetch("anchors", queryset=Anchor.objects.select_related("clinician")))
        .order_by("number")
    )


def table_available_rounds(table: Table, rounds: int) -> list[int]:
    """Rounds in which at least one anchor is at the table (uses prefetched anchors); none
    for a table without an anchor, as the solver sees it."""
    present: set[int] = set()
    for anchor in table.anchors.all():
        present.update(anchor.present_rounds(rounds))
    return sorted(present)


def groups_for(event: Event) -> QuerySet[TravelGroup]:
    return (
        event.groups.select_related("department__site")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=GroupMember.objects.select_related("clinician__department__site").order_by(
                    "clinician__last_name", "clinician__first_name"
                ),
            )
        )
        .order_by("name")
    )


def eligible_table_count(track: str, tables) -> int:
    return sum(1 for table in tables if track_allows(track, table.specialty.track))


@dataclass
class GroupReport:
    """A group with what the organizer should know about it."""

    group: TravelGroup
    members: list[GroupMember]
    eligible_tables: int
    warnings: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)


def group_reports(event: Event, groups, tables) -> list[GroupReport]:
    reports = []
    for group in groups:
        members = list(group.memberships.all())
        eligible = eligible_table_count(group.track, tables)
        report = GroupReport(group=group, members=members, eligible_tables=eligible)
        track = TRACK_LABELS[group.track].lower()
        if tables and not eligible:
            report.warnings.append(
                f"No table serves {track} patients: this group would visit no table."
            )
        elif tables and 2 * eligible <= event.rounds:
            # A group visits a table at most once, so with few tables of its track it sits
            # out most of the evening: worth saying before the solve rather than after.
            serve = "serves" if eligible == 1 else "serve"
            if group.track == Track.ALL_AGES:
                fix = "Add tables, or shorten the evening."
            else:
                article = "an" if track[:1] in "aeiou" else "a"
                fix = f"Add {article} {track} or all-ages table, or make the group all ages."
            report.warnings.append(
                f"Only {eligible} of {len(tables)} tables {serve} {track} patients: this "
                f"group sits out at least {event.rounds - eligible} of {event.rounds} rounds. "
                + fix
            )
        count = len(members)
        noun = "member" if count == 1 else "members"
        if not members:
            report.warnings.append("The group is empty.")
        elif count < event.group_min_size:
            report.warnings.append(f"{count} {noun}, below the minimum of {event.group_min_size}.")
        elif count > event.group_max_size:
            report.warnings.append(f"{count} {noun}, above the maximum of {event.group_max_size}.")
        reports.append(report)
    return reports


def ungrouped_primary_care(event: Event) -> QuerySet[Clinician]:
    """Attending primary-care clinicians (no-shows left out) who are in no group yet."""
    grouped = GroupMember.objects.filter(event=event).values("clinician")
    return (
        Clinician.objects.filter(
            role=Clinician.Role.PRIMARY_CARE,
            attendances__event=event,
        )
        .exclude(attendances__event=event, attendances__status=Attendance.Status.NO_SHOW)
        .exclude(pk__in=grouped)
        .select_related("department__site")
        .order_by("last_name", "first_name", "pk")
    )


# The state of each step of building an event, for the event page, and what the apps above
# events add to its pages (the schedule and publish steps, the re-plan box on check-in, the
# header's tabs).

DONE, TODO, WARNING, WAITING = "done", "todo", "warning", "waiting"


@dataclass
class Step:
    key: str
    title: str
    state: str
    summary: str
    url: str
    action: str
    notes: list[str] = field(default_factory=list)


@dataclass
class EventFacts:
    """What the steps are built from, read once for the whole page."""

    event: Event
    attendances: list[Attendance]
    counts: dict
    tables: list[Table]
    groups: list[TravelGroup]
    reports: list[GroupReport]


# Steps contributed by apps above events, in the order they register (from their
# AppConfig.ready): each takes the facts and the steps so far and returns its steps, which go
# before "the day itself". events imports none of those apps.
StepProvider = Callable[[EventFacts, list[Step]], list[Step]]
_step_providers: list[StepProvider] = []

# Boxes that apps above events add to an event page, by page ("checkin"): each takes the event
# and the request and returns HTML (or "" for nothing).
PanelProvider = Callable[..., str]
_panel_providers: dict[str, list[PanelProvider]] = {}


# Tabs that apps above events add to an event's header, in the order they register; they go
# between "Groups" and "Check-in". Each takes the event and the active tab's key (what the page
# passes as ``active``) and returns its tab, or None to leave it out; none may query.
TabProvider = Callable[..., "Tab | None"]
_tab_providers: list[TabProvider] = []


@dataclass(frozen=True)
class Tab:
    """One tab of an event's header: ``key`` is the ``active`` value that highlights it."""

    key: str
    label: str
    url: str


def register_event_tab(provider: TabProvider) -> None:
    """Add ``provider``'s tab to every event's header (once, however often it is called)."""
    if provider not in _tab_providers:
        _tab_providers.append(provider)


def event_tabs(event: Event, *, active: str) -> list[Tab]:
    """Overview → attendance → tables → groups → (the registered tabs: schedule,
    itineraries) → check-in. Reads no rows beyond ``event``."""
    tabs = [
        Tab("overview", "Overview", event.get_absolute_url()),
        Tab(
            "attendance",
            "Attendance",
            reverse("events:attendance_list", kwargs={"event_pk": event.pk}),
        ),
        Tab("tables", "Tables", reverse("events:table_list", kwargs={"event_pk": event.pk})),
        Tab("groups", "Groups", reverse("events:group_list", kwargs={"event_pk": event.pk})),
    ]
    for provider in _tab_providers:
        tab = provider(event=event, active=active)
        if tab is not None:
            tabs.append(tab)
    tabs.append(Tab("day", "Check-in", reverse("events:checkin", kwargs={"event_pk": event.pk})))
    return tabs


def register_event_steps(provider: StepProvider) -> None:
    """Add ``provider``'s steps to every event page (once, however often it is called)."""
    if provider not in _step_providers:
        _step_providers.append(provider)


def register_event_panel(page: str, provider: PanelProvider) -> None:
    """Add ``provider``'s box to the event page ``page`` (once)."""
    providers = _panel_providers.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def event_panels(page: str, *, event: Event, request: HttpRequest, **context: Any) -> list[str]:
    """The HTML of the boxes registered for ``page``, in order; ``context`` is what the page
    knows that a box may need (each provider takes what it wants as keywords)."""
    html = (
        provider(event=event, request=request, **context)
        for provider in _panel_providers.get(page, [])
    )
    return [mark_safe(part) for part in html if part]  # noqa: S308 (rendered templates)


def _state(*, started: bool, notes: list[str]) -> str:
    """A step of lists to fill: to do while empty, a warning while it has notes, else done."""
    if not started:
        return TODO
    return WARNING if notes else DONE


def details_step(facts: EventFacts) -> Step:
    event = facts.event
    return Step(
        "details",
        "Details",
        DONE,
        f"{event.date:%A %-d %B %Y}, {event.start_time:%H:%M}–{event.end_time:%H:%M} at "
        f"{event.venue}; {event.rounds} rounds of {event.round_minutes} minutes",
        reverse("events:update", kwargs={"pk": event.pk}),
        "Edit details",
    )


ROLE_WORDS = {
    Clinician.Role.PRIMARY_CARE: ("primary-care clinician", "primary-care clinicians"),
    Clinician.Role.SPECIALIST: ("specialist", "specialists"),
    Clinician.Role.LEADER: ("leader", "leaders"),
}


def _count_words(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def attendee_summary(counts: dict) -> str:
    """The attendees in words whose parts add up, e.g. "63 attendees: 43 primary-care
    clinicians, 18 specialists and 1 leader; 1 no-show" (no-shows apart from the roles)."""
    statuses = {value: n for value, _label, n in counts["statuses"]}
    parts = [_count_words(n, *ROLE_WORDS[value]) for value, _label, n in counts["roles"] if n]
    text = " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else "".join(parts)
    no_shows = statuses[Attendance.Status.NO_SHOW]
    if no_shows:
        text = "; ".join(filter(None, [text, _count_words(no_shows, "no-show", "no-shows")]))
    total = _count_words(counts["total"], "attendee", "attendees")
    return f"{total}: {text}" if text else total


def attendance_step(facts: EventFacts) -> Step:
    counts = facts.counts
    roles = {value: n for value, _label, n in counts["roles"]}
    notes = []
    if counts["total"] and not roles[Clinician.Role.PRIMARY_CARE]:
        notes.append("No primary-care clinician attends yet: nobody would travel.")
    if counts["total"] and not roles[Clinician.Role.SPECIALIST]:
        notes.append("No specialist attends yet: add anchors at the tables.")
    return Step(
        "attendance",
        "Roster and attendance",
        _state(started=bool(counts["total"]), notes=notes),
        attendee_summary(counts),
        reverse("events:attendance_list", kwargs={"event_pk": facts.event.pk}),
        "Manage attendance",
        notes,
    )


def tables_step(facts: EventFacts) -> Step:
    tables = facts.tables
    notes = []
    for table in tables:
        if not table.anchors.all():
            notes.append(f"{table} has no anchor yet.")
        elif not table_available_rounds(table, facts.event.rounds):
            notes.append(f"{table}: its anchors are absent in every round.")
    return Step(
        "tables",
        "Tables and anchors",
        _state(started=bool(tables), notes=notes),
        f"{len(tables)} tables, {sum(len(t.anchors.all()) for t in tables)} anchors"
        if tables
        else "No tables yet: add one table per specialty.",
        reverse("events:table_list", kwargs={"event_pk": facts.event.pk}),
        "Manage tables",
        notes,
    )


def groups_step(facts: EventFacts) -> Step:
    reports = facts.reports
    notes = [f"{r.group.name}: {w}" for r in reports for w in r.warnings]
    ungrouped = ungrouped_primary_care(facts.event).count()
    if ungrouped:
        notes.append(f"{ungrouped} attending primary-care clinicians are in no group.")
    return Step(
        "groups",
        "Travelling groups",
        _state(started=bool(facts.groups), notes=notes),
        f"{len(facts.groups)} groups, {sum(r.size for r in reports)} clinicians travelling"
        if facts.groups
        else "No groups yet: form them from the attending primary-care clinicians.",
        reverse("events:group_list", kwargs={"event_pk": facts.event.pk}),
        "Manage groups",
        notes,
    )


def day_step(facts: EventFacts, previous: Step) -> Step:
    """The day can come once the step before it (publishing, when that is registered) is
    done."""
    event = facts.event
    statuses = {value: n for value, _label, n in facts.counts["statuses"]}
    if event.status == Event.Status.FINISHED:
        state = DONE
    else:
        state = TODO if previous.state in (DONE, WARNING) else WAITING
    return Step(
        "day",
        "The day itself",
        state,
        f"{statuses[Attendance.Status.CHECKED_IN]} checked in, "
        f"{statuses[Attendance.Status.NO_SHOW]} no-shows of {facts.counts['total']}",
        reverse("events:checkin", kwargs={"event_pk": event.pk}),
        "Check people in",
    )


def event_facts(event: Event) -> EventFacts:
    attendances = list(attendances_for(event))
    tables = list(tables_for(event))
    groups = list(groups_for(event))
    return EventFacts(
        event=event,
        attendances=attendances,
        counts=attendance_counts(attendances),
        tables=tables,
        groups=groups,
        reports=group_reports(event, groups, tables),
    )


def event_steps(event: Event) -> list[Step]:
    """Details → attendance → tables → groups → (the registered steps: schedule, publish) →
    the day, each with a state (done, to do, warning, waiting) and what is missing, in
    words."""
    facts = event_facts(event)
    steps = [details_step(facts), attendance_step(facts), tables_step(facts), groups_step(facts)]
    for provider in _step_providers:
        steps.extend(provider(facts, list(steps)))
    steps.append(day_step(facts, steps[-1]))
    return steps
