"""The survey behind the personal link, and the outcomes page with its files."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Attendance
from outcomes.models import SurveyAnswer
from tests.accounts.helpers import make_admin, make_organizer
from tests.outcomes.conftest import CHECKED_IN, answer, days_ago, finished_evening


@pytest.fixture
def recent(world):
    """ "Summer" (North, 3 days ago, survey open): Abe and Bea travel to Cara's and Nora's
    tables; Bob was a no-show."""
    p = world.people
    return finished_evening(
        region=world.north,
        date=days_ago(3),
        tables=[(world.cardiology, p.cara), (world.neurology, p.nora)],
        groups=[("Summer IM", [p.abe, p.bea, p.bob])],
        statuses={
            p.abe: CHECKED_IN,
            p.bea: CHECKED_IN,
            p.bob: Attendance.Status.NO_SHOW,
            p.cara: CHECKED_IN,
            p.nora: CHECKED_IN,
        },
    )


def link(event, clinician, name="outcomes:survey"):
    token = Attendance.objects.get(event=event, clinician=clinician).link_token
    return reverse(name, kwargs={"token": token})


def test_survey_offers_the_people_met_and_tables_visited(client, world, recent):
    response = client.get(link(recent.event, world.people.abe))

    form = response.context["form"]
    assert response.status_code == 200
    assert [label for _, label in form.fields["contacts"].choices] == [
        "Cara Stone, MD · Cardiology",
        "Nora Tate, MD · Neurology",
    ]
    assert [label for _, label in form.fields["useful_tables"].choices] == [
        "Table 1 · Cardiology",
        "Table 2 · Neurology",
    ]
    assert response["Referrer-Policy"] == "same-origin"


def test_survey_is_answered_edited_and_deleted_through_the_link(client, world, recent):
    p, url = world.people, link(recent.event, world.people.abe)

    created = client.post(
        url, {"recommend": "9", "contacts": [p.cara.pk], "useful_tables": [recent.tables[1].pk]}
    )
    edited = client.post(url, {"recommend": "6", "comment": "  Longer rounds.  "})
    saved = SurveyAnswer.objects.get(attendance__clinician=p.abe)
    shown = client.get(link(recent.event, p.abe, "outcomes:survey_delete"))
    deleted = client.post(link(recent.event, p.abe, "outcomes:survey_delete"))

    assert (created.status_code, edited.status_code, deleted.status_code) == (302, 302, 302)
    assert (saved.recommend, saved.comment, list(saved.contacts.all())) == (
        6,
        "Longer rounds.",
        [],
    )
    assert "Longer rounds." in shown.content.decode()
    assert SurveyAnswer.objects.count() == 0


def test_survey_refuses_someone_the_ledger_says_they_did_not_meet(client, world, recent):
    response = client.post(
        link(recent.event, world.people.abe),
        {"recommend": "9", "contacts": [world.people.pia.pk]},
    )

    assert response.status_code == 400
    assert SurveyAnswer.objects.count() == 0


def test_survey_refuses_a_score_out_of_range(client, world, recent):
    response = client.post(link(recent.event, world.people.abe), {"recommend": "11"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_closed_survey_takes_no_answer_but_the_own_answer_can_still_be_deleted(client, world):
    spring = world.spring.event  # 20 days ago: closed after 14
    answer(spring, world.people.abe, 8)

    page = client.get(link(spring, world.people.abe))
    refused = client.post(link(spring, world.people.abe), {"recommend": "2"})
    client.post(link(spring, world.people.abe, "outcomes:survey_delete"))

    assert 'id="survey-closed"' in page.content.decode()
    assert refused.status_code == 409
    assert SurveyAnswer.objects.count() == 0


def test_survey_is_not_open_before_the_event_nor_for_a_no_show(client, world, recent):
    from tests.factories import make_attendance, make_event

    upcoming = make_event(region=world.north)
    make_attendance(event=upcoming, clinician=world.people.ann)

    before = client.get(link(upcoming, world.people.ann))
    no_show = client.post(link(recent.event, world.people.bob), {"recommend": "9"})

    assert 'id="survey-not-yet"' in before.content.decode()
    assert (no_show.status_code, 'id="survey-not-there"' in no_show.content.decode()) == (
        409,
        True,
    )


def test_itinerary_page_shows_the_survey_card_once_the_event_is_over(client, world, recent):
    from tests.factories import make_attendance, make_event

    upcoming = make_event(region=world.north)
    make_attendance(event=upcoming, clinician=world.people.ann)

    after = client.get(link(recent.event, world.people.abe, "itineraries:detail"))
    before = client.get(link(upcoming, world.people.ann, "itineraries:detail"))

    assert link(recent.event, world.people.abe) in after.content.decode()
    assert "Answer the survey" not in before.content.decode()


@pytest.fixture
def answered(world):
    p, spring = world.people, world.spring.event
    for person, score in ((p.ann, 10), (p.abe, 10), (p.bea, 9), (p.bob, 7)):
        answer(spring, person, score)
    answer(spring, p.cara, 2, comment='=HYPERLINK("http://evil")')
    return world


def test_outcomes_page_shows_organizers_aggregates_and_admins_the_comments(client, answered):
    organizer = make_organizer(answered.north)
    client.force_login(organizer)
    as_organizer = client.get(reverse("outcomes:page")).content.decode()
    client.force_login(make_admin())
    as_admin = client.get(reverse("outcomes:page")).content.decode()

    assert 'id="oc-nps"' in as_organizer and "HYPERLINK" not in as_organizer
    assert "HYPERLINK" in as_admin
    assert "<svg" in as_organizer and "<script>" not in as_organizer


def test_outcomes_page_of_another_region_shows_none_of_its_figures(client, answered):
    client.force_login(make_organizer(answered.south))

    response = client.get(reverse("outcomes:page"), {"region": answered.north.pk})

    result = response.context["result"]
    assert "region" in response.context["form"].errors
    assert ([row.name for row in result.events], result.responses) == (
        [answered.south_evening.name],
        0,
    )
    assert 'id="oc-survey-hidden"' in response.content.decode()


def test_comments_csv_is_for_admins_and_neutralises_formulas(client, answered):
    url = reverse("outcomes:csv", kwargs={"chart": "comments"})
    client.force_login(make_organizer(answered.north))
    refused = client.get(url)
    client.force_login(make_admin())

    response = client.get(url)

    assert refused.status_code == 403
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["event", "date", "comment"],
        [answered.spring.event.name, days_ago(20).isoformat(), '\'=HYPERLINK("http://evil")'],
    ]


def test_summary_csv_and_pdf_report(client, answered):
    client.force_login(make_organizer(answered.north))

    summary = client.get(reverse("outcomes:csv", kwargs={"chart": "summary"}))
    pdf = client.get(reverse("outcomes:pdf"))

    assert "nps,40" in summary.content.decode().splitlines()
    assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")


def test_remind_button_sends_each_their_next_reminder_once(client, world, recent):
    from outbox.models import Email

    answer(recent.event, world.people.abe, 9)
    client.force_login(make_organizer(world.north))
    url = reverse("outcomes:remind", kwargs={"event_pk": recent.event.pk})

    for _ in range(3):
        client.post(url)

    keys = sorted(Email.objects.filter(kind="outcomes.survey_reminder").values_list("to", "key"))
    # Bea, Cara and Nora were there and did not answer: reminders 1 and 2, never a third.
    assert [to for to, _ in keys] == sorted(
        [p.email for p in (world.people.bea, world.people.cara, world.people.nora)] * 2
    )


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("outcomes:page"))
    assert response.status_code == 200
    return len(queries)


def test_outcomes_page_runs_the_same_queries_at_two_sizes(client, answered):
    client.force_login(make_organizer(answered.north))
    small = _page_queries(client)
    p = answered.people
    for days in (5, 8, 11):
        finished_evening(
            region=answered.north,
            date=days_ago(days),
            tables=[(answered.cardiology, p.cara), (answered.neurology, p.nora)],
            groups=[("IM", [p.ann, p.abe]), ("IM 2", [p.bea, p.bob])],
            statuses={person: CHECKED_IN for person in (p.ann, p.abe, p.bea, p.bob, p.cara)},
        )

    large = _page_queries(client)

    assert large == small


def _pdf_text(response) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_pdf_report_has_comments_only_for_an_admin_who_asks(client, answered):
    client.force_login(make_organizer(answered.north))
    organizer_asks = _pdf_text(client.get(reverse("outcomes:pdf"), {"comments": "1"}))
    client.force_login(make_admin())
    admin_default = _pdf_text(client.get(reverse("outcomes:pdf")))
    admin_asks = _pdf_text(client.get(reverse("outcomes:pdf"), {"comments": "1"}))

    assert ("HYPERLINK" in organizer_asks, "HYPERLINK" in admin_default) == (False, False)
    assert "HYPERLINK" in admin_asks


def test_organizer_changes_the_close_date_and_the_survey_follows(client, world):
    from outcomes.models import SurveySettings

    spring = world.spring.event  # 20 days ago: closed after the default 14 days
    client.force_login(make_organizer(world.north))
    url = reverse("outcomes:survey_settings", kwargs={"event_pk": spring.pk})

    page = client.get(url)
    refused = client.post(url, {"closes_on": (spring.date - datetime.timedelta(days=2))})
    saved = client.post(url, {"closes_on": days_ago(-3).isoformat()}, follow=True)
    survey = client.get(link(spring, world.people.abe))

    assert page.context["form"]["closes_on"].value() == days_ago(6)
    assert 'id="survey-state"' in page.content.decode()
    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "closes_on": [
            f"The survey cannot close before the event: choose {spring.date:%-d %B %Y} "
            "(the event's day) or later."
        ]
    }
    assert list(SurveySettings.objects.values_list("event", "closes_on")) == [
        (spring.pk, days_ago(-3))
    ]
    assert f"closes at the end of {days_ago(-3):%A %-d %B %Y}; it is open." in (
        saved.content.decode()
    )
    assert 'id="survey-closed"' not in survey.content.decode()
    assert f"Open until the end of {days_ago(-3):%A %-d %B}" in survey.content.decode()


def test_outcomes_page_lists_each_events_close_date_with_a_link_to_change_it(client, world):
    client.force_login(make_organizer(world.north))

    page = client.get(reverse("outcomes:page")).content.decode()

    spring = world.spring.event
    assert f"closed {days_ago(6):%-d %b %Y}" in page
    assert reverse("outcomes:survey_settings", kwargs={"event_pk": spring.pk}) in page


def test_coverage_csv_marks_pairs_the_track_rule_keeps_apart(client, tracks):
    client.force_login(make_organizer(tracks.region))

    response = client.get(reverse("outcomes:csv", kwargs={"chart": "coverage"}))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["department", "track", "never met", "Allergy", "Cardiology", "Neonatology"],
        ["Family Medicine, Milton", "all-ages", "3", "never", "never", "never"],
        ["Pediatrics, Milton", "pediatric", "2", "never", "n/a", "never"],
        ["Internal Medicine, Milton", "adult", "1", "never", days_ago(30).isoformat(), "n/a"],
    ]


@pytest.fixture
def many_departments(db):
    """Seventeen departments at one site and one pediatric specialist: sixteen adult
    departments for which Neonatology does not apply, and Pediatrics, which never met it."""
    from clinicians.models import Track
    from tests.factories import (
        make_department,
        make_region,
        make_site,
        make_specialist,
        make_specialty,
    )

    region = make_region(name="West")
    site = make_site(name="Natick", region=region)
    for number in range(1, 17):
        make_department(name=f"Adult {number:02}", site=site)
    make_department(name="Pediatrics", site=site, track=Track.PEDIATRIC)
    neonatology = make_specialty(name="Neonatology", track=Track.PEDIATRIC)
    make_specialist(first_name="Neil", last_name="Tate", specialty=neonatology, sites=[site])
    return region


def _heatmap_rows(response) -> list[str]:
    """The department labels of the heatmap, top to bottom."""
    import re

    svg = str(response.context["charts"]["coverage"])
    return re.findall(r'text-anchor="end">([^<]+)</text>', svg)


def test_coverage_heatmap_shows_the_departments_with_most_gaps_and_links_to_all(
    client, many_departments
):
    client.force_login(make_organizer(many_departments))
    region = f"region={many_departments.pk}"

    top = client.get(reverse("outcomes:page") + "?" + region)
    everything = client.get(reverse("outcomes:page") + f"?{region}&coverage=all")

    assert _heatmap_rows(top) == ["Pediatrics, Natick"] + [
        f"Adult {n:02}, Natick" for n in range(1, 15)
    ]
    assert f'href="?{region}&amp;coverage=all#oc-coverage">Show all 17 departments' in (
        top.content.decode()
    )
    assert len(_heatmap_rows(everything)) == 17
    page = everything.content.decode()
    assert f'href="?{region}#oc-coverage">Show only the 15 with the most gaps' in page
    # The filters keep the choice when they are applied again.
    assert '<input type="hidden" name="coverage" value="all">' in page
    assert "1 department–specialty pair could meet and never have; 16 never will" in page


def test_remind_button_returns_to_the_page_with_its_filters_or_to_the_survey_page(
    client, world, recent
):
    client.force_login(make_organizer(world.north))
    url = reverse("outcomes:remind", kwargs={"event_pk": recent.event.pk})

    filtered = client.post(url, {"query": f"region={world.north.pk}&since=2026-01-01"})
    from_survey = client.post(url, {"back": "survey"})

    assert filtered["Location"] == (
        reverse("outcomes:page") + f"?region={world.north.pk}&since=2026-01-01#oc-events"
    )
    assert from_survey["Location"] == reverse(
        "outcomes:survey_settings", kwargs={"event_pk": recent.event.pk}
    )
