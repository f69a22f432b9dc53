"""The reply page of an invitation on a phone (390×844): answer in a few taps, change the
answer, move to another evening of the series; no horizontal scrolling, no script needed."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clinicians.models import Track
from series import services
from series.models import Invitation
from tests.factories import make_clinician, make_department, make_region, make_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invitation():
    region = make_region(name="North")
    site = make_site(name="Quincy", region=region)
    ann = make_clinician(
        first_name="Ann",
        last_name="Adams",
        department=make_department(site=site, track=Track.ADULT),
    )
    today = datetime.date.today()
    series = services.create_series(
        name="Regional evenings",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=90),
        regions=[region],
        by=None,
    )
    evenings = [
        services.add_evening(
            series=series,
            name=name,
            date=today + datetime.timedelta(days=days),
            venue=f"{name} Hall",
            start_time=datetime.time(18, 0),
            region=region,
            sites=[site],
            reply_by=timezone.now() + datetime.timedelta(days=days - 7),
            cap=None,
            template=None,
            by=None,
        )
        for name, days in (("North evening", 30), ("Milton evening", 45))
    ]
    services.send_invitations(evening=evenings[0], base_url="http://testserver", by=None)
    return Invitation.objects.get(evening=evenings[0], clinician=ann)


def test_reply_on_a_phone(page: Page, live_server, invitation, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/r/{invitation.token}/")
    expect(page.get_by_role("heading", name="North evening")).to_be_visible()
    arrives = page.get_by_label("I arrive at")
    expect(arrives).to_be_hidden()
    shoot("rsvp-phone-390-open")

    page.get_by_label("I'll arrive late or leave early").check()
    expect(arrives).to_be_visible()
    arrives.fill("18:20")
    page.get_by_role("button", name="Send my reply").click()

    expect(page.get_by_text("Thank you: we have your times.")).to_be_visible()
    expect(page.locator("#reply-current")).to_contain_text("Late or early (from 18:20)")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.arrives_at) == ("partial", datetime.time(18, 20))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Not this evening — another one").check()
    page.get_by_label("The evening I choose").select_option(
        label=page.locator("#id_other_evening option").first.inner_text()
    )
    page.get_by_role("button", name="Send my reply").click()

    expect(page.get_by_role("heading", name="Milton evening")).to_be_visible()
    expect(page.locator("#reply-current")).to_contain_text("Yes")
    shoot("rsvp-phone-390-moved")
    invitation.refresh_from_db()
    assert invitation.status == "other-evening"
