"""Every organizer and clinician page passes axe-core's WCAG 2.1 A and AA rules, and its
best practices (landmarks, heading order, named table headers).

The pages are the app's URL names (walked from the URL confs, with the permission matrix's
word on who may open each): every HTML page an organizer can open, as an organizer; the
pages only admins can open and the catalogue and account pages, as an admin; personal links
and the login pages, logged out. A URL that is not a page must say why (POST-only, a file,
JSON, or a page another test checks), so a new page fails
`test_every_url_is_checked_or_says_why` until it is walked here.

The pages only read, so one event is built once for the module (a real solve, a publish, a
re-plan on the day with a no-show, a hand move that makes a draft with a pinned visit) and a
live server of the module's own serves it; the data is flushed at the end, as a
transactional test would. Each check is its own test, so a failure names the page and every
violation on it (rule, what it asks, the elements).
"""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from pytest_django.live_server_helper import LiveServer

from accounts.models import OrganizerProfile
from clinicians.models import Track
from dinners.models import (
    Dinner,
    DinnerGroup,
    DinnerQuestion,
    DinnerSeason,
    DinnerSeat,
    SignUp,
)
from events.models import Attendance
from itineraries.links import table_token
from outbox.services import opt_out_token, queue_email
from rotations import editing, services
from rotations.models import Schedule, SolveRun
from rotations.services import replanning
from series.models import Evening, Invitation, Series
from tests.accounts.helpers import make_admin, make_organizer
from tests.browser.axe import WCAG_TAGS
from tests.factories import (
    make_anchor,
    make_attendance,
    make_clinician,
    make_department,
    make_event,
    make_group,
    make_region,
    make_site,
    make_specialist,
    make_specialty,
    make_table,
)
from tests.test_permission_matrix import MATRIX, app_url_names

# The django_db mark makes pytest-django set up the test database; the tests themselves only
# read through the browser, from the module's world.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# WCAG 2.1 A and AA, which the issue asks for, and axe's best practices on top: landmarks,
# heading order, one main heading, named table headers.
TAGS = (*WCAG_TAGS, "best-practice")


# URL names that are not pages to check here, each with the reason.
NOT_PAGES = {
    "home": "a redirect to the event list",
    "healthz": "plain text for load balancers",
    "clinicians:import_template": "a CSV file",
    "rotations:run_status": "JSON the run page polls",
    "rotations:schedule_export": "a spreadsheet",
    "rotations:schedule_master_pdf": "a PDF",
    "itineraries:calendar": "an .ics file",
    "itineraries:export": "a spreadsheet",
    "itineraries:print-all-file": "a PDF",
    "itineraries:table-signs": "a PDF",
    "itineraries:print-changed": "a PDF",
    "outcomes:csv": "a chart's data as CSV",
    "outcomes:pdf": "a PDF",
    "series:progress": "JSON the series page polls",
    "dinners:stipends_csv": "a CSV for finance",
    # The board (grid and move page) is being rewritten; its own tests check it with axe.
    "rotations:schedule": "the board: checked by the board's own tests",
    "rotations:version": "the board, by version number: checked by the board's own tests",
    "rotations:schedule_move": "the board: checked by the board's own tests",
}

# How the module's world fills each URL's arguments, when it differs from the permission
# matrix's spec (same keys: the names of objects in the world).
OBJECT_FOR = {
    "rotations:schedule_compare": {"pk": "draft"},
    "rotations:schedule_publish": {"pk": "draft"},
}

# Pages seen in more than one state: (URL name, label) -> URL arguments from the world.
EXTRA_STATES = {
    ("itineraries:detail", "anchor"): {"token": "anchor_token"},
    ("itineraries:print", "anchor"): {"token": "anchor_token"},
    ("rotations:run", "re-plan"): {"event_pk": "event", "pk": "replan_run"},
    ("rotations:run", "running"): {"event_pk": "empty_event", "pk": "running_run"},
    ("rotations:run", "failed"): {"event_pk": "event", "pk": "failed_run"},
    ("rotations:schedule_publish", "published"): {"event_pk": "event", "pk": "schedule"},
    ("events:detail", "empty"): {"pk": "empty_event"},
    ("events:table_list", "empty"): {"event_pk": "empty_event"},
    ("events:group_list", "empty"): {"event_pk": "empty_event"},
    ("rotations:schedule_list", "empty"): {"event_pk": "empty_event"},
    ("clinicians:specialty_detail", "retired"): {"pk": "retired_specialty"},
}

