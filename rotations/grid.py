"""The schedule grid: rounds × tables with the visiting groups, and the figures an organizer
reads under it. Reads only, in a fixed number of queries whatever the event's size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch

from events.models import Anchor, Table, TravelGroup
from events.queries import track_allows

from .models import Schedule, SolveRun, Visit
from .services.adapter import Availability


@dataclass
class GroupSummary:
    group: TravelGroup
    size: int
    visits: int
    possible: int

    @property
    def share(self) -> float:
        return self.visits / self.possible if self.possible else 1.0


@dataclass
class TableSummary:
    table: Table
    rounds: set[int]
    visits: int
    seats: int


@dataclass
class Cell:
    table: Table
    open: bool
    visits: list[Visit] = field(default_factory=list)


@dataclass
class Grid:
    schedule: Schedule
    rows: list[tuple[object, list[Cell]]]
    tables: list[TableSummary]
    groups: list[GroupSummary]
    total_visits: int
    total_possible: int
    min_share: float
    idle: dict[int, list[TravelGroup]]  # round -> present groups with no table


def build_grid(schedule: Schedule) -> Grid:
    event = schedule.event
    tables = list(
        Table.objects.filter(event=event)
        .select_related("specialty")
        .prefetch_related(
            Prefetch(
                "anchors",
                queryset=Anchor.objects.only("id", "table_id", "clinician_id", "absent_rounds"),
            )
        )
        .order_by("number")
    )
    groups = list(
        TravelGroup.objects.filter(event=event)
        .annotate(size=Count("memberships"))
        .order_by("name", "pk")
    )
    visits = list(schedule.visits.select_related("group").order_by("round", "group__name"))
    there = Availability.load(event=event, replan_from_round=schedule.replan_from_round)
    table_open = {t.pk: there.table_rounds(t) for t in tables}
    cells: dict[tuple[int, int], list[Visit]] = defaultdict(list)
    per_group: dict[int, int] = defaultdict(int)
    per_table: dict[int, int] = defaultdict(int)
    busy: dict[int, set[int]] = defaultdict(set)
    for visit in visits:
        cells[visit.round, visit.table_id].append(visit)
        per_group[visit.group_id] += 1
        per_table[visit.table_id] += 1
        busy[visit.round].add(visit.group_id)

    rows = []
    for slot in event.timetable():
        rows.append(
            (
                slot,
                [
                    Cell(
                        table=t,
                        open=slot.number in table_open[t.pk],
                        visits=cells.get((slot.number, t.pk), []),
                    )
                    for t in tables
                ],
            )
        )
    group_summaries = []
    for group in groups:
        present = there.group_rounds(group)
        eligible = [t for t in tables if track_allows(group.track, t.specialty.track)]
        reachable = sum(1 for t in eligible if table_open[t.pk] & present)
        possible = min(len(present), reachable)
        group_summaries.append(
            GroupSummary(
                group=group, size=group.size, visits=per_group[group.pk], possible=possible
            )
        )
    table_summaries = [
        TableSummary(
            table=t,
            rounds=table_open[t.pk],
            visits=per_table[t.pk],
            seats=t.capacity * len(table_open[t.pk]),
        )
        for t in tables
    ]
    idle = {
        slot.number: [
            g
            for g in groups
            if slot.number in there.group_rounds(g) and g.pk not in busy[slot.number]
        ]
        for slot in event.timetable()
    }
    shares = [s.share for s in group_summaries if s.possible]
    return Grid(
        schedule=schedule,
        rows=rows,
        tables=table_summaries,
        groups=group_summaries,
        total_visits=len(visits),
        total_possible=sum(s.possible for s in group_summaries),
        min_share=min(shares) if shares else 1.0,
        idle=idle,
    )


def quality_text(grid: Grid, run: SolveRun | None) -> str:
    """The schedule's quality in plain words, from the solver's proved bounds when the
    version came straight from a run, else from the grid's own figures; then who still sits
    out rounds while there, since a share of *possible* visits can be 100% for a group that
    sits out most of the evening (few tables of its track)."""
    visits = grid.total_visits
    share = f"{grid.min_share:.0%}"
    all_met = grid.min_share >= 1
    bound = run.visits_upper_bound if run is not None and run.visits == visits else None
    if bound is not None and run.optimal and all_met:
        per_group = {(s.visits, s.possible) for s in grid.groups}
        detail = (
            f"{per_group.pop()[0]} of {grid.groups[0].possible}"
            if len(per_group) == 1
            else f"{visits} of {bound} visits"
        )
        text = f"Optimal: every group meets all the tables it can ({detail})."
    elif bound is not None and run.optimal:
        text = (
            f"Optimal: {visits} visits, the most the rules allow; every group gets at least "
            f"{share} of its possible visits."
        )
    elif bound is not None:
        text = f"{visits} of at most {bound} possible visits; " + (
            "every group meets all the tables it can."
            if all_met
            else f"every group gets at least {share} of its possible visits."
        )
    elif all_met:
        text = f"Every group meets all the tables it can ({visits} visits)."
    else:
        text = (
            f"{visits} of at most {grid.total_possible} possible visits; every group gets at "
            f"least {share} of its possible visits."
        )
    return text + _idle_text(grid)


def _idle_text(grid: Grid) -> str:
    """ " 2 groups still sit out rounds while they are there: Pediatrics North 7 of 10,
    Pediatrics South 7 of 10." (empty when nobody does)."""
    idle: dict[int, int] = defaultdict(int)
    for groups in grid.idle.values():
        for group in groups:
            idle[group.pk] += 1
    if not idle:
        return ""
    rows = sorted(
        ((idle[s.group.pk], s.visits + idle[s.group.pk], s.group.name) for s in grid.groups),
        key=lambda row: (-row[0], row[2]),
    )
    rows = [row for row in rows if row[0]]
    shown = ", ".join(f"{name} {out} of {there}" for out, there, name in rows[:3])
    more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
    who = "1 group still sits" if len(rows) == 1 else f"{len(rows)} groups still sit"
    return f" {who} out rounds while there: {shown}{more}."
