"""The outcomes charts as small SVG drawings, written here rather than by a charting library:
they are a few rectangles and lines, need no dependency, carry no script or style attribute
(the strict CSP holds, and WeasyPrint draws them in the PDF), and every label is escaped.
Colours come from classes in static/css/outcomes.css (and, for the PDF, the same file).

Each function takes plain rows (what ``outcomes.figures`` computed) and returns safe markup."""

from __future__ import annotations

import datetime
import re

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .figures import NEVER, NOT_APPLICABLE, Coverage, EventRow, ReachRow

WIDTH = 640
# The coverage heatmap shows this many departments (those with the most gaps) unless all are
# asked for: a readable chart on the page and the one-page report.
COVERAGE_ROWS = 15
ROW = 22
LABEL = 210
# The colours, as presentation attributes beside the classes: WeasyPrint applies no
# stylesheet rule to an inline SVG, so the PDF needs them on the elements (attributes, not
# style attributes: the CSP holds). static/css/outcomes.css keeps the same colours.
PAINT = {
    "oc-track": 'fill="#eef1f4"',
    "oc-bar": 'fill="#2a6f97"',
    "oc-bar-invited": 'fill="#b8c7d4"',
    "oc-bar-coming": 'fill="#7fa7c4"',
    "oc-line": 'fill="none" stroke="#d1495b" stroke-width="2"',
    "oc-axis": 'stroke="#888" stroke-width="1"',
    "oc-never": 'fill="#e76f51"',
    "oc-old": 'fill="#f4c95d"',
    "oc-recent": 'fill="#2a9d8f"',
    "oc-na": 'fill="#f8f9fa" stroke="#ced4da" stroke-width="1"',
    "oc-na-mark": 'stroke="#adb5bd" stroke-width="1"',
    # Text sizes too: without them WeasyPrint draws the small legend text at the page's
    # size, and the legend's words ran into each other in the PDF.
    "oc-label": 'font-size="11" fill="#333"',
    "oc-value": 'font-size="11" fill="#333"',
    "oc-small": 'font-size="9"',
}
_CLASS = re.compile(r'class="(oc-[a-z -]+)"')
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


def _attributes(classes: str) -> str:
    """The presentation attributes of ``classes``, later classes winning (as in the
    stylesheet: "oc-label oc-small" is small)."""
    found: dict[str, str] = {}
    for name in classes.split():
        found.update(_ATTRIBUTE.findall(PAINT.get(name, "")))
    return "".join(f' {key}="{value}"' for key, value in found.items())


def _paint(markup: str) -> str:
    return _CLASS.sub(lambda m: f'class="{m[1]}"{_attributes(m[1])}', markup)


def _svg(height: int, title: str, body: list[str], width: int = WIDTH) -> SafeString:
    head = format_html(
        '<svg class="oc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'width="100%" role="img" aria-label="{}"><title>{}</title>',
        width,
        height,
        title,
        title,
    )
    # Only constant attributes are added to markup format_html has already escaped.
    return mark_safe(_paint(head + "".join(body) + "</svg>"))


def _short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut (the cell's or bar's
    title keeps the whole name)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}%"


def reach_bars(rows: list[ReachRow], *, title: str) -> SafeString:
    """One horizontal bar a row: the share who attended, with "attended / eligible"."""
    span = WIDTH - LABEL - 140
    body = []
    for index, row in enumerate(rows):
        y = 4 + index * ROW
        share = row.reach or 0
        body.append(
            format_html(
                '<text class="oc-label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="oc-track" x="{}" y="{}" width="{}" height="14"/>'
                '<rect class="oc-bar" x="{}" y="{}" width="{}" height="14"/>'
                '<text class="oc-value" x="{}" y="{}">{} ({} / {})</text>',
                LABEL - 8,
                y + 11,
                _short(row.label, 34),
                LABEL,
                y,
                span,
                LABEL,
                y,
                round(span * share, 1),
                LABEL + span + 6,
                y + 11,
                _percent(row.reach),
                row.attended,
                row.eligible,
            )
        )
    return _svg(max(len(rows), 1) * ROW + 8, title, body)


