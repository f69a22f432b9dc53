"""The check-in page on a phone (390 px wide): the attendee list starts near the top, with the
re-plan box below it."""

import pytest
from playwright.sync_api import Page

from rotations import services
from rotations.models import Schedule, SolveRun
from tests.events.scenario import make_organizer, make_ready_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long organizer passphrase"


@pytest.fixture
def published():
    event = make_ready_event(groups=4, tables=6, rounds=4, name="North, spring")
    run = SolveRun.objects.create(event=event, time_limit_s=5)
    services.run_solve(run_id=run.pk)
    return services.publish_schedule(schedule=Schedule.objects.get(solve_run=run), by=None)


def test_checkin_on_a_phone_starts_with_the_list(page: Page, live_server, published, shoot):
    event = published.event
    make_organizer(username="olive", password=PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "olive")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/events/{event.pk}/check-in/")
    first_row = page.locator("#checkin-table tbody tr").first.bounding_box()
    replan = page.locator("#replan").bounding_box()
    shoot("checkin-phone-390")

    assert first_row is not None and first_row["y"] < 500
    assert replan is not None and replan["y"] > first_row["y"]