# Who looks, and the permission matrix's column for them. The visitor is logged out: a
# clinician with a personal link, or someone on the login or set-password page.
ACTORS = {"admin": "admin", "organizer": "org_here", "visitor": "anon"}

# Pages no visitor opens from a plain URL; each is checked by its own test below.
CHECKED_BY_HAND = {
    "clinicians:import_preview": "test_roster_import_pages_pass_axe",
}


def post_only(name: str) -> bool:
    """The permission matrix's word: an admin's GET is refused with 405."""
    return MATRIX[name][0]["admin"] == 405


# Where an admin's page differs from an organizer's beyond the navbar: the catalogue and
# the accounts, whose controls follow the admin's permissions. The event pages are the same
# for both, so an admin walks them only on the pages organizers cannot open.
ADMIN_DIFFERS = ("clinicians:", "accounts:")


def is_page_for(name: str, actor: str) -> bool:
    if name in NOT_PAGES or name in CHECKED_BY_HAND:
        return False
    expected, _ = MATRIX[name]
    if actor == "visitor":
        return expected["anon"] != "login" and not post_only(name)
    if expected["anon"] != "login" or expected[ACTORS[actor]] != 200:
        return False
    return actor != "admin" or expected["org_here"] != 200 or name.startswith(ADMIN_DIFFERS)


CASES = [
    pytest.param(name, actor, "", id=f"{actor}-{name}")
    for name in sorted(MATRIX)
    for actor in ACTORS
    if is_page_for(name, actor)
] + [
    pytest.param(name, actor, label, id=f"{actor}-{name}-{label}")
    for (name, label) in sorted(EXTRA_STATES)
    for actor in ACTORS
    if is_page_for(name, actor)
]


def test_every_url_is_checked_or_says_why():
    checked = {name for name, *_ in (case.values for case in CASES)}
    # A URL the permission matrix lacks fails its own test there; once it is in, it is here.
    names = {name for name in app_url_names() if name in MATRIX and not post_only(name)}

    assert sorted(names - checked - set(NOT_PAGES) - set(CHECKED_BY_HAND)) == []


