"""The dinners' personal-link pages on a phone (390×844): a clinician signs up (evenings,
reach, hosting, a colleague found by search not to be grouped with), and a host records who
came and the receipt; no horizontal scrolling, no script needed."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dinners import services
from dinners.models import Dinner, DinnerQuestion, SignUp
from tests.factories import make_clinician, make_department, make_region, make_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def season():
    region = make_region(name="North")
    quincy = make_site(name="Quincy", region=region)
    make_site(name="Milton", region=region)
    department = make_department(site=quincy)
    for first, last in [("Ann", "Adams"), ("Ben", "Brown"), ("Cleo", "Chen"), ("Dan", "Diaz")]:
        make_clinician(first_name=first, last_name=last, department=department)
    season = services.create_season(
        name="Spring dinners",
        starts_on=datetime.date.today() + datetime.timedelta(days=14),
        every_weeks=2,
        dinners_count=3,
        weekdays=["tue", "wed"],
        min_size=2,
        max_size=4,
        budget_per_person=Decimal("20.00"),
        regions=[region],
        sign_up_by=timezone.now() + datetime.timedelta(days=7),
        by=None,
    )
    services.send_sign_up_invitations(season=season, base_url="http://testserver", by=None)
    return season


def test_sign_up_on_a_phone(page: Page, live_server, season, shoot):
    sign_up = SignUp.objects.get(season=season, clinician__first_name="Ann")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/d/{sign_up.token}/")
    expect(page.get_by_role("heading", name="Spring dinners")).to_be_visible()

    page.get_by_label("Yes, count me in").check()
    page.get_by_label("Wednesday").check()
    page.get_by_label("Milton").check()
    page.get_by_label("Yes, I will host").check()
    page.get_by_label("Find a colleague").fill("Brown")
    page.get_by_role("button", name="Find").click()
    page.get_by_label("Ben Brown, MD").check()
    shoot("dinners-sign-up-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Send my answer").click()

    expect(page.get_by_text("Thank you: you are signed up.")).to_be_visible()
    sign_up.refresh_from_db()
    assert (sign_up.status, sign_up.weekdays, sign_up.host) == ("joined", ["wed"], "yes")
    assert [c.last_name for c in sign_up.not_with.all()] == ["Brown"]
    assert [s.name for s in sign_up.reach.all()] == ["Milton"]


def test_host_page_on_a_phone(page: Page, live_server, season, shoot):
    # A transactional test flushes the questions the data migration seeded: keep one.
    DinnerQuestion.objects.get_or_create(
        text="What keeps you going on the hardest weeks?", defaults={"topic": "resilience"}
    )
    for sign_up in SignUp.objects.filter(season=season):
        services.sign_up(sign_up=sign_up, joining=True, weekdays=["tue"], host="yes")
    services.form_dinner_groups(season=season, time_limit_s=5)
    dinner = Dinner.objects.order_by("date").first()
    dinner.date = timezone.localdate()
    dinner.save()
    group = dinner.group
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dh/{group.host_token}/?dinner={dinner.pk}")
    expect(page.get_by_text("Tonight's question")).to_be_visible()

    members = list(group.members.order_by("last_name"))
    after = page.locator("#after-dinner")
    after.get_by_label("The dinner took place: record who came").check()
    for member in members[:3]:
        after.get_by_label(member.full_name).check()
    page.get_by_label("Receipt amount ($)").fill("75.00")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved. Thank you!")).to_be_visible()
    expect(page.locator("#over-budget")).to_contain_text("the stipend pays $60.00")
    shoot("dinners-host-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    dinner.refresh_from_db()
    came = set(dinner.seats.filter(attended=True).values_list("clinician_id", flat=True))
    assert (dinner.receipt_amount, came) == (Decimal("75.00"), {m.pk for m in members[:3]})
