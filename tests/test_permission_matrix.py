"""Every URL of the app, and who gets what from it.

The table below declares, for each URL name, the status each kind of visitor gets from a GET:

    anon      not logged in (for personal-link URLs: with a wrong token)
    link      a clinician: not logged in, with a valid personal or table link
    org_here  an organizer limited to the region of the event in the URL
    org_other an organizer limited to another region
    admin     a member of the Admins group

"login" means a redirect to the login page. A URL that is in the app but not in the table
fails the test: a new view must say who may use it. Views that only accept POST answer
405 to a GET once the visitor has passed the login, permission and object checks.
"""

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.services import set_password_path
from clinicians.models import Track
from dinners.models import Dinner, DinnerGroup, DinnerQuestion, DinnerSeason, DinnerSeat, SignUp
from events.models import Attendance, Event
from itineraries.links import table_token
from outbox.services import opt_out_token, queue_email
from rotations.models import Schedule, SolveRun, Visit
from series.models import Evening, Invitation, Series
from tests.accounts.helpers import make_admin, make_organizer
from tests.factories import (
    make_anchor,
    make_clinician,
    make_event,
    make_group,
    make_region,
    make_specialty,
    make_table,
)

pytestmark = pytest.mark.django_db

ACTORS = ("anon", "link", "org_here", "org_other", "admin")
SKIPPED_NAMESPACES = ("admin",)

L = "login"


def row(anon, link, org_here, org_other, admin):
    return dict(zip(ACTORS, (anon, link, org_here, org_other, admin), strict=True))


# Shorthands for the common cases.
PUBLIC = row(200, 200, 200, 200, 200)
ORGANIZER_PAGE = row(L, L, 200, 200, 200)  # not tied to an event
ADMIN_PAGE = row(L, L, 403, 403, 200)
EVENT_PAGE = row(L, L, 200, 404, 200)  # a page of one event: 404 for other regions
EVENT_POST = row(L, L, 405, 404, 405)  # POST-only action of one event
EVENT_REDIRECT = row(L, L, 302, 404, 302)  # a GET that sends the organizer elsewhere
PERSONAL_LINK = row(404, 200, 200, 200, 200)  # bearer links: anyone with the token

