"""The data behind each chart of the outcomes page, as rows for a CSV file (header first).
Survey figures follow the page: hidden under ``figures.MIN_ANSWERS`` answers; the free text
is its own file ("comments"), which only admins may ask for."""

from __future__ import annotations

from collections.abc import Iterator

from .figures import HIDDEN_NOTICE, Outcomes

CHARTS = (
    "summary",
    "reach-role",
    "reach-site",
    "reach-department",
    "attendance",
    "connections",
    "coverage",
    "scores",
    "useful-tables",
    "comments",
)


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def chart_rows(result: Outcomes, chart: str) -> Iterator[list]:
    if chart == "summary":
        yield ["figure", "value"]
        for name, value in result.as_json().items():
            yield [name, "" if value is None else value]
    elif chart.startswith("reach-"):
        rows = {
            "reach-role": result.by_role,
            "reach-site": result.by_site,
            "reach-department": result.by_department,
        }[chart]
        yield [chart.removeprefix("reach-"), "eligible", "attended", "reach"]
        for row in rows:
            yield [row.label, row.eligible, row.attended, _share(row.reach)]
    elif chart in ("attendance", "connections"):
        yield [
            "event", "date", "on the list", "invited", "replied", "said yes", "were there",
            "meetings", "new connections", "new connections, cumulative", "survey answers",
            "would recommend", "NPS",
        ]  # fmt: skip
        for row in result.events:
            yield [
                row.name, row.date.isoformat(), row.attendees,
                "" if row.invited is None else row.invited,
                "" if row.replied is None else row.replied,
                "" if row.coming is None else row.coming,
                row.attended, row.meetings, row.new_connections, row.cumulative_new,
                row.responses, _share(row.recommend_share), "" if row.nps is None else row.nps,
            ]  # fmt: skip
    elif chart == "coverage":
        # The heatmap's cells, every department (most gaps first, as the chart): "never", the
        # last date they met, or "n/a" where the track rule keeps them apart.
        coverage = result.coverage
        yield ["department", "track", "never met", *[name for _, name in coverage.specialties]]
        for department, label in coverage.departments:
            cells = []
            for specialty, _ in coverage.specialties:
                state, last = coverage.state(department, specialty)
                cells.append(last.isoformat() if last is not None else state)
            yield [
                label,
                coverage.department_tracks[department],
                coverage.gaps(department),
                *cells,
            ]
    elif chart == "scores":
        yield ["score", "answers"]
        if not result.answers_shown:
            yield [HIDDEN_NOTICE, ""]
            return
        for score in range(11):
            yield [score, result.scores.get(score, 0)]
    elif chart == "useful-tables":
        yield ["specialty", "chosen as most useful"]
        if not result.answers_shown:
            yield [HIDDEN_NOTICE, ""]
            return
        yield from ([name, n] for name, n in result.useful_specialties)
    elif chart == "comments":
        yield ["event", "date", "comment"]
        if not result.answers_shown:
            yield [HIDDEN_NOTICE, "", ""]
            return
        for name, date, text in result.comments:
            yield [name, date.isoformat(), text]
