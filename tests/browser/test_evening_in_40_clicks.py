"""A new organizer sets up a whole evening, from the login page to a published schedule, and
every interaction is counted: it must take at most 40.

The evening is the kind the issue measured (part 11): 63 clinicians imported from a roster
file, 9 tables (one per specialty of the attending specialists), anchors present only part of
the evening, groups formed, a solve, a move, a pin, publishing. Every click, fill, choice,
upload, key press and confirmation dialog counts (``Organizer``). The solve runs as the Celery
worker would run it (the dispatch to the broker is replaced by a recorder, then the test calls
``services.run_solve`` while the run page polls), as in ``test_organizer_flow.py``.
"""

import datetime
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import Locator, Page, expect

from accounts.roles import ORGANIZERS, sync_role_groups
from clinicians.models import Clinician, Track
from events.models import Anchor, Event
from rotations import services, tasks
from rotations.models import Schedule, SolveRun
from tests.factories import make_department, make_region, make_site, make_specialty, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long organizer passphrase"
MAX_INTERACTIONS = 40
EVENING = datetime.date.today() + datetime.timedelta(days=45)

# The catalogue the organization keeps: sites, their primary-care departments (with the
# patients they serve) and the specialties. The people come from the roster file.
DEPARTMENTS = [  # (department, site, track, clinicians in the roster)
    ("Internal Medicine", "Salem", Track.ADULT, 7),
    ("Internal Medicine", "Beverly", Track.ADULT, 7),
    ("Internal Medicine", "Lynn", Track.ADULT, 7),
    ("Pediatrics", "Salem", Track.PEDIATRIC, 6),
    ("Pediatrics", "Beverly", Track.PEDIATRIC, 6),
    ("Family Medicine", "Gloucester", Track.ALL_AGES, 6),
    ("Family Medicine", "Lynn", Track.ALL_AGES, 6),
]
SPECIALTIES = [  # (specialty, track, specialists in the roster)
    ("Cardiology", Track.ADULT, 3),
    ("Nephrology", Track.ADULT, 2),
    ("Oncology", Track.ADULT, 2),
    ("Pulmonology", Track.ADULT, 2),
    ("Gastroenterology", Track.ADULT, 2),
    ("Endocrinology", Track.ADULT, 2),
    ("Pediatric Cardiology", Track.PEDIATRIC, 2),
    ("Dermatology", Track.ALL_AGES, 1),
    ("Orthopedics", Track.ALL_AGES, 1),
]
FIRST_NAMES = "Ana Ben Cara Dev Eli Fay Gus Hana Ian Jo Kai Lea Max Nia Oto Pia Raj Sol Tia Uma"
LAST_NAMES = "Abbot Baker Chen Diaz Evans Fox Garcia Hughes Ito Jones Khan Lopez Moreau Ng Osei"


def roster_csv() -> str:
    """The roster the organizer was sent: 45 primary-care clinicians, 17 specialists and a
    leader, 63 rows."""
    firsts, lasts = FIRST_NAMES.split(), LAST_NAMES.split()
    rows = ["first_name,last_name,credentials,email,role,specialty,department,sites"]
    people: list[tuple[str, str, str, str]] = []  # (role, specialty, department, site)
    for department, site, _track, n in DEPARTMENTS:
        people += [("primary-care", "", department, site)] * n
    for specialty, _track, n in SPECIALTIES:
        people += [("specialist", specialty, "", "Salem")] * n
    people.append(("leader", "", "", "Salem"))
    for index, (role, specialty, department, site) in enumerate(people):
        first = firsts[index % len(firsts)]
        last = f"{lasts[index % len(lasts)]}{index // len(lasts) or ''}"
        email = f"{first}.{last}@northshore.example.org".lower()
        rows.append(f"{first},{last},MD,{email},{role},{specialty},{department},{site}")
    return "\n".join(rows) + "\n"


