"""Reads used by more than one page: counts, track eligibility and the state of each step of
building an event."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from clinicians.models import Clinician, Track

from .models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup

TRACK_LABELS = dict(Track.choices)


def track_allows(group_track: str, table_track: str) -> bool:
    """Adult groups visit adult and all-ages tables, pediatric groups pediatric and all-ages
    tables, all-ages groups any table (rule 4 of the instance format)."""
    if Track.ALL_AGES in (group_track, table_track):
        return True
    return group_track == table_track


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
        if not members:
            report.warnings.append("The group is empty.")
        elif len(members) < event.group_min_size:
            report.warnings.append(
                f"{len(members)} members, below the minimum of {event.group_min_size}."
            )
        elif len(members) > event.group_max_size:
            report.warnings.append(
                f"{len(members)} members, above the maximum of {event.group_max_size}."
            )
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


# The state of each step of building an event, for the event page.

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


def event_steps(event: Event) -> list[Step]:
    """Details → attendance → tables → groups → schedule → publish → the day, each with a
    state (done, to do, warning, waiting) and what is missing, in words."""
    attendances = list(attendances_for(event))
    counts = attendance_counts(attendances)
    tables = list(tables_for(event))
    groups = list(groups_for(event))
    reports = group_reports(event, groups, tables)
    steps = []

    # 1. Details
    steps.append(
        Step(
            "details",
            "Details",
            DONE,
            f"{event.date:%A %-d %B %Y}, {event.start_time:%H:%M}–{event.end_time:%H:%M} at "
            f"{event.venue}; {event.rounds} rounds of {event.round_minutes} minutes",
            reverse("events:update", kwargs={"pk": event.pk}),
            "Edit details",
        )
    )

    # 2. Roster and attendance
    roles = {value: n for value, _label, n in counts["roles"]}
    notes = []
    if counts["total"] and not roles[Clinician.Role.PRIMARY_CARE]:
        notes.append("No primary-care clinician attends yet: nobody would travel.")
    if counts["total"] and not roles[Clinician.Role.SPECIALIST]:
        notes.append("No specialist attends yet: add anchors at the tables.")
    steps.append(
        Step(
            "attendance",
            "Roster and attendance",
            TODO if not counts["total"] else (WARNING if notes else DONE),
            f"{counts['total']} attendees: {roles[Clinician.Role.PRIMARY_CARE]} primary care, "
            f"{roles[Clinician.Role.SPECIALIST]} specialists, {roles[Clinician.Role.LEADER]} "
            "leaders",
            reverse("events:attendance_list", kwargs={"event_pk": event.pk}),
            "Manage attendance",
            notes,
        )
    )

    # 3. Tables and anchors
    notes = []
    for table in tables:
        anchors = list(table.anchors.all())
        if not anchors:
            notes.append(f"Table {table.number} ({table.specialty.name}) has no anchor yet.")
        elif not table_available_rounds(table, event.rounds):
            notes.append(f"Table {table.number}: its anchors are absent in every round.")
    steps.append(
        Step(
            "tables",
            "Tables and anchors",
            TODO if not tables else (WARNING if notes else DONE),
            f"{len(tables)} tables, {sum(len(t.anchors.all()) for t in tables)} anchors"
            if tables
            else "No tables yet: add one table per specialty.",
            reverse("events:table_list", kwargs={"event_pk": event.pk}),
            "Manage tables",
            notes,
        )
    )

    # 4. Travelling groups
    notes = [f"{r.group.name}: {w}" for r in reports for w in r.warnings]
    ungrouped = ungrouped_primary_care(event).count()
    if ungrouped:
        notes.append(f"{ungrouped} attending primary-care clinicians are in no group.")
    steps.append(
        Step(
            "groups",
            "Travelling groups",
            TODO if not groups else (WARNING if notes else DONE),
            f"{len(groups)} groups, {sum(r.size for r in reports)} clinicians travelling"
            if groups
            else "No groups yet: form them from the attending primary-care clinicians.",
            reverse("events:group_list", kwargs={"event_pk": event.pk}),
            "Manage groups",
            notes,
        )
    )

    # 5. Schedule and 6. publish: read through the reverse relations, so events needs no
    # import of rotations.
    schedules = list(event.schedules.order_by("-version").only("pk", "version", "is_published"))
    last_run = event.solve_runs.order_by("-created_at").first()
    notes = []
    missing = []
    if not tables:
        missing.append("tables")
    if not groups:
        missing.append("travelling groups")
    if missing:
        state = WAITING
        summary = "Needs " + " and ".join(missing) + " before it can be solved."
    elif last_run is not None and last_run.is_active:
        state, summary = WAITING, "The solver is working…"
    elif schedules:
        state, summary = (
            DONE,
            f"{len(schedules)} version(s); latest is version {schedules[0].version}.",
        )
    else:
        state, summary = TODO, "Ready to solve."
    if last_run is not None and last_run.status in ("infeasible", "failed"):
        notes.append(f"The last solve {last_run.get_status_display().lower()}.")
        if state == DONE:
            state = WARNING
    steps.append(
        Step(
            "schedule",
            "Schedule",
            state,
            summary,
            reverse("rotations:schedule_list", kwargs={"event_pk": event.pk}),
            "Open the schedule",
            notes,
        )
    )

    published = next((s for s in schedules if s.is_published), None)
    notes = []
    if published and schedules[0].pk != published.pk:
        notes.append(f"Version {schedules[0].version} has changes that are not published yet.")
    if published:
        state = WARNING if notes else DONE
        summary = f"Version {published.version} is published."
    else:
        state = TODO if schedules else WAITING
        summary = "Not published yet." if schedules else "Needs a schedule first."
    steps.append(
        Step(
            "publish",
            "Publish",
            state,
            summary,
            reverse("rotations:schedule_list", kwargs={"event_pk": event.pk}),
            "Publish",
            notes,
        )
    )

    statuses = {value: n for value, _label, n in counts["statuses"]}
    steps.append(
        Step(
            "day",
            "The day itself",
            DONE if event.status == Event.Status.FINISHED else (TODO if published else WAITING),
            f"{statuses[Attendance.Status.CHECKED_IN]} checked in, "
            f"{statuses[Attendance.Status.NO_SHOW]} no-shows of {counts['total']}",
            reverse("events:checkin", kwargs={"event_pk": event.pk}),
            "Check people in",
        )
    )
    return steps