def build_world() -> dict:
    """One event of six tables (adult, pediatric, all ages) and five groups, solved,
    published, re-planned from round 3 when a table's only anchor did not come (the fewest
    changes option published), then moved by hand into a draft with a pinned visit, and a
    failed solve; an event with nothing but a solve under way; a series with that event as an
    evening and invitations answered every way; an email in the outbox; a retired specialty;
    an organizer who has not set a password yet."""
    region = make_region(name="South Shore")
    quincy = make_site(name="Quincy", region=region)
    braintree = make_site(name="Braintree", region=region)
    specialties = {
        name: make_specialty(name=name, track=track, description=f"{name} for every age.")
        for name, track in (
            ("Cardiology", Track.ADULT),
            ("Nephrology", Track.ADULT),
            ("Pediatric Cardiology", Track.PEDIATRIC),
            ("Dermatology", Track.ALL_AGES),
            ("Endocrinology", Track.ADULT),
            ("Geriatrics", Track.ADULT),
        )
    }
    retired = make_specialty(name="Sleep Medicine", is_active=False)
    event = make_event(
        name="North, spring",
        region=region,
        rounds=4,
        date=datetime.date.today() + datetime.timedelta(days=20),
    )
    empty_event = make_event(name="South, autumn", region=region, rounds=6)
    tables, anchors = [], []
    for number, specialty in enumerate(specialties.values(), start=1):
        table = make_table(
            event=event, number=number, specialty=specialty, location=f"Hall A, table {number}"
        )
        tables.append(table)
        for index in range(1 if number in (2, 5) else 2):
            anchor = make_anchor(
                table=table,
                clinician=make_specialist(
                    specialty=specialty, first_name="Ann", last_name=f"{specialty.name[:5]}{index}"
                ),
                absent_rounds=[4] if (number, index) == (1, 1) else [],
            )
            anchors.append(anchor)
            make_attendance(
                event=event, clinician=anchor.clinician, status=Attendance.Status.CONFIRMED
            )
    groups = []
    for index, (site, track) in enumerate(
        [
            (quincy, Track.ADULT),
            (braintree, Track.ADULT),
            (quincy, Track.PEDIATRIC),
            (braintree, Track.ALL_AGES),
            (quincy, Track.ADULT),
        ]
    ):
        department = make_department(
            name=f"{'Pediatrics' if track == Track.PEDIATRIC else 'Internal Medicine'} {index}",
            site=site,
            track=track,
        )
        members = [make_clinician(department=department) for _ in range(2)]
        for member in members:
            make_attendance(event=event, clinician=member)
        groups.append(
            make_group(
                event=event,
                name=f"{site.name} {index + 1}",
                department=department,
                track=track,
                members=members,
            )
        )
    leader = make_clinician(role="leader", first_name="Lee", last_name="Chief")
    make_attendance(event=event, clinician=leader, status=Attendance.Status.CHECKED_IN)

    run = SolveRun.objects.create(event=event, time_limit_s=5)
    services.run_solve(run_id=run.pk)
    first = services.publish_schedule(schedule=Schedule.objects.get(solve_run=run), by=None)
    # On the day: the only anchor of table 2 did not come; re-plan from round 3.
    lonely = next(a for a in anchors if a.table.number == 2)
    Attendance.objects.filter(event=event, clinician=lonely.clinician).update(
        status=Attendance.Status.NO_SHOW
    )
    replan_run = SolveRun.objects.create(
        event=event,
        time_limit_s=5,
        replan_from_round=3,
        pinned_from=first,
        strategies=list(replanning.ALL_STRATEGIES),
    )
    services.run_solve(run_id=replan_run.pk)
    fewest = Schedule.objects.filter(replan_run=replan_run).order_by("version").first()
    published = replanning.publish_replan(schedule=fewest, by=None)
    # A hand move on the published version makes a draft with a pinned visit.
    draft = hand_moved_draft(published)
    # A solve under way on the other event, and one that failed on this one.
    running_run = SolveRun.objects.create(
        event=empty_event,
        status=SolveRun.Status.RUNNING,
        progress=40,
        message="Improving fairness",
        time_limit_s=30,
    )
    failed_run = SolveRun.objects.create(
        event=event,
        status=SolveRun.Status.FAILED,
        message="The worker stopped while solving. Retry the solve.",
        time_limit_s=5,
    )
    traveller = Attendance.objects.get(event=event, clinician=groups[0].members.first())
    # A season of evenings with this event as one of them, invitations answered in every way,
    # and an email in the outbox.
    series = Series.objects.create(
        name="South Shore, 2027",
        starts_on=event.date,
        ends_on=event.date + datetime.timedelta(days=90),
    )
    series.regions.set([region])
    evening = Evening.objects.create(
        series=series, event=event, reply_by=timezone.now() + datetime.timedelta(days=5)
    )
    evening.sites.set([quincy, braintree])
    invitations = [
        Invitation.objects.create(evening=evening, clinician=clinician, status=status)
        for clinician, status in zip(
            [g.members.first() for g in groups],
            Invitation.Status.values,
            strict=False,
        )
    ]
    # A dinner season: a sign-up, a group with its host and a dinner with a question.
    member = traveller.clinician
    dinner_season = DinnerSeason.objects.create(
        name="Dinners",
        starts_on=event.date,
        sign_up_by=timezone.now() + datetime.timedelta(days=3),
    )
    dinner_season.regions.set([region])
    sign_up = SignUp.objects.create(season=dinner_season, clinician=member)
    dinner_group = DinnerGroup.objects.create(
        season=dinner_season, number=1, weekday="tue", host=member
    )
    dinner_group.members.set([member])
    dinner_question, _ = DinnerQuestion.objects.get_or_create(
        text="What keeps you going?", defaults={"topic": "resilience"}
    )
    dinner = Dinner.objects.create(group=dinner_group, date=event.date, question=dinner_question)
    DinnerSeat.objects.create(dinner=dinner, clinician=member)
    email = queue_email(
        key="axe:1",
        to=traveller.clinician.email,
        subject="Your itinerary for North, spring",
        body="Hello.",
        kind="itinerary",
    )
    anchor = Attendance.objects.get(event=event, clinician=anchors[0].clinician)

    admin = make_admin(username="the-admin")
    organizer = make_organizer(region, username="olive", first_name="Olive", last_name="Organizer")
    newcomer = make_organizer(region, username="newcomer", email="newcomer@example.org")
    return {
        "users": {"admin": admin, "organizer": organizer},
        "objects": {
            "event": event.pk,
            "empty_event": empty_event.pk,
            "table": tables[0].pk,
            "anchor": anchors[0].pk,
            "group": groups[0].pk,
            "attendance": traveller.pk,
            "run": run.pk,
            "replan_run": replan_run.pk,
            "running_run": running_run.pk,
            "failed_run": failed_run.pk,
            "schedule": published.pk,
            "draft": draft.pk,
            "schedule_version": draft.version,
            "visit": draft.visits.first().pk,
            "clinician": traveller.clinician_id,
            "specialty": tables[0].specialty_id,
            "retired_specialty": retired.pk,
            "organizer_account": OrganizerProfile.objects.get(user=newcomer).user_id,
            "import_token": "0123456789abcdef",
            "series": series.pk,
            "evening": evening.pk,
            "invitation": invitations[0].pk,
            "invitation_token": invitations[0].token,
            "dinner_season": dinner_season.pk,
            "dinner": dinner.pk,
            "dinner_question": dinner_question.pk,
            "sign_up_token": sign_up.token,
            "host_token": dinner_group.host_token,
            "email": email.pk,
            "opt_out_token": opt_out_token(traveller.clinician.email),
            "link_token": traveller.link_token,
            "anchor_token": anchor.link_token,
            "table_token": table_token(event_id=event.pk, table_id=tables[0].pk),
            "password_uid": urlsafe_base64_encode(force_bytes(newcomer.pk)),
            "password_token": default_token_generator.make_token(newcomer),
        },
    }


