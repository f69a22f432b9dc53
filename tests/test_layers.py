"""The layers hold in what import-linter cannot see: a lower app's code and templates never
name a higher app's URLs (``{% url 'rotations:...' %}``, ``reverse("itineraries:...")``).
Imports themselves are checked by ``lint-imports`` (``make lint``)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Bottom to top, as in pyproject.toml's layers contract.
LAYERS = [
    "accounts",
    "outbox",
    "clinicians",
    "connections",
    "events",
    "rotations",
    "itineraries",
    "series",
    "outcomes",
    "dinners",
]


def _sources(app: str) -> list[Path]:
    code = [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    return code + sorted((ROOT / "templates" / app).rglob("*.html"))


@pytest.mark.parametrize("app", LAYERS[:-1])
def test_lower_app_names_no_url_of_a_higher_app(app):
    higher = LAYERS[LAYERS.index(app) + 1 :]
    pattern = re.compile(rf"""["']({"|".join(higher)}):[\w-]+["']""")

    found = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for path in _sources(app)
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in pattern.finditer(line)
    ]

    assert found == []
