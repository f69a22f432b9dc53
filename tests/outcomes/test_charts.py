"""The SVG charts (``outcomes.charts``): the coverage heatmap's cells on a hand-built
example (conftest's ``tracks``)."""

import re

from outcomes import charts, figures
from tests.outcomes.conftest import days_ago


def test_heatmap_draws_not_applicable_cells_apart_from_never_met_with_a_legend(tracks):
    result = figures.compute(figures.scope_for(region=tracks.region))

    svg = str(charts.coverage_heatmap(result.coverage, since=result.since, title="Coverage"))

    cells = re.findall(r'<rect class="(oc-[a-z]+)"[^>]*><title>([^<]+)</title>', svg)
    assert cells == [
        ("oc-never", "Family Medicine, Milton × Allergy: never met"),
        ("oc-never", "Family Medicine, Milton × Cardiology: never met"),
        ("oc-never", "Family Medicine, Milton × Neonatology: never met"),
        ("oc-never", "Pediatrics, Milton × Allergy: never met"),
        (
            "oc-na",
            "Pediatrics, Milton × Cardiology: not applicable (the track rule keeps them apart)",
        ),
        ("oc-never", "Pediatrics, Milton × Neonatology: never met"),
        ("oc-never", "Internal Medicine, Milton × Allergy: never met"),
        ("oc-recent", f"Internal Medicine, Milton × Cardiology: met {days_ago(30):%d %b %Y}"),
        (
            "oc-na",
            "Internal Medicine, Milton × Neonatology: not applicable (the track rule keeps "
            "them apart)",
        ),
    ]
    assert "not applicable (adult / pediatric)</text>" in svg