def hand_moved_draft(published: Schedule) -> Schedule:
    """Move the first visit that can move to another table: the draft of the published
    version, with that visit pinned."""
    event = published.event
    for visit in published.visits.select_related("group").order_by("-round", "pk"):
        for table in event.tables.exclude(pk=visit.table_id):
            if not editing.check_move(
                schedule=published, group=visit.group, round=visit.round, table=table
            ):
                result = editing.move_visit(
                    schedule=published, group=visit.group, round=visit.round, table=table, by=None
                )
                return result.schedule
    raise AssertionError("no visit can move")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, committed, and a live server of the module's own (pytest-django's
    `live_server` would flush the database after every test); flushed afterwards, so the
    tests after this module start from an empty database."""
    with django_db_blocker.unblock():
        server = None
        try:
            data = build_world()
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            data["url"] = server.url
            data["cookies"] = {}
            for actor, user in data["users"].items():
                client = Client()
                client.force_login(user)
                data["cookies"][actor] = client.cookies["sessionid"].value
            yield data
        finally:
            if server is not None:
                server._live_server_modified_settings.disable()
                server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def pages(browser, world):
    """A browser page per actor, logged in (the visitor is not), opened once for the module:
    a page keeps axe-core's script cached between checks."""
    host = world["url"].split("//")[1].split(":")[0]
    opened = {}
    for actor in ACTORS:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        if actor in world["cookies"]:
            cookie = {"name": "sessionid", "value": world["cookies"][actor]}
            context.add_cookies([{**cookie, "domain": host, "path": "/"}])
        # The world's solve under way has no worker: its run page's poll is answered "still
        # running", so the page does not reload while axe reads it.
        context.route("**/schedule/runs/*/status/", answer_still_running)
        opened[actor] = context.new_page()
    yield opened
    for page in opened.values():
        page.context.close()


def answer_still_running(route) -> None:
    route.fulfill(
        json={"is_active": True, "progress": 40, "message": "Improving fairness", "visits": None}
    )


def url_of(name: str, label: str, objects: dict) -> str:
    spec = EXTRA_STATES[name, label] if label else {**MATRIX[name][1], **OBJECT_FOR.get(name, {})}
    return reverse(name, kwargs={key: objects[source] for key, source in spec.items()})


@pytest.mark.parametrize(("name", "actor", "label"), CASES)
def test_page_passes_axe(pages, world, axe, name, actor, label):
    page = pages[actor]

    response = page.goto(world["url"] + url_of(name, label, world["objects"]))

    assert response is not None
    assert response.headers["content-type"].startswith("text/html"), (
        f"{name} is not an HTML page: add it to NOT_PAGES with the reason"
    )
    axe(page, tags=TAGS)