# URL name -> (expected statuses, URL kwargs built from the world).
MATRIX = {
    "home": (row(302, 302, 302, 302, 302), {}),
    "login": (PUBLIC, {}),
    "logout": (row(405, 405, 405, 405, 405), {}),
    "healthz": (PUBLIC, {}),
    # accounts
    "accounts:list": (ADMIN_PAGE, {}),
    "accounts:create": (ADMIN_PAGE, {}),
    "accounts:update": (ADMIN_PAGE, {"pk": "organizer_account"}),
    "accounts:send_link": (row(L, L, 403, 403, 405), {"pk": "organizer_account"}),
    "accounts:audit_list": (ADMIN_PAGE, {}),
    # A set-password link: Django checks its token and redirects once to hide it from the
    # Referer. The link is for org_other, whose login (a new last_login) has spent it.
    "accounts:password_set": (
        row(302, 302, 302, 200, 302),
        {"uidb64": "password_uid", "token": "password_token"},
    ),
    "accounts:password_set_done": (PUBLIC, {}),
    # outbox: the Emails page, and the opt-out link in a reminder (a signed token, no login)
    "outbox:list": (ORGANIZER_PAGE, {}),
    "outbox:retry": (row(L, L, 405, 405, 405), {"pk": "email"}),
    # A bearer link too, but its page posts a form: its referrer stays on this site
    # (same-origin), so the browser sends a real Origin for the CSRF check.
    "outbox:opt_out": (row(404, 200, 200, 200, 200), {"token": "opt_out_token"}),
    # clinicians
    "clinicians:list": (ORGANIZER_PAGE, {}),
    "clinicians:create": (ORGANIZER_PAGE, {}),
    "clinicians:update": (ORGANIZER_PAGE, {"pk": "clinician"}),
    "clinicians:retire": (row(L, L, 405, 405, 405), {"pk": "clinician"}),
    "clinicians:reactivate": (row(L, L, 405, 405, 405), {"pk": "clinician"}),
    "clinicians:import": (ORGANIZER_PAGE, {}),
    "clinicians:import_template": (ORGANIZER_PAGE, {}),
    # An upload token not in this session's uploads.
    "clinicians:import_preview": (row(L, L, 404, 404, 404), {"token": "import_token"}),
    "clinicians:import_confirm": (row(L, L, 405, 405, 405), {"token": "import_token"}),
    "clinicians:import_cancel": (row(L, L, 405, 405, 405), {"token": "import_token"}),
    "clinicians:specialty_list": (ORGANIZER_PAGE, {}),
    "clinicians:specialty_create": (ADMIN_PAGE, {}),
    "clinicians:specialty_detail": (ORGANIZER_PAGE, {"pk": "specialty"}),
    "clinicians:specialty_update": (ADMIN_PAGE, {"pk": "specialty"}),
    "clinicians:specialty_merge": (ADMIN_PAGE, {"pk": "specialty"}),
    "clinicians:specialty_merge_into": (ADMIN_PAGE, {"pk": "specialty"}),
    "clinicians:specialty_retire": (row(L, L, 403, 403, 405), {"pk": "specialty"}),
    "clinicians:specialty_reactivate": (row(L, L, 403, 403, 405), {"pk": "specialty"}),
    "clinicians:specialty_delete": (ADMIN_PAGE, {"pk": "specialty"}),
    # events
    "events:list": (ORGANIZER_PAGE, {}),
    "events:create": (ORGANIZER_PAGE, {}),
    "events:detail": (EVENT_PAGE, {"pk": "event"}),
    "events:update": (EVENT_PAGE, {"pk": "event"}),
    "events:attendance_list": (EVENT_PAGE, {"event_pk": "event"}),
    "events:attendance_create": (EVENT_PAGE, {"event_pk": "event"}),
    "events:attendance_import": (EVENT_POST, {"event_pk": "event"}),
    "events:attendance_status": (EVENT_POST, {"event_pk": "event", "pk": "attendance"}),
    "events:finish": (EVENT_POST, {"event_pk": "event"}),
    "events:attendance_delete": (EVENT_POST, {"event_pk": "event", "pk": "attendance"}),
    "events:checkin": (EVENT_PAGE, {"event_pk": "event"}),
    "events:table_list": (EVENT_PAGE, {"event_pk": "event"}),
    "events:table_create": (EVENT_PAGE, {"event_pk": "event"}),
    "events:table_update": (EVENT_PAGE, {"event_pk": "event", "pk": "table"}),
    "events:table_delete": (EVENT_POST, {"event_pk": "event", "pk": "table"}),
    "events:anchor_create": (EVENT_PAGE, {"event_pk": "event", "table_pk": "table"}),
    "events:anchor_update": (EVENT_PAGE, {"event_pk": "event", "pk": "anchor"}),
    "events:anchor_delete": (EVENT_POST, {"event_pk": "event", "pk": "anchor"}),
    "events:group_list": (EVENT_PAGE, {"event_pk": "event"}),
    "events:group_form": (EVENT_POST, {"event_pk": "event"}),
    "events:group_create": (EVENT_PAGE, {"event_pk": "event"}),
    "events:group_update": (EVENT_PAGE, {"event_pk": "event", "pk": "group"}),
    "events:group_delete": (EVENT_POST, {"event_pk": "event", "pk": "group"}),
    "events:member_move": (EVENT_POST, {"event_pk": "event"}),
    "events:copy": (EVENT_PAGE, {"event_pk": "event"}),
    "events:archive": (EVENT_POST, {"event_pk": "event"}),
    "events:restore": (EVENT_POST, {"event_pk": "event"}),
    "events:delete": (EVENT_PAGE, {"event_pk": "event"}),
    "events:table_bulk_create": (EVENT_POST, {"event_pk": "event"}),
    "events:table_seat": (EVENT_POST, {"event_pk": "event", "pk": "table"}),
    "events:anchor_presence": (EVENT_PAGE, {"event_pk": "event"}),
    # Which regions each organizer manages: admins only (an organizer must not widen theirs).
    "events:organizer_regions": (ADMIN_PAGE, {}),
    "events:organizer_region_update": (ADMIN_PAGE, {"pk": "organizer_account"}),
    # rotations: the organizer's schedule pages
    "rotations:schedule_list": (EVENT_PAGE, {"event_pk": "event"}),
    "rotations:solve": (EVENT_POST, {"event_pk": "event"}),
    "rotations:replan": (EVENT_POST, {"event_pk": "event"}),
    "rotations:replan_options": (EVENT_PAGE, {"event_pk": "event", "pk": "replan_run"}),
    "rotations:replan_publish": (EVENT_POST, {"event_pk": "event", "pk": "schedule"}),
    "rotations:run": (EVENT_PAGE, {"event_pk": "event", "pk": "run"}),
    "rotations:run_status": (EVENT_PAGE, {"event_pk": "event", "pk": "run"}),
    "rotations:run_cancel": (EVENT_POST, {"event_pk": "event", "pk": "run"}),
    "rotations:schedule": (EVENT_PAGE, {"event_pk": "event", "pk": "schedule"}),
    "rotations:schedule_move": (EVENT_PAGE, {"event_pk": "event", "pk": "schedule"}),
    "rotations:board_move": (EVENT_POST, {"event_pk": "event", "pk": "schedule"}),
    "rotations:board_swap": (EVENT_POST, {"event_pk": "event", "pk": "schedule"}),
    "rotations:board_replay": (EVENT_POST, {"event_pk": "event", "pk": "schedule"}),
    "rotations:visit_pin": (
        EVENT_POST,
        {"event_pk": "event", "schedule_pk": "schedule", "pk": "visit"},
    ),
    "rotations:schedule_compare": (EVENT_PAGE, {"event_pk": "event", "pk": "schedule"}),
    "rotations:schedule_publish": (EVENT_PAGE, {"event_pk": "event", "pk": "schedule"}),
    "rotations:version": (EVENT_PAGE, {"event_pk": "event", "version": "schedule_version"}),
    "rotations:version_compare": (
        EVENT_PAGE,
        {"event_pk": "event", "version": "schedule_version"},
    ),
    "rotations:version_publish": (
        EVENT_PAGE,
        {"event_pk": "event", "version": "schedule_version"},
    ),
    "rotations:schedule_export": (EVENT_PAGE, {"event_pk": "event", "pk": "schedule"}),
    "rotations:schedule_master_pdf": (EVENT_PAGE, {"event_pk": "event", "pk": "schedule"}),
    # itineraries: clinicians' personal links, and the organizer's link pages
    "itineraries:detail": (PERSONAL_LINK, {"token": "link_token"}),
    "itineraries:print": (PERSONAL_LINK, {"token": "link_token"}),
    "itineraries:calendar": (PERSONAL_LINK, {"token": "link_token"}),
    "itineraries:table": (PERSONAL_LINK, {"token": "table_token"}),
    "itineraries:list": (EVENT_PAGE, {"event_pk": "event"}),
    "itineraries:export": (EVENT_PAGE, {"event_pk": "event"}),
    "itineraries:reissue": (EVENT_POST, {"event_pk": "event", "pk": "attendance"}),
    "itineraries:send": (EVENT_POST, {"event_pk": "event"}),
    "itineraries:send-preview": (EVENT_PAGE, {"event_pk": "event"}),
    "itineraries:print-all": (EVENT_PAGE, {"event_pk": "event"}),
    "itineraries:print-all-status": (EVENT_PAGE, {"event_pk": "event"}),
    "itineraries:print-changed": (EVENT_PAGE, {"event_pk": "event"}),
    "itineraries:print-all-file": (row(L, L, 404, 404, 404), {"event_pk": "event"}),
    "itineraries:table-signs": (EVENT_PAGE, {"event_pk": "event"}),
    # series: the organizer's series pages (a series of region A), and the reply link
    "series:list": (ORGANIZER_PAGE, {}),
    "series:create": (ORGANIZER_PAGE, {}),
    "series:detail": (EVENT_PAGE, {"pk": "series"}),
    "series:update": (EVENT_PAGE, {"pk": "series"}),
    "series:plan": (EVENT_POST, {"pk": "series"}),
    "series:prepare": (EVENT_POST, {"pk": "series"}),
    "series:solve": (EVENT_POST, {"pk": "series"}),
    "series:progress": (EVENT_PAGE, {"pk": "series"}),
    "series:evening_create": (EVENT_PAGE, {"series_pk": "series"}),
    "series:evening": (EVENT_PAGE, {"series_pk": "series", "pk": "evening"}),
    "series:evening_update": (EVENT_PAGE, {"series_pk": "series", "pk": "evening"}),
    "series:invite_preview": (EVENT_PAGE, {"series_pk": "series", "pk": "evening"}),
    "series:invite": (EVENT_POST, {"series_pk": "series", "pk": "evening"}),
    "series:remind": (EVENT_POST, {"series_pk": "series", "pk": "evening"}),
    "series:bring_in": (EVENT_POST, {"series_pk": "series", "pk": "evening"}),
    "series:reissue": (EVENT_POST, {"series_pk": "series", "pk": "invitation"}),
    "series:reply": (PERSONAL_LINK, {"token": "invitation_token"}),
    # outcomes: the survey behind the itinerary link, and the outcomes page (an organizer
    # of another region gets the page, with only their regions' figures)
    "outcomes:survey": (PERSONAL_LINK, {"token": "link_token"}),
    "outcomes:survey_delete": (PERSONAL_LINK, {"token": "link_token"}),
    "outcomes:page": (ORGANIZER_PAGE, {}),
    "outcomes:pdf": (ORGANIZER_PAGE, {}),
    "outcomes:csv": (ORGANIZER_PAGE, {"chart": "chart_name"}),
    "outcomes:remind": (EVENT_POST, {"event_pk": "event"}),
    "outcomes:survey_settings": (EVENT_PAGE, {"event_pk": "event"}),
    # dinners: the organizer's season pages (a season of region A), the question bank (admins
    # edit it), and the sign-up and host links (their pages post forms: same-origin referrer)
    "dinners:list": (ORGANIZER_PAGE, {}),
    "dinners:create": (ORGANIZER_PAGE, {}),
    "dinners:detail": (EVENT_PAGE, {"pk": "dinner_season"}),
    "dinners:update": (EVENT_PAGE, {"pk": "dinner_season"}),
    "dinners:sign_ups": (EVENT_PAGE, {"season_pk": "dinner_season"}),
    "dinners:sign_up_reissue": (EVENT_POST, {"season_pk": "dinner_season", "pk": "sign_up"}),
    "dinners:host_reissue": (EVENT_POST, {"season_pk": "dinner_season", "pk": "dinner_group"}),
    "dinners:invite": (EVENT_POST, {"season_pk": "dinner_season"}),
    "dinners:form": (EVENT_POST, {"season_pk": "dinner_season"}),
    "dinners:announce": (EVENT_POST, {"season_pk": "dinner_season"}),
    "dinners:remind": (EVENT_POST, {"season_pk": "dinner_season"}),
    "dinners:stipends": (EVENT_PAGE, {"season_pk": "dinner_season"}),
    "dinners:stipends_csv": (EVENT_PAGE, {"season_pk": "dinner_season"}),
    "dinners:mark_paid": (EVENT_POST, {"season_pk": "dinner_season", "pk": "dinner"}),
    "dinners:questions": (ORGANIZER_PAGE, {}),
    "dinners:question_create": (ADMIN_PAGE, {}),
    "dinners:question_update": (ADMIN_PAGE, {"pk": "dinner_question"}),
    "dinners:signup": (row(404, 200, 200, 200, 200), {"token": "sign_up_token"}),
    "dinners:host": (row(404, 200, 200, 200, 200), {"token": "host_token"}),
}