def attendance_bars(rows: list[EventRow], *, title: str) -> SafeString:
    """Per event: invited (series invitations, else the attendance list), replied yes, and
    were there, as three bars side by side."""
    top = max([max(r.invited or 0, r.attendees, r.attended) for r in rows] + [1])
    span = WIDTH - LABEL - 60
    body = []
    y = 4
    for row in rows:
        bars = (
            ("oc-bar-invited", row.invited if row.invited is not None else row.attendees),
            ("oc-bar-coming", row.coming if row.coming is not None else None),
            ("oc-bar", row.attended),
        )
        body.append(
            format_html(
                '<text class="oc-label oc-small" x="{}" y="{}" text-anchor="end">{}</text>'
                '<text class="oc-label oc-small" x="{}" y="{}" text-anchor="end">{}</text>',
                LABEL - 8,
                y + 10,
                _short(row.name, 38),
                LABEL - 8,
                y + 21,
                f"{row.date:%d %b %Y}",
            )
        )
        for css, value in bars:
            if value is not None:
                body.append(
                    format_html(
                        '<rect class="{}" x="{}" y="{}" width="{}" height="8"/>'
                        '<text class="oc-value oc-small" x="{}" y="{}">{}</text>',
                        css,
                        LABEL,
                        y,
                        round(span * value / top, 1),
                        LABEL + round(span * value / top, 1) + 4,
                        y + 8,
                        value,
                    )
                )
            y += 9
        y += 10
    legend = format_html(
        '<rect class="oc-bar-invited" x="{}" y="{}" width="10" height="8"/>'
        '<text class="oc-value oc-small" x="{}" y="{}">invited</text>'
        '<rect class="oc-bar-coming" x="{}" y="{}" width="10" height="8"/>'
        '<text class="oc-value oc-small" x="{}" y="{}">said yes</text>'
        '<rect class="oc-bar" x="{}" y="{}" width="10" height="8"/>'
        '<text class="oc-value oc-small" x="{}" y="{}">were there</text>',
        LABEL,
        y,
        LABEL + 14,
        y + 8,
        LABEL + 80,
        y,
        LABEL + 94,
        y + 8,
        LABEL + 170,
        y,
        LABEL + 184,
        y + 8,
    )
    return _svg(y + 16, title, [*body, legend])


def connections_columns(rows: list[EventRow], *, title: str) -> SafeString:
    """New connections per event as columns, and their running total as a line."""
    height, bottom, left = 220, 180, 40
    top = max([row.cumulative_new for row in rows] + [1])
    step = min((WIDTH - left - 10) / max(len(rows), 1), 90)
    body = [
        format_html(
            '<line class="oc-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<text class="oc-value oc-small" x="2" y="{}">{}</text>'
            '<text class="oc-value oc-small" x="2" y="{}">0</text>',
            left,
            bottom,
            WIDTH - 10,
            bottom,
            20,
            top,
            bottom,
        )
    ]
    points = []
    for index, row in enumerate(rows):
        x = left + index * step
        h = round((bottom - 20) * row.new_connections / top, 1)
        body.append(
            format_html(
                '<rect class="oc-bar" x="{}" y="{}" width="{}" height="{}"/>'
                '<text class="oc-value oc-small" x="{}" y="{}">{}</text>'
                '<text class="oc-label oc-small" x="{}" y="{}">{}</text>',
                round(x + step * 0.15, 1),
                bottom - h,
                round(step * 0.7, 1),
                h,
                round(x + step * 0.2, 1),
                bottom - h - 3,
                row.new_connections,
                round(x + step * 0.15, 1),
                bottom + 14,
                f"{row.date:%d %b %y}",
            )
        )
        cy = round(bottom - (bottom - 20) * row.cumulative_new / top, 1)
        points.append(f"{round(x + step / 2, 1)},{cy}")
    if points:
        body.append(format_html('<polyline class="oc-line" points="{}"/>', " ".join(points)))
    body.append(
        format_html(
            '<text class="oc-value oc-small" x="{}" y="{}">columns: new per event · '
            "line: running total</text>",
            left,
            height - 6,
        )
    )
    return _svg(height, title, body)