def test_roster_import_pages_pass_axe(pages, world, axe, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "first_name,last_name,credentials,email,role,specialty,site,department\n"
        "Nia,Reed,MD,nia.reed@example.org,primary-care,,Quincy,Internal Medicine 0\n"
        "Oz,Park,MD,not-an-email,specialist,Cardiology,Quincy,\n",
        encoding="utf-8",
    )
    page = pages["organizer"]
    page.goto(world["url"] + reverse("clinicians:import"))
    page.set_input_files("input[type=file]", str(roster))
    page.locator("form:has(input[type=file]) [type=submit]").click()
    page.wait_for_url("**/import/*/")

    axe(page, tags=TAGS)  # the preview, with rows in error

    page.goto(world["url"] + reverse("clinicians:import_preview", kwargs={"token": "0" * 16}))

    axe(page, tags=TAGS)  # a stale step


DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# What clinicians open on a phone, and the organizer's pages for the day itself.
PHONE_PAGES = [
    ("visitor", "itineraries:detail", {"token": "link_token"}),
    ("visitor", "itineraries:detail", {"token": "anchor_token"}),
    ("visitor", "itineraries:table", {"token": "table_token"}),
    ("visitor", "login", {}),
    ("organizer", "events:checkin", {"event_pk": "event"}),
    ("organizer", "events:detail", {"pk": "event"}),
]


@pytest.mark.parametrize(
    ("actor", "name", "spec"),
    [
        pytest.param(*case, id=f"{case[0]}-{case[1]}-{'-'.join(case[2].values())}")
        for case in PHONE_PAGES
    ],
)
def test_page_on_a_phone_passes_axe(pages, world, axe, actor, name, spec):
    page = pages[actor]
    page.set_viewport_size(PHONE)
    kwargs = {key: world["objects"][source] for key, source in spec.items()}
    try:
        page.goto(world["url"] + reverse(name, kwargs=kwargs))

        axe(page, tags=TAGS)
    finally:
        page.set_viewport_size(DESKTOP)


# Forms sent empty: their error messages must be as readable and as well labelled as the
# forms. Nothing is saved (every one has required fields).
FORMS = [
    ("visitor", "login", {}),
    ("organizer", "events:create", {}),
    ("organizer", "events:table_create", {"event_pk": "event"}),
    ("organizer", "events:group_create", {"event_pk": "event"}),
    ("organizer", "clinicians:create", {}),
    ("admin", "clinicians:specialty_create", {}),
    ("admin", "accounts:create", {}),
]


@pytest.mark.parametrize(
    ("actor", "name", "spec"), [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in FORMS]
)
def test_form_with_errors_passes_axe(pages, world, axe, actor, name, spec):
    page = pages[actor]
    kwargs = {key: world["objects"][source] for key, source in spec.items()}
    url = world["url"] + reverse(name, kwargs=kwargs)
    page.goto(url)
    form = page.locator("main form[method=post]").first
    form.evaluate("form => { form.noValidate = true; }")  # let the server say what is missing

    form.locator("[type=submit]").first.click()
    page.wait_for_load_state("load")

    assert (page.url, page.locator(".invalid-feedback, .errorlist, .alert-danger").count() > 0) == (
        url,
        True,
    )
    axe(page, tags=TAGS)


def test_locked_out_login_passes_axe(pages, world, axe):
    page = pages["visitor"]
    page.goto(world["url"] + reverse("login"))

    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        if page.locator("#lockout-message").count():
            break
        page.fill("#id_username", "someone")
        page.fill("#id_password", "a wrong password")
        page.locator("main form [type=submit]").click()
        page.wait_for_load_state("load")

    assert page.locator("#lockout-message").count() == 1
    axe(page, tags=TAGS)


def test_current_section_and_tab_are_named_not_only_coloured(pages, world):
    page = pages["organizer"]

    tables = reverse("events:table_list", kwargs={"event_pk": world["objects"]["event"]})
    page.goto(world["url"] + tables)
    current = page.locator("[aria-current=page]")
    underline = page.locator(".navbar .nav-link.active").evaluate(
        "el => getComputedStyle(el).textDecorationLine"
    )

    assert (current.all_inner_texts(), underline) == (["Events", "Tables"], "underline")
