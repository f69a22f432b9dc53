"""The one-page outcomes report for leadership, rendered with WeasyPrint (as the itineraries'
PDFs: itineraries.documents) with the embedded DejaVu font of static/fonts."""

from __future__ import annotations

import datetime

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from .charts import COVERAGE_ROWS
from .figures import HIDDEN_NOTICE, MIN_ANSWERS, RECOMMEND_FROM, Outcomes, Scope

# The report's own sheet only: the charts carry their colours as attributes (outcomes.charts).
STYLESHEETS = ("css/outcomes_report.css",)


def render_report_pdf(*, result: Outcomes, charts: dict, scope: Scope) -> bytes:
    """The report's PDF: headline figures, reach by role, new connections, attendance and the
    coverage heatmap; survey figures only from ``MIN_ANSWERS`` answers."""
    from weasyprint import CSS, HTML

    html = render_to_string(
        "outcomes/report_document.html",
        {
            "result": result,
            "charts": charts,
            "scope": scope,
            "today": datetime.date.today(),
            "min_answers": MIN_ANSWERS,
            "hidden_notice": HIDDEN_NOTICE,
            "recommend_from": RECOMMEND_FROM,
            "coverage_rows": COVERAGE_ROWS,
        },
    )
    stylesheets = [CSS(filename=finders.find(name)) for name in STYLESHEETS]
    return HTML(string=html, base_url=".").write_pdf(stylesheets=stylesheets)
