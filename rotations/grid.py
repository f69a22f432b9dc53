"""The schedule grid: rounds × tables with the visiting groups, and the figures an organizer
reads under it. Reads only, in a fixed number of queries whatever the event's size.

A large event's grid is shown a page of tables at a time (``TABLES_PER_PAGE`` columns): the
figures count every table, the cells are read and drawn for the page's tables only, so the
page stays small and quick however many tables the event has."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

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


@dataclass(slots=True)
class CellVisit:
    """A visit as a cell of the grid shows it: plain values with the group and the table
    already read (a page holds hundreds; no model row each)."""

    pk: int
    round: int
    group_id: int
    group: TravelGroup
    table: Table
    pinned: bool


@dataclass
class Cell:
    table: Table
    open: bool
    visits: list[CellVisit] = field(default_factory=list)


# Tables (columns) on one page of the grid.
TABLES_PER_PAGE = 12


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
    columns: list[TableSummary] = field(default_factory=list)  # the page's tables
    pinned: int = 0  # pinned visits in the whole version
    page: int = 1
    pages: int = 1
    # (round, group pk, table pk) of the visits not in the version this one is based on.
    changed: set[tuple[int, int, int]] = field(default_factory=set)

    @property
    def by_table(self) -> list[tuple[TableSummary, list[tuple[object, Cell]]]]:
        """The page's cells turned a quarter: a row per table, a column per round (the
        board's "rounds across" view)."""
        return [
            (summary, [(slot, cells[index]) for slot, cells in self.rows])
            for index, summary in enumerate(self.columns)
        ]

    def cell(self, round_: int, table_pk: int) -> Cell | None:
        """The cell of ``round_`` at the table ``table_pk``, if it is on the page."""
        for slot, cells in self.rows:
            if slot.number == round_:
                return next((c for c in cells if c.table.pk == table_pk), None)
        return None

    @property
    def page_ranges(self) -> list[tuple[int, str]]:
        """Each page of tables with its label ("Tables 1–12"), for the page links."""
        numbers = [summary.table.number for summary in self.tables]
        ranges = []
        for index in range(self.pages):
            chunk = numbers[index * TABLES_PER_PAGE : (index + 1) * TABLES_PER_PAGE]
            ranges.append((index + 1, f"Tables {chunk[0]}–{chunk[-1]}"))
        return ranges


