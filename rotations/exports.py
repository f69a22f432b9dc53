"""A schedule version as files to take away: a workbook (groups × rounds and tables × rounds),
one CSV a view, and the master grid PDF for the room. Reads only, in a fixed number of
queries whatever the event's size; every text cell passes through ``accounts.csv``'s formula
rule, so a name typed as ``=HYPERLINK(...)`` stays text in Excel and LibreOffice."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.staticfiles import finders
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.text import slugify

from accounts.csv import safe_csv_row
from events.models import Anchor, Table, TravelGroup

from .models import Schedule, Visit

if TYPE_CHECKING:
    from weasyprint import CSS

GROUPS = "groups"
TABLES = "tables"
VIEWS = (GROUPS, TABLES)
SHEET_TITLES = {GROUPS: "Groups by round", TABLES: "Tables by round"}
# The room's grid: the repo's print rules, then the grid's own page (A3 landscape).
MASTER_GRID_STYLESHEETS = ("css/print.css", "css/master_grid.css")
# Type sizes of the room's grid, largest first: the largest that fits one page is used (the
# demo's 11 tables × 10 rounds fits). Past a grid of MASTER_GRID_MAX_CELLS cells, straight to the
# smallest, whose rows run on to further pages (the header repeats).
MASTER_GRID_SIZES = ("l", "m", "s", "xs")
MASTER_GRID_MAX_CELLS = 400


@dataclass(frozen=True)
class ScheduleSheet:
    """One view of a version as rows of plain values: a header row, then one row a group (or
    table), one column a round."""

    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class MasterGrid:
    """The room's grid: one row a table, one column a round, group names in the cells;
    ``None`` marks a round in which the table has no anchor."""

    schedule: Schedule
    rounds: list
    rows: list[tuple[Table, list[list[str] | None]]]


def table_title(table: Table) -> str:
    """A table as a row header: "Table 7 (Neonatology)"."""
    return str(table)


def _load(schedule: Schedule) -> tuple[list[Table], list[TravelGroup], list[Visit]]:
    # Three queries, whatever the size.
    tables = list(
        Table.objects.filter(event_id=schedule.event_id)
        .select_related("specialty")
        .order_by("number")
    )
    groups = list(TravelGroup.objects.filter(event_id=schedule.event_id).order_by("name", "pk"))
    visits = list(
        Visit.objects.filter(schedule=schedule)
        .only("round", "group_id", "table_id")
        .order_by("round", "table_id", "group_id")
    )
    return tables, groups, visits


def _round_headers(schedule: Schedule) -> list[str]:
    return [f"Round {slot.number} ({slot.start:%H:%M})" for slot in schedule.event.timetable()]


def schedule_sheets(*, schedule: Schedule) -> dict[str, ScheduleSheet]:
    """Both views of ``schedule``: ``groups`` (where each group is in each round, blank when it
    sits out) and ``tables`` (which groups each table receives, names joined by ", ")."""
    tables, groups, visits = _load(schedule)
    rounds = range(1, schedule.event.rounds + 1)
    table_of = {table.pk: table for table in tables}
    group_name = {group.pk: group.name for group in groups}
    where: dict[tuple[int, int], list[str]] = defaultdict(list)
    who: dict[tuple[int, int], list[str]] = defaultdict(list)
    for visit in visits:
        where[visit.group_id, visit.round].append(table_title(table_of[visit.table_id]))
        who[visit.table_id, visit.round].append(group_name[visit.group_id])
    headers = _round_headers(schedule)
    return {
        GROUPS: ScheduleSheet(
            title=SHEET_TITLES[GROUPS],
            header=["Group", *headers],
            rows=[
                [group.name, *(", ".join(where[group.pk, r]) for r in rounds)] for group in groups
            ],
        ),
        TABLES: ScheduleSheet(
            title=SHEET_TITLES[TABLES],
            header=["Table", *headers],
            rows=[
                [table_title(table), *(", ".join(sorted(who[table.pk, r])) for r in rounds)]
                for table in tables
            ],
        ),
    }


def export_filename(*, schedule: Schedule, extension: str, view: str | None = None) -> str:
    """``north-spring-version-3-tables.csv``: the event, the version and (for a CSV) the view."""
    parts = [slugify(schedule.event.name) or "event", f"version-{schedule.version}"]
    if view:
        parts.append(view)
    return f"{'-'.join(parts)}.{extension}"


class _Echo:
    """A file-like object that hands back what csv.writer writes, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(*, header: list, rows: list[list]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows`` line by line (each cell made formula-safe),
    starting with a byte-order mark so Excel reads the names as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(safe_csv_row(header))
    for row in rows:
        yield writer.writerow(safe_csv_row(row))


def workbook_bytes(sheets: list[tuple[str, list, list[list]]]) -> bytes:
    """An .xlsx of ``(title, header, rows)`` sheets: a bold header row, the header row and first
    column frozen, columns as wide as their longest value (within limits). Every cell goes
    through the formula rule; openpyxl would otherwise store "=..." as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(safe_csv_row(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        for row in rows:
            # An empty cell, not an empty string: a reader sees a blank, as in the app.
            sheet.append([None if value == "" else value for value in safe_csv_row(row)])
        sheet.freeze_panes = "B2"
        for index, column in enumerate(zip(header, *rows, strict=True), start=1):
            longest = max(len(str(value or "")) for value in column)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 10), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def schedule_workbook(*, schedule: Schedule) -> bytes:
    """The version as an .xlsx: a "Groups by round" sheet and a "Tables by round" sheet."""
    sheets = schedule_sheets(schedule=schedule)
    return workbook_bytes([(s.title, s.header, s.rows) for s in sheets.values()])


def schedule_csv(*, schedule: Schedule, view: str) -> Iterator[str]:
    """One view (``groups`` or ``tables``) of the version as CSV lines, to stream."""
    sheet = schedule_sheets(schedule=schedule)[view]
    return csv_lines(header=sheet.header, rows=sheet.rows)


def master_grid(*, schedule: Schedule) -> MasterGrid:
    """The room's grid of ``schedule``: tables × rounds with the groups at each, and which
    rounds each table is open (from its anchors' presence)."""
    from .services.adapter import Availability

    tables, groups, visits = _load(schedule)
    prefetch_related_objects(
        tables,
        Prefetch(
            "anchors",
            queryset=Anchor.objects.only("id", "table_id", "clinician_id", "absent_rounds"),
        ),
    )
    event = schedule.event
    there = Availability.load(event=event, replan_from_round=schedule.replan_from_round)
    group_name = {group.pk: group.name for group in groups}
    who: dict[tuple[int, int], list[str]] = defaultdict(list)
    for visit in visits:
        who[visit.table_id, visit.round].append(group_name[visit.group_id])
    rows = []
    for table in tables:
        open_rounds = there.table_rounds(table)
        rows.append(
            (
                table,
                [
                    sorted(who[table.pk, r]) if r in open_rounds or who[table.pk, r] else None
                    for r in range(1, event.rounds + 1)
                ],
            )
        )
    return MasterGrid(schedule=schedule, rounds=event.timetable(), rows=rows)


def _master_grid_stylesheets() -> list[CSS]:
    from weasyprint import CSS

    return [CSS(filename=finders.find(name)) for name in MASTER_GRID_STYLESHEETS]


def master_grid_document(*, schedule: Schedule):
    """The master grid as a rendered WeasyPrint document (its ``pages`` can be counted), in
    the largest type that fits one page; how long names wrap depends on the fonts installed,
    so the fit is measured, not guessed."""
    grid = master_grid(schedule=schedule)
    # Imported here: WeasyPrint takes half a second to import, which only PDF requests pay.
    from weasyprint import HTML

    stylesheets = _master_grid_stylesheets()
    cells = len(grid.rows) * len(grid.rounds)
    sizes = MASTER_GRID_SIZES if cells <= MASTER_GRID_MAX_CELLS else MASTER_GRID_SIZES[-1:]
    for size in sizes:
        html = render_to_string(
            "rotations/master_grid.html", {"event": schedule.event, "grid": grid, "size": size}
        )
        document = HTML(string=html, base_url=".").render(stylesheets=stylesheets)
        if len(document.pages) == 1:
            break
    return document


def render_master_grid_pdf(*, schedule: Schedule) -> bytes:
    """The PDF of the room's master grid: one A3 landscape page for an event the size of the
    demo's (11 tables × 10 rounds)."""
    return master_grid_document(schedule=schedule).write_pdf()
