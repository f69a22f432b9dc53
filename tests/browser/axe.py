"""axe-core in the browser tests: check a Playwright page against WCAG 2.1 A and AA.

axe-core comes from the npm registry (tests/browser/package.json pins it; conftest.py runs
`npm ci` when it is missing) and is used only here: the app never serves it. It is evaluated
in the page through the DevTools protocol (`page.evaluate`), which the page's strict
Content-Security-Policy (no inline script) does not block, so the page is checked with the
same headers it has in production.

    def test_page_is_accessible(page, axe):      # the fixture installs axe-core if missing
        page.goto(url)
        axe(page)                                # fails with every violation, in words

    axe_violations(page)                         # the raw list, to inspect
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0 and 2.1, levels A and AA: what the issue asks every page to pass.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def ensure_axe_core() -> None:
    """axe-core, pinned in tests/browser/package.json, installed with `npm ci` from the npm
    registry when missing (a fresh machine), as conftest.py installs Chromium; otherwise a
    message that says what to do."""
    if AXE_JS.exists():
        return
    npm = shutil.which("npm")
    if npm:
        print("\nBrowser tests: axe-core is missing; installing it with npm ci ...")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            stdout=subprocess.DEVNULL,
            check=False,
        )
    if not AXE_JS.exists():
        pytest.exit(
            "The accessibility tests need axe-core and it could not be installed (no npm, or "
            "the npm registry is unreachable). Install Node.js 18+ with npm and run `npm ci` "
            'in tests/browser/, or leave the browser tests out: pytest -m "not browser".',
            returncode=1,
        )


@cache
def axe_source() -> str:
    ensure_axe_core()
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(
    page, *, exclude: tuple[str, ...] = (), tags: tuple[str, ...] = WCAG_TAGS
) -> list[dict]:
    """Run axe-core on the page as it is now and return its violations (axe's own dicts:
    id, impact, help, helpUrl, nodes with target and failureSummary). `exclude` lists CSS
    selectors of parts of the page that are not checked; `tags` chooses axe's rules (add
    "best-practice" for landmarks, heading order and empty table headers)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    return page.evaluate(
        """async ([context, tags]) => {
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
            const results = await axe.run(context || document, options);
            return results.violations;
        }""",
        [context, list(tags)],
    )


def describe(violations: list[dict]) -> str:
    """Each violation with its rule, what it asks and the elements that break it."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(json.dumps(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


def assert_accessible(
    page, *, exclude: tuple[str, ...] = (), tags: tuple[str, ...] = WCAG_TAGS
) -> None:
    """Fail with every violation on the page (by default of WCAG 2.1 A/AA), by rule and
    element."""
    violations = axe_violations(page, exclude=exclude, tags=tags)
    assert not violations, f"{page.url} breaks axe's {', '.join(tags)} rules:\n" + describe(
        violations
    )