# Known gaps in other apps' views, each with the issue to fix. Strict: once fixed, the
# entry must go (an unexpected pass fails).
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def app_url_names(patterns=None, namespace=""):
    """The name of every URL pattern of the app, walking included URL confs."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from app_url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL {entry.pattern} has no name"
            yield f"{namespace}{entry.name}"


def test_every_url_of_the_app_is_in_the_matrix():
    names = set(app_url_names())

    assert {"missing from MATRIX": sorted(names - set(MATRIX))} == {"missing from MATRIX": []}
    assert {"stale in MATRIX": sorted(set(MATRIX) - names)} == {"stale in MATRIX": []}


@pytest.fixture
def world(db):
    """An event in region A, with a table, an anchor, a group, attendance, a solve run and a
    published schedule with visits; the five kinds of visitor."""
    region_a, region_b = make_region(name="Region A"), make_region(name="Region B")
    event = make_event(region=region_a, rounds=2, status="published")
    specialty = make_specialty(track=Track.ADULT)
    table = make_table(event=event, specialty=specialty)
    anchor = make_anchor(table=table)
    member = make_clinician()
    group = make_group(event=event, members=[member])
    attendance = Attendance.objects.create(event=event, clinician=member)
    Attendance.objects.create(event=event, clinician=anchor.clinician)
    run = SolveRun.objects.create(event=event, status=SolveRun.Status.SUCCEEDED, progress=100)
    schedule = Schedule.objects.create(
        event=event,
        version=1,
        solve_run=run,
        is_published=True,
        published_at=timezone.now(),
    )
    visit = Visit.objects.create(schedule=schedule, round=1, group=group, table=table)
    replan_run = SolveRun.objects.create(
        event=event, status=SolveRun.Status.SUCCEEDED, progress=100, replan_from_round=2
    )
    series = Series.objects.create(
        name="Season", starts_on=event.date, ends_on=event.date + datetime.timedelta(days=90)
    )
    series.regions.set([region_a])
    evening = Evening.objects.create(
        series=series, event=event, reply_by=timezone.now() + datetime.timedelta(days=3)
    )
    invitation = Invitation.objects.create(evening=evening, clinician=member)
    dinner_season = DinnerSeason.objects.create(
        name="Dinners",
        starts_on=event.date,
        sign_up_by=timezone.now() + datetime.timedelta(days=3),
    )
    dinner_season.regions.set([region_a])
    sign_up = SignUp.objects.create(season=dinner_season, clinician=member)
    dinner_group = DinnerGroup.objects.create(
        season=dinner_season, number=1, weekday="tue", host=member
    )
    dinner_group.members.set([member])
    dinner = Dinner.objects.create(group=dinner_group, date=event.date)
    DinnerSeat.objects.create(dinner=dinner, clinician=member)
    dinner_question, _ = DinnerQuestion.objects.get_or_create(
        text="What keeps you going?", defaults={"topic": "resilience"}
    )
    organizer_account = make_organizer(region_b, username="other-organizer")
    password_link = set_password_path(user=organizer_account).strip("/").split("/")
    email = queue_email(
        key="matrix:1", to="member@example.org", subject="Hello", body="Hi.", kind="test"
    )
    return {
        "objects": {
            "event": event.pk,
            "table": table.pk,
            "anchor": anchor.pk,
            "group": group.pk,
            "attendance": attendance.pk,
            "run": run.pk,
            "replan_run": replan_run.pk,
            "schedule": schedule.pk,
            "schedule_version": schedule.version,
            "visit": visit.pk,
            "clinician": member.pk,
            "specialty": specialty.pk,
            "organizer_account": organizer_account.pk,
            "import_token": "0123456789abcdef",
            "link_token": attendance.link_token,
            "table_token": table_token(event_id=event.pk, table_id=table.pk),
            "series": series.pk,
            "evening": evening.pk,
            "invitation": invitation.pk,
            "invitation_token": invitation.token,
            "password_uid": password_link[-2],
            "password_token": password_link[-1],
            "email": email.pk,
            "chart_name": "summary",
            "opt_out_token": opt_out_token(member.email or "member@example.org"),
            "dinner_season": dinner_season.pk,
            "dinner": dinner.pk,
            "dinner_question": dinner_question.pk,
            "sign_up": sign_up.pk,
            "sign_up_token": sign_up.token,
            "dinner_group": dinner_group.pk,
            "host_token": dinner_group.host_token,
        },
        "users": {
            "org_here": make_organizer(region_a, username="here"),
            "org_other": organizer_account,
            "admin": make_admin(username="the-admin"),
        },
    }


INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=\"|\son[a-z]+=\"", re.I)
WRONG_TOKENS = {
    "link_token": "not-a-real-token",
    "table_token": "not-a-real-token",
    "invitation_token": "not-a-real-token",
    "opt_out_token": opt_out_token("someone@example.org") + "x",
    "sign_up_token": "not-a-real-token",
    "host_token": "not-a-real-token",
}


def build_url(name: str, kwargs_spec: dict, objects: dict, actor: str) -> str:
    kwargs = {}
    for key, source in kwargs_spec.items():
        if actor == "anon" and source in WRONG_TOKENS:
            kwargs[key] = WRONG_TOKENS[source]
        else:
            kwargs[key] = objects[source]
    return reverse(name, kwargs=kwargs)


CASES = [
    pytest.param(
        name,
        actor,
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[(name, actor)])]
        if (name, actor) in KNOWN_GAPS
        else [],
        id=f"{name}-{actor}",
    )
    for name in sorted(MATRIX)
    for actor in ACTORS
]


@pytest.mark.parametrize(("name", "actor"), CASES)
def test_permission_matrix(client, world, name, actor):
    expected_row, kwargs_spec = MATRIX[name]
    expected = expected_row[actor]
    url = build_url(name, kwargs_spec, world["objects"], actor)
    user = world["users"].get(actor)
    if user is not None:
        client.force_login(user)

    response = client.get(url)

    if expected == L:
        assert (response.status_code, response.url.split("?")[0]) == (302, reverse("login"))
    else:
        assert response.status_code == expected
    if expected_row is PERSONAL_LINK and response.status_code == 200:
        # The URL is the credential: it must not leak to another site as a referrer nor sit in
        # a shared cache. Pages with a form say "same-origin": with no referrer at all,
        # browsers post with "Origin: null" and the CSRF check refuses the form.
        assert response["Referrer-Policy"] in {"no-referrer", "same-origin"}
        assert "no-store" in response["Cache-Control"]
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        # The CSP allows no inline script, style or event handler: a page with one breaks.
        assert INLINE_CODE.findall(response.content.decode()) == []


def test_the_matrix_event_is_dated_and_published(world):
    event = Event.objects.get(pk=world["objects"]["event"])

    assert (event.status, event.date > datetime.date.today()) == ("published", True)