@pytest.fixture
def catalogue():
    region = make_region(name="North Shore")
    sites = {
        name: make_site(name=name, region=region)
        for name in ("Salem", "Beverly", "Lynn", "Gloucester")
    }
    for department, site, track, _n in DEPARTMENTS:
        make_department(name=department, site=sites[site], track=track)
    for specialty, track, _n in SPECIALTIES:
        make_specialty(name=specialty, track=track)
    return region


@pytest.fixture
def organizer():
    """A new organizer with the organizers' role, as an admin would set them up."""
    sync_role_groups(apps)
    user = make_user(username="nora", password=PASSWORD, first_name="Nora", last_name="New")
    user.groups.add(Group.objects.get(name=ORGANIZERS))
    return user


@pytest.fixture
def dispatched(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.solve_task, "apply_async", lambda args, **kw: sent.append(args[0]))
    return sent


class Organizer:
    """The person at the keyboard: every action they take goes through here and is counted,
    with a line saying what it was (printed at the end)."""

    def __init__(self, page: Page):
        self.page = page
        self.steps: list[str] = []
        page.on("dialog", self._confirm)

    def _confirm(self, dialog) -> None:
        self.steps.append(f"confirm: {dialog.message[:60]}")
        dialog.accept()

    @property
    def count(self) -> int:
        return len(self.steps)

    def click(self, target: Locator, what: str = "") -> None:
        self.steps.append(f"click {what or target}")
        target.click()

    def fill(self, target: Locator, value: str) -> None:
        self.steps.append(f"type {value!r}")
        target.fill(value)

    def select(self, target: Locator, what: str = "", **option) -> None:
        self.steps.append(f"choose {what or option}")
        target.select_option(**option)

    def upload(self, target: Locator, name: str, content: str) -> None:
        self.steps.append(f"upload {name}")
        target.set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
        )

    def press(self, target: Locator, key: str) -> None:
        self.steps.append(f"press {key}")
        target.press(key)