def coverage_heatmap(coverage: Coverage, *, since: datetime.date, title: str) -> SafeString:
    """Departments (rows, in ``coverage``'s order: most gaps first) × specialties: never met,
    met before the period, met in the period, or not applicable (the track rule keeps the
    department's groups from that specialty's tables: a pale cell with a slash)."""
    cell, left, head = 18, LABEL, 150
    # Wide enough for the columns' slanted names and for the legend's four entries.
    width = max(WIDTH, left + 500, left + cell * len(coverage.specialties) + 40)
    body = []
    for col, (_, name) in enumerate(coverage.specialties):
        x = left + col * cell + 12
        body.append(
            format_html(
                '<text class="oc-label oc-small" '
                'transform="translate({} {}) rotate(-60)">{}</text>',
                x,
                head - 4,
                _short(name, 28),
            )
        )
    for row_index, (department, label) in enumerate(coverage.departments):
        y = head + row_index * cell
        body.append(
            format_html(
                '<text class="oc-label oc-small" x="{}" y="{}" text-anchor="end">{}</text>',
                left - 6,
                y + 13,
                _short(label, 36),
            )
        )
        for col, (specialty, name) in enumerate(coverage.specialties):
            state, last = coverage.state(department, specialty)
            x = left + col * cell
            if state == NOT_APPLICABLE:
                body.append(
                    format_html(
                        '<rect class="oc-na" x="{}" y="{}" width="{}" height="{}">'
                        "<title>{} × {}: not applicable (the track rule keeps them apart)"
                        '</title></rect><line class="oc-na-mark" x1="{}" y1="{}" x2="{}" '
                        'y2="{}"/>',
                        x + 0.5,
                        y + 0.5,
                        cell - 3,
                        cell - 3,
                        label,
                        name,
                        x + 4,
                        y + cell - 6,
                        x + cell - 6,
                        y + 4,
                    )
                )
                continue
            if state == NEVER:
                css, words = "oc-never", "never met"
            elif last < since:
                css, words = "oc-old", f"last met {last:%d %b %Y}"
            else:
                css, words = "oc-recent", f"met {last:%d %b %Y}"
            body.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{} × {}: {}</title></rect>",
                    css,
                    x,
                    y,
                    cell - 2,
                    cell - 2,
                    label,
                    name,
                    words,
                )
            )
    y = head + len(coverage.departments) * cell + 8
    legend = format_html(
        '<rect class="oc-never" x="{}" y="{}" width="12" height="12"/>'
        '<text class="oc-value oc-small" x="{}" y="{}">never met</text>'
        '<rect class="oc-old" x="{}" y="{}" width="12" height="12"/>'
        '<text class="oc-value oc-small" x="{}" y="{}">met before the period</text>'
        '<rect class="oc-recent" x="{}" y="{}" width="12" height="12"/>'
        '<text class="oc-value oc-small" x="{}" y="{}">met in the period</text>'
        '<rect class="oc-na" x="{}" y="{}" width="11" height="11"/>'
        '<line class="oc-na-mark" x1="{}" y1="{}" x2="{}" y2="{}"/>'
        '<text class="oc-value oc-small" x="{}" y="{}">not applicable (adult / pediatric)</text>',
        left,
        y,
        left + 16,
        y + 10,
        left + 75,
        y,
        left + 91,
        y + 10,
        left + 200,
        y,
        left + 216,
        y + 10,
        left + 305,
        y + 0.5,
        left + 308,
        y + 9,
        left + 314,
        y + 3,
        left + 321,
        y + 10,
    )
    return _svg(y + 20, title, [*body, legend], width=width)


def score_bars(scores, *, title: str) -> SafeString:
    """How many answered each score 0–10, coloured as detractors, passives and promoters."""
    height, bottom, left = 150, 120, 20
    top = max(list(scores.values()) + [1])
    step = (WIDTH - left - 10) / 11
    body = []
    for score in range(11):
        n = scores.get(score, 0)
        h = round((bottom - 16) * n / top, 1)
        css = "oc-never" if score <= 6 else ("oc-old" if score <= 8 else "oc-recent")
        x = round(left + score * step + step * 0.15, 1)
        body.append(
            format_html(
                '<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>'
                '<text class="oc-value oc-small" x="{}" y="{}">{}</text>'
                '<text class="oc-label oc-small" x="{}" y="{}">{}</text>',
                css,
                x,
                bottom - h,
                round(step * 0.7, 1),
                h,
                x,
                bottom - h - 3,
                n,
                x,
                bottom + 14,
                score,
            )
        )
    return _svg(height, title, body)
