"""An organizer builds and runs an event in the browser, from login to publishing.

The solve runs as the Celery worker would run it: the dispatch to the broker is replaced by
a recorder (the broker is what leaves the machine), and the test then calls
``services.run_solve`` itself while the run page polls its status endpoint, so the progress
page's JavaScript is exercised as in production.
"""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from clinicians.models import Track
from events.models import Event
from rotations import services, tasks
from rotations.models import Schedule, SolveRun
from tests.events.scenario import make_organizer
from tests.factories import (
    make_clinician,
    make_department,
    make_region,
    make_site,
    make_specialist,
    make_specialty,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long organizer passphrase"


@pytest.fixture
def catalogue():
    """Three adult specialties with two specialists each; eight primary-care clinicians in
    two departments of one region."""
    region = make_region(name="South Shore")
    quincy = make_site(name="Quincy", region=region)
    braintree = make_site(name="Braintree", region=region)
    specialties = [
        make_specialty(name=n, track=Track.ADULT) for n in ("Cardiology", "Nephrology", "Oncology")
    ]
    for specialty in specialties:
        for last in ("Anchor", "Backup"):
            make_specialist(specialty=specialty, first_name=specialty.name[:4], last_name=last)
    for site in (quincy, braintree):
        department = make_department(name="Internal Medicine", site=site)
        for index in range(4):
            make_clinician(department=department, last_name=f"{site.name}{index}")
    return specialties


@pytest.fixture
def dispatched(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.solve_task, "apply_async", lambda args, **kw: sent.append(args[0]))
    return sent


def test_organizer_builds_solves_edits_and_publishes(
    page: Page, live_server, catalogue, dispatched, shoot
):
    base = live_server.url
    make_organizer(username="olive", password=PASSWORD)
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_default_timeout(10_000)

    # Log in: the events list.
    page.goto(f"{base}/login/")
    page.fill("#id_username", "olive")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    shoot("01-events")

    # Create the event; a date in the past is refused first.
    page.click("text=New event")
    page.fill("#id_name", "South Shore rounds")
    page.fill("#id_date", (datetime.date.today() - datetime.timedelta(days=1)).isoformat())
    page.fill("#id_venue", "Quincy Medical Center, Hall B")
    page.fill("#id_rounds", "3")
    page.click("input[name=save]")
    expect(page.locator("#error_1_id_date, .invalid-feedback").first).to_contain_text("in the past")
    page.fill("#id_date", (datetime.date.today() + datetime.timedelta(days=14)).isoformat())
    expect(page.locator("#timetable-preview")).to_contain_text("3 rounds from 18:00")
    shoot("02-event-form")
    page.click("input[name=save]")
    expect(page.locator("#step-tables")).to_contain_text("No tables yet")
    event = Event.objects.get(name="South Shore rounds")
    shoot("03-event-steps")

    # Tables, each with its anchor.
    for specialty in catalogue:
        page.goto(f"{base}/events/{event.pk}/tables/new/")
        page.select_option("#id_specialty", label=f"{specialty.name} (adult)")
        page.fill("#id_location", f"Hall B, {specialty.name}")
        page.click("input[name=save]")
        card = page.locator(".table-card", has_text=specialty.name)
        card.get_by_role("link", name="Add anchor").click()
        page.select_option("#id_clinician", index=1)
        page.click("input[name=save]")
        expect(page.locator(".table-card", has_text=specialty.name)).to_contain_text("Anchor")
    shoot("04-tables")

    # Attendees: every primary-care clinician of the catalogue.
    page.click("text=Attendance")
    page.click("text=Add clinicians")
    page.select_option("#id_role", "primary-care")
    page.click("input[name=filter]")
    page.click("button[name=add_all]")
    expect(page.locator(".alert-success")).to_contain_text("8 clinicians added")
    page.click("text=← Back to attendance")
    expect(page.locator(".count-cards")).to_contain_text("8")
    shoot("05-attendance")

    # Groups, formed automatically.
    page.get_by_role("link", name="Groups").click()
    page.fill("#id_min_size", "2")
    page.fill("#id_max_size", "4")
    page.get_by_role("button", name="Form groups automatically").click()
    expect(page.locator(".group-card")).to_have_count(2)
    shoot("06-groups")

    # Solve and watch the run page.
    page.get_by_role("link", name="Schedule").click()
    page.select_option("#id_time_limit_s", "10")
    page.click("input[name=solve]")
    expect(page.locator("[data-run-badge]")).to_contain_text("Queued")
    shoot("07-run-queued")
    run = SolveRun.objects.get(event=event)
    assert dispatched == [run.pk]
    services.run_solve(run_id=run.pk)
    expect(page.get_by_role("link", name="Open version 1")).to_be_visible()
    shoot("08-run-done")

    # The grid, then a move refused and a move made.
    page.click("text=Open version 1")
    expect(page.locator("[data-quality]")).to_contain_text(
        "every group meets all the tables it can"
    )
    shoot("09-grid")
    schedule = Schedule.objects.get(event=event, version=1)
    first = schedule.visits.select_related("group", "table").order_by("round", "table__number")[0]
    other_round = schedule.visits.filter(group=first.group).exclude(round=first.round).first()
    page.select_option("#id_group", str(first.group_id))
    page.select_option("#id_round", str(other_round.round))
    page.select_option("#id_table", str(first.table_id))
    page.click("input[name=move]")
    expect(page.locator(".alert-danger")).to_contain_text("meets each table once")
    shoot("10-move-refused")
    page.select_option("#id_round", str(first.round))
    page.select_option("#id_table", "")
    page.click("input[name=move]")
    expect(page.locator(".alert-success")).to_contain_text("is out of round")
    shoot("11-moved")

    # Publish.
    page.get_by_role("link", name="Publish…").click()
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.locator(".alert-success")).to_contain_text("Version 1 is published")
    expect(page.locator(".changed-itineraries li")).to_have_count(11)
    shoot("12-published")
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED

    # The event page sums it up; check-in is next.
    page.goto(f"{base}/events/{event.pk}/")
    expect(page.locator("#step-publish")).to_contain_text("Version 1 is published")
    page.get_by_role("link", name="Check-in").click()
    page.locator("tr", has_text="Quincy0").get_by_role("button", name="Check in").click()
    expect(page.locator("tr", has_text="Quincy0")).to_contain_text("Checked in")
    shoot("13-checkin")
    assert re.search(r"/check-in/$", page.url)
