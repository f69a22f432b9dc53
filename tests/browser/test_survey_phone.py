"""The survey after an evening on a phone (390×844): from the itinerary's card to an answer
in a few taps, changed, then deleted; no horizontal scrolling, no script needed."""

import pytest
from playwright.sync_api import Page, expect

from events.models import Attendance
from outcomes.models import SurveyAnswer
from tests.factories import make_clinician, make_region, make_specialist, make_specialty
from tests.outcomes.conftest import CHECKED_IN, days_ago, finished_evening

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def attendance():
    region = make_region(name="North")
    cardiology, neurology = make_specialty(name="Cardiology"), make_specialty(name="Neurology")
    ann = make_clinician(first_name="Ann", last_name="Adams")
    cara = make_specialist(first_name="Cara", last_name="Stone", specialty=cardiology)
    nora = make_specialist(first_name="Nora", last_name="Tate", specialty=neurology)
    evening = finished_evening(
        region=region,
        date=days_ago(2),
        tables=[(cardiology, cara), (neurology, nora)],
        groups=[("Internal Medicine", [ann])],
        statuses={ann: CHECKED_IN, cara: CHECKED_IN, nora: CHECKED_IN},
    )
    return Attendance.objects.get(event=evening.event, clinician=ann)


def test_survey_on_a_phone(page: Page, live_server, attendance, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/i/{attendance.link_token}/")
    page.get_by_role("link", name="Answer the survey").click()

    expect(page.get_by_role("heading", name=attendance.event.name)).to_be_visible()
    page.get_by_label("9", exact=True).check()
    page.get_by_label("Cara Stone, MD · Cardiology").check()
    page.get_by_label("Table 2 · Neurology").check()
    shoot("survey-phone-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Send my answer").click()

    expect(page.get_by_text("Thank you: your answer is saved.")).to_be_visible()
    answer = SurveyAnswer.objects.get(attendance=attendance)
    assert (answer.recommend, [c.last_name for c in answer.contacts.all()]) == (9, ["Stone"])

    page.get_by_label("10", exact=True).check()
    page.get_by_label("What would make the next evening more useful to you?").fill("More time.")
    page.get_by_role("button", name="Save my changes").click()
    expect(page.locator("#survey-answered")).to_contain_text("score 10")

    page.get_by_role("link", name="See or delete your answer").click()
    expect(page.locator("#survey-own-answer")).to_contain_text("More time.")
    shoot("survey-phone-390-own-answer")
    page.get_by_role("button", name="Delete my answer").click()
    expect(page.get_by_text("Your answer is deleted.")).to_be_visible()
    assert SurveyAnswer.objects.count() == 0
