"""Browser tests: pytest-playwright with Debian's Chromium (never `playwright install`)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser import axe

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous and safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> None:
    """Debian's Chromium at /usr/bin/chromium, installed from the OS packages when missing and
    we are root (a fresh machine); otherwise a message that says what to do. Playwright's own
    browser download is never used."""
    if CHROMIUM.exists():
        return
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        print("\nBrowser tests: /usr/bin/chromium is missing; installing it with apt-get ...")
        install = [apt, "install", "-y", "--no-install-recommends", "chromium"]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "check": False}
        if subprocess.run(install, **quiet).returncode != 0:
            subprocess.run([apt, "update"], **quiet)
            subprocess.run(install, **quiet)
    if not CHROMIUM.exists():
        pytest.exit(
            "Browser tests need Chromium at /usr/bin/chromium and it could not be installed "
            "(not root, or no apt-get). Install it (`sudo apt-get install chromium`) or leave "
            'the browser tests out: pytest -m "not browser".',
            returncode=1,
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # After -m has deselected, and only when a browser test is going to run:
    # `-m "not browser"` needs no Chromium, and only the accessibility tests need axe-core.
    if any(item.get_closest_marker("browser") for item in items):
        ensure_chromium()
    if any("axe" in getattr(item, "fixturenames", ()) for item in items):
        axe.ensure_axe_core()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-gpu",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture
def shoot(page):
    """shoot("03-tables") saves a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shoot(name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _shoot


@pytest.fixture(name="axe")
def axe_fixture():
    """axe(page) fails with every WCAG 2.1 A/AA violation on the page (tests/browser/axe.py);
    asking for it installs axe-core first when it is missing."""
    return axe.assert_accessible
