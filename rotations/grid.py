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
    version came straight from a run, else from the grid's own figures."""
    visits = grid.total_visits
    share = f"{grid.min_share:.0%}"
    bound = run.visits_upper_bound if run is not None and run.visits == visits else None
    if bound is not None and run.optimal and grid.min_share >= 1:
        per_group = {(s.visits, s.possible) for s in grid.groups}
        detail = (
            f"{per_group.pop()[0]} of {grid.groups[0].possible}"
            if len(per_group) == 1
            else f"{visits} of {bound} visits"
        )
        return f"Optimal: every group meets all the tables it can ({detail})."
    if bound is not None and run.optimal:
        return (
            f"Optimal: {visits} visits, the most the rules allow; every group gets at least "
            f"{share} of its possible visits."
        )
    if bound is not None:
        return (
            f"{visits} of at most {bound} possible visits; every group gets at least {share} "
            "of its possible visits."
        )
    if grid.min_share >= 1:
        return f"Every group meets all the tables it can ({visits} visits)."
    return (
        f"{visits} of at most {grid.total_possible} possible visits; every group gets at least "
        f"{share} of its possible visits."
    )