def build_grid(
    schedule: Schedule, *, page: int | None = None, table_ids: set[int] | None = None
) -> Grid:
    """The grid of ``schedule``: the figures of every table and group; the cells of every
    table (``page`` None), only of the tables on ``page`` (1-based, clamped to the pages
    there are), or only of the tables ``table_ids`` (the cells an edit of the board touched).
    Four queries, one more for a version based on another (to mark what it changed), two more
    for a re-planned version."""
    event = schedule.event
    tables = list(Table.objects.filter(event=event).select_related("specialty").order_by("number"))
    # The anchors as plain values, only for the rounds each table is open.
    anchors = Anchor.objects.filter(event=event).values_list(
        "table_id", "clinician_id", "absent_rounds"
    )
    groups = list(
        TravelGroup.objects.filter(event=event)
        .annotate(size=Count("memberships"))
        .order_by("name", "pk")
    )
    pages = max(1, -(-len(tables) // TABLES_PER_PAGE))
    shown = tables
    if page is not None:
        page = min(max(page, 1), pages)
        shown = tables[(page - 1) * TABLES_PER_PAGE : page * TABLES_PER_PAGE]
    elif table_ids is not None:
        shown = [t for t in tables if t.pk in table_ids]
    # Every visit as plain values: the figures count them all, the cells shown take theirs
    # (with the group and table already read: no second query, no model row a visit).
    facts = list(schedule.visits.values_list("round", "group_id", "table_id", "pinned", "id"))
    changed: set[tuple[int, int, int]] = set()
    if schedule.based_on_id is not None:
        before = set(
            Visit.objects.filter(schedule_id=schedule.based_on_id).values_list(
                "round", "group_id", "table_id"
            )
        )
        changed = {fact[:3] for fact in facts} - before
    there = Availability.load(event=event, replan_from_round=schedule.replan_from_round)
    table_open: dict[int, set[int]] = {t.pk: set() for t in tables}
    for table_id, clinician_id, absent_rounds in anchors:
        table_open[table_id] |= there.anchor_rounds_of(clinician_id, absent_rounds)
    group_by_pk = {g.pk: g for g in groups}
    shown_by_pk = {t.pk: t for t in shown}
    cells: dict[tuple[int, int], list[CellVisit]] = defaultdict(list)
    for round_number, group_id, table_id, pinned, pk in facts:
        table = shown_by_pk.get(table_id)
        if table is not None:
            cells[round_number, table_id].append(
                CellVisit(pk, round_number, group_id, group_by_pk[group_id], table, pinned)
            )
    for cell_visits in cells.values():
        cell_visits.sort(key=lambda v: (v.group.name, v.group_id))
    per_group: dict[int, int] = defaultdict(int)
    per_table: dict[int, int] = defaultdict(int)
    busy: dict[int, set[int]] = defaultdict(set)
    for round_number, group_id, table_id, _pinned, _pk in facts:
        per_group[group_id] += 1
        per_table[table_id] += 1
        busy[round_number].add(group_id)

    timetable = event.timetable()
    rows = []
    for slot in timetable:
        rows.append(
            (
                slot,
                [
                    Cell(
                        table=t,
                        open=slot.number in table_open[t.pk],
                        visits=cells.get((slot.number, t.pk), []),
                    )
                    for t in shown
                ],
            )
        )
    group_present = {g.pk: there.group_rounds(g) for g in groups}
    # How many tables a group may reach depends only on its track and its rounds: counted
    # once for each such pair, not once a group (a large event has hundreds of groups).
    table_facts = [(t.specialty.track, table_open[t.pk]) for t in tables]
    reachable_of: dict[tuple[str, frozenset[int]], int] = {}
    group_summaries = []
    for group in groups:
        present = group_present[group.pk]
        key = (group.track, frozenset(present))
        if key not in reachable_of:
            reachable_of[key] = sum(
                1
                for track, open_rounds in table_facts
                if track_allows(group.track, track) and open_rounds & present
            )
        possible = min(len(present), reachable_of[key])
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
    present_of = [(g, g.pk, group_present[g.pk]) for g in groups]
    idle = {
        slot.number: [
            g
            for g, pk, present in present_of
            if slot.number in present and pk not in busy[slot.number]
        ]
        for slot in timetable
    }
    shares = [s.share for s in group_summaries if s.possible]
    shown_ids = {t.pk for t in shown}
    return Grid(
        schedule=schedule,
        rows=rows,
        tables=table_summaries,
        groups=group_summaries,
        total_visits=len(facts),
        total_possible=sum(s.possible for s in group_summaries),
        min_share=min(shares) if shares else 1.0,
        idle=idle,
        columns=[summary for summary in table_summaries if summary.table.pk in shown_ids],
        pinned=sum(1 for fact in facts if fact[3]),
        page=page or 1,
        pages=pages if page is not None else 1,
        changed=changed,
    )


@dataclass
class MoveFacts:
    """What the move form shows beside it: the chosen group's itinerary round by round (its
    table, or None: there but at no table; ``there`` False: not there), and the free seats of
    each round at the tables the group's track may visit (every table with no group)."""

    itinerary: list[tuple[object, CellVisit | None, bool]]
    free_seats: list[tuple[object, list[tuple[Table, int]]]]


def move_facts(schedule: Schedule, group: TravelGroup | None) -> MoveFacts:
    """The move form's facts from ``build_grid`` (its queries, no more)."""
    grid = build_grid(schedule)
    idle_ids = {round_: {g.pk for g in groups} for round_, groups in grid.idle.items()}
    itinerary, free = [], []
    for slot, cells in grid.rows:
        if group is not None:
            mine = next((v for cell in cells for v in cell.visits if v.group_id == group.pk), None)
            there = mine is not None or group.pk in idle_ids.get(slot.number, set())
            itinerary.append((slot, mine, there))
        seats = [
            (cell.table, cell.table.capacity - len(cell.visits))
            for cell in cells
            if cell.open
            and cell.table.capacity > len(cell.visits)
            and (group is None or track_allows(group.track, cell.table.specialty.track))
        ]
        free.append((slot, seats))
    return MoveFacts(itinerary=itinerary, free_seats=free)


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
