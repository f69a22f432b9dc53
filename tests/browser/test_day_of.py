"""The day itself in the browser: check people in, an anchor does not come, re-plan from a
round, compare "fewest changes" and "best schedule" side by side, publish fewest changes.

As in test_organizer_flow.py, the dispatch to the broker is replaced by a recorder and the
test runs ``services.run_solve`` itself while the re-plan page polls its status, so the
page's JavaScript runs as in production; the solver is the real one."""

import pytest
from playwright.sync_api import Page, expect

from events.models import Anchor, GroupMember
from rotations import services, tasks
from rotations.models import Schedule, SolveRun
from tests.events.scenario import make_organizer, make_ready_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long organizer passphrase"


@pytest.fixture
def dispatched(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.solve_task, "apply_async", lambda args, **kw: sent.append(args[0]))
    return sent


@pytest.fixture
def published():
    event = make_ready_event(groups=4, tables=8, rounds=4, name="North, spring")
    run = SolveRun.objects.create(event=event, time_limit_s=5)
    services.run_solve(run_id=run.pk)
    return services.publish_schedule(schedule=Schedule.objects.get(solve_run=run), by=None)


def test_organizer_replans_the_day_and_publishes_fewest_changes(
    page: Page, live_server, published, dispatched, shoot
):
    base = live_server.url
    event = published.event
    table_pk = published.visits.filter(round__gte=3).values_list("table", flat=True).first()
    anchor = Anchor.objects.select_related("clinician").get(table_id=table_pk)
    arriving = GroupMember.objects.select_related("clinician").first().clinician
    make_organizer(username="olive", password=PASSWORD)
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login/")
    page.fill("#id_username", "olive")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    # Check-in: one traveller arrives, an anchor does not come.
    page.goto(f"{base}/events/{event.pk}/check-in/")
    row = page.locator("tr", has_text=arriving.full_name)
    row.get_by_role("button", name="Check in").click()
    expect(page.locator("tr", has_text=arriving.full_name)).to_contain_text("Checked in")
    page.locator("tr", has_text=anchor.clinician.full_name).get_by_role(
        "button", name="No-show"
    ).click()
    expect(page.locator("tr", has_text=anchor.clinician.full_name)).to_contain_text("No-show")
    shoot("day-01-checkin")

    # Re-plan from round 3: the page follows the run, then shows both options.
    page.select_option("#id_from_round", "3")
    page.get_by_role("button", name="Re-plan").click()
    expect(page.locator("#run")).to_be_visible()
    shoot("day-02-replan-running")
    run = SolveRun.objects.get(event=event, replan_from_round=3)
    assert dispatched == [run.pk]
    services.run_solve(run_id=run.pk)
    expect(page.locator(".replan-option")).to_have_count(2)
    expect(page.locator(".replan-kept")).to_have_text(
        "Re-planned from round 3: rounds 1–2 kept as they happened."
    )
    fewest, best = services.replan_options(run=run)
    card = page.locator('.replan-option[data-strategy="fewest-changes"]')
    expect(card.locator('[data-figure="changed_visits"]')).to_have_text(str(fewest.changed_visits))
    expect(card.locator('[data-figure="changed_itineraries"]')).to_have_text(
        str(fewest.changed_itineraries)
    )
    expect(
        page.locator('.replan-option[data-strategy="best"] [data-figure="changed_visits"]')
    ).to_have_text(str(best.changed_visits))
    shoot("day-03-replan-options")

    # Publish fewest changes: the publish page lists whose itinerary to reprint.
    card.get_by_role("button", name="Publish fewest changes").click()
    expect(page.locator(".alert-success")).to_contain_text(
        f"Version {fewest.schedule.version} (fewest changes) is published"
    )
    expect(page.locator(".changed-itineraries li")).to_have_count(fewest.changed_itineraries)
    shoot("day-04-published")
    assert Schedule.objects.get(event=event, is_published=True) == fewest.schedule