def test_a_new_organizer_sets_up_an_evening_in_40_interactions(
    page: Page, live_server, catalogue, organizer, dispatched, shoot
):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.set_default_timeout(15_000)
    you = Organizer(page)
    button = lambda name: page.get_by_role("button", name=name)  # noqa: E731
    link = lambda name: page.get_by_role("link", name=name)  # noqa: E731
    tab = lambda name: page.locator(".event-tabs").get_by_role("link", name=name)  # noqa: E731

    # Log in.
    page.goto(f"{live_server.url}/login/")
    you.fill(page.get_by_label("Username"), "nora")
    you.fill(page.get_by_label("Password"), PASSWORD)
    you.click(button("Log in"), "Log in")
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    shoot("evening-01-events")

    # The event: its name, date and venue; the region, the rounds and their length as
    # proposed (10 rounds of 10 minutes from 18:00).
    you.click(link("New event"), "New event")
    you.fill(page.get_by_label("Name"), "North Shore spring rounds")
    you.fill(page.get_by_label("Date"), EVENING.isoformat())
    you.fill(page.get_by_label("Venue"), "Salem Hospital, Atrium")
    expect(page.get_by_label("Region")).to_have_value(str(catalogue.pk))
    you.click(button("Create event"), "Create event")
    event = Event.objects.get(name="North Shore spring rounds")
    assert (event.date, event.rounds, event.region) == (EVENING, 10, catalogue)
    shoot("evening-02-event")

    # The roster: import the file and add everyone in it to the event, in one step.
    you.click(tab("Attendance"), "Attendance")
    you.click(link("Import a roster"), "Import a roster")
    you.upload(page.get_by_label("Roster file"), "north-shore-spring.csv", roster_csv())
    you.click(button("Check the file"), "Check the file")
    expect(page.locator(".lead")).to_contain_text("63 rows")
    shoot("evening-03-roster-preview")
    you.click(button("Import 63 clinicians and add them to the event"), "Import and add")
    expect(page.locator(".alert-success").last).to_contain_text("63 clinicians added")
    assert event.attendances.count() == 63
    shoot("evening-04-attendance")

    # Tables: one per specialty of the attending specialists, each with its specialists.
    you.click(tab("Tables"), "Tables")
    you.click(button("Tables from the attending specialists"), "Tables from specialists")
    expect(page.locator(".table-card")).to_have_count(9)

    # Part of the evening: the oncologists come from clinic at round 4, one cardiologist
    # leaves after round 6 and the dermatologist after round 7.
    oncologists = list(Anchor.objects.filter(event=event, table__specialty__name="Oncology"))
    cardiologist = Anchor.objects.filter(event=event, table__specialty__name="Cardiology")[0]
    dermatologist = Anchor.objects.get(event=event, table__specialty__name="Dermatology")
    you.click(link("Set anchors' rounds"), "Set anchors' rounds")
    for anchor in oncologists:
        name = anchor.clinician.full_name
        you.select(page.get_by_label(f"{name} arrives at"), "arrives at 4", label="Round 4")
    name = cardiologist.clinician.full_name
    you.select(page.get_by_label(f"{name} leaves after"), "leaves after 6", label="Round 6")
    name = dermatologist.clinician.full_name
    you.select(page.get_by_label(f"{name} leaves after"), "leaves after 7", label="Round 7")
    shoot("evening-05-anchor-rounds")
    you.click(button("Save the anchors' rounds"), "Save the anchors' rounds")
    expect(page.locator(".alert-success").first).to_contain_text("Saved")
    present = {a.clinician_id: a.present_rounds(10) for a in Anchor.objects.filter(event=event)}
    assert present[oncologists[0].clinician_id] == list(range(4, 11))
    assert present[oncologists[1].clinician_id] == list(range(4, 11))
    assert present[cardiologist.clinician_id] == list(range(1, 7))
    assert present[dermatologist.clinician_id] == list(range(1, 8))
    assert sum(len(rounds) < 10 for rounds in present.values()) == 4
    shoot("evening-06-tables")

    # Groups, formed from the attending primary-care clinicians; then solve from there, as
    # the worker would.
    you.click(tab("Groups"), "Groups")
    you.click(button("Form groups automatically"), "Form groups automatically")
    expect(page.locator(".group-card").first).to_be_visible()
    assert event.groups.count() >= 6
    shoot("evening-07-groups")
    you.click(button("Solve the schedule"), "Solve the schedule")
    expect(page.locator("[data-run-badge]")).to_be_visible()
    run = SolveRun.objects.get(event=event)
    assert dispatched == [run.pk]
    services.run_solve(run_id=run.pk)
    schedule = Schedule.objects.get(event=event)
    you.click(link(f"Open version {schedule.version}"), "Open version")
    shoot("evening-08-grid")

    # A move with the move form: one group's clinicians have a clinic at 19:45, so the group
    # leaves before the last round.
    leaving = schedule.visits.filter(round=event.rounds).order_by("group__name")[0].group
    move = page.locator("#move")
    you.select(move.get_by_label("Group"), "the group", label=leaving.name)
    you.select(move.locator("select[name=round]"), "the last round", index=event.rounds - 1)
    you.click(move.get_by_role("button", name="Move"), "Move")
    expect(page.locator(".alert-success, .alert-info").first).to_contain_text("out of round")
    assert not schedule.visits.filter(group=leaving, round=event.rounds, table__isnull=False)

    # A pin: keep a visit where it is if the organizer solves again.
    you.click(page.get_by_role("button", name=re.compile(r"^Pin ")).first, "Pin")
    expect(page.locator(".alert-success, .alert-info").first).to_contain_text("pinned")
    assert schedule.visits.filter(pinned=True).exists()
    shoot("evening-09-moved-and-pinned")

    # Publish.
    you.click(link("Publish…").first, "Publish…")
    you.click(button(f"Publish version {schedule.version}"), "Publish version")
    expect(page.locator(".alert-success").first).to_contain_text("is published")
    shoot("evening-10-published")
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert event.attendances.filter(clinician__role=Clinician.Role.SPECIALIST).count() == 17

    print(f"\nInteractions from login to published: {you.count}")
    for number, step in enumerate(you.steps, 1):
        print(f"  {number:2}. {step}")
    assert you.count <= MAX_INTERACTIONS, "\n".join(you.steps)
