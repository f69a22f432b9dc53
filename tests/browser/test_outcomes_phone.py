"""An organizer reads the outcomes on a phone (390×844) and changes when an event's survey
closes: the page never scrolls sideways (each chart scrolls in its own box), the heatmap
shows the departments with the most gaps and a link to all, and the close date refuses a
day before the event with a message."""

import pytest
from playwright.sync_api import Page, expect

from clinicians.models import Track
from outcomes.models import SurveySettings
from tests.accounts.helpers import make_organizer
from tests.factories import (
    make_clinician,
    make_department,
    make_region,
    make_site,
    make_specialist,
    make_specialty,
)
from tests.outcomes.conftest import CHECKED_IN, days_ago, finished_evening

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long organizer passphrase"


@pytest.fixture
def evening():
    """West (site Natick): sixteen adult departments and Pediatrics; a neonatologist and a
    cardiologist; an evening 20 days ago (its survey closed) where Ann met Cara."""
    region = make_region(name="West")
    site = make_site(name="Natick", region=region)
    departments = [make_department(name=f"Adult {n:02}", site=site) for n in range(1, 17)]
    make_department(name="Pediatrics", site=site, track=Track.PEDIATRIC)
    neonatology = make_specialty(name="Neonatology", track=Track.PEDIATRIC)
    cardiology = make_specialty(name="Cardiology")
    make_specialist(first_name="Neil", last_name="Tate", specialty=neonatology, sites=[site])
    cara = make_specialist(first_name="Cara", last_name="Stone", specialty=cardiology, sites=[site])
    ann = make_clinician(first_name="Ann", last_name="Adams", department=departments[0])
    make_organizer(region, username="olive", password=PASSWORD)
    return finished_evening(
        region=region,
        date=days_ago(20),
        tables=[(cardiology, cara)],
        groups=[("Adult 01", [ann])],
        statuses={ann: CHECKED_IN, cara: CHECKED_IN},
        rounds=1,
    ).event


def test_outcomes_and_survey_close_date_on_a_phone(page: Page, live_server, evening, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "olive")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/outcomes/")
    shoot("outcomes-phone-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("#oc-coverage")).to_contain_text("The 15 departments with the most gaps")
    page.get_by_role("link", name="Show all 17 departments").click()
    expect(page.locator("#oc-coverage")).to_contain_text("All 17 departments")
    expect(page.locator("#oc-events")).to_contain_text(f"closed {days_ago(6):%-d %b %Y}")

    page.get_by_role("link", name=f"change the close date of {evening.name}").click()
    page.fill("#id_closes_on", days_ago(21).isoformat())
    page.get_by_role("button", name="Save the close date").click()
    expect(page.get_by_role("alert")).to_contain_text("The survey cannot close before the event")
    page.fill("#id_closes_on", days_ago(-5).isoformat())
    page.get_by_role("button", name="Save the close date").click()
    expect(page.locator("#survey-state")).to_contain_text("Open")
    shoot("outcomes-survey-settings-phone-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert list(SurveySettings.objects.values_list("closes_on", flat=True)) == [days_ago(-5)]
