import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from events.models import OrganizerRegion
from itineraries import views as itinerary_views
from itineraries.links import table_token
from itineraries.models import LinkEmail
from itineraries.services import reissue_link
from itineraries.tasks import render_itineraries_pdf_task
from tests.factories import make_attendance, make_event, make_region
from tests.itineraries.factories import (
    make_large_event,
    make_small_event,
    make_visit,
    replan_with_no_shows,
    republish,
)

pytestmark = pytest.mark.django_db


class _RoundText(HTMLParser):
    """The text of each round card (li.it-round), whitespace collapsed."""

    def __init__(self):
        super().__init__()
        self.rounds, self._depth = [], 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self._depth:
            self._depth += tag == "li"
        elif tag == "li" and "it-round" in classes:
            self._depth = 1
            self.rounds.append("")

    def handle_endtag(self, tag):
        if self._depth and tag == "li":
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.rounds[-1] += data


def round_texts(response) -> list[str]:
    parser = _RoundText()
    parser.feed(response.content.decode())
    return [" ".join(text.split()) for text in parser.rounds]


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def detail_url(attendance) -> str:
    return reverse("itineraries:detail", kwargs={"token": attendance.link_token})


@pytest.fixture
def small():
    return make_small_event()


@pytest.fixture
def manager(organizer):
    organizer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_event", "change_event"])
    )
    return organizer


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_itinerary_page_traveller_shows_each_round(client, small):
    response = client.get(detail_url(small.attendance(small.dana)))

    assert response.status_code == 200
    assert round_texts(response) == [
        "Round 1 18:00–18:10 Table 1 Cardiology Hall A Ann Heart, MD Cara Pulse, MD",
        "Round 2 18:12–18:22 Table 2 Dermatology Hall B Bob Skin, DO",
        "Round 3 18:24–18:34 Table 3 Endocrinology Gus Sugar, MD",
    ]
    text = page_text(response)
    assert "Spring Rounds" in text
    assert "Tuesday 14 May 2030 · Main Hall" in text
    assert "Dana Able, MD" in text
    assert "You travel with Quincy IM ." in text


def test_itinerary_page_traveller_break_round(client, small):
    response = client.get(detail_url(small.attendance(small.fay)))

    assert round_texts(response) == [
        "Round 1 18:00–18:10 Table 2 Dermatology Hall B Bob Skin, DO",
        "Round 2 18:12–18:22 Table 1 Cardiology Hall A Ann Heart, MD Cara Pulse, MD",
        "Round 3 18:24–18:34 Break — no table this round",
    ]


def test_itinerary_page_anchor_shows_groups_and_members(client, small):
    response = client.get(detail_url(small.attendance(small.ann)))

    assert round_texts(response) == [
        "Round 1 18:00–18:10 Quincy IM Dana Able, MD · Milton, Quincy Eli Baker, NP · Quincy",
        "Round 2 18:12–18:22 Braintree FM Fay Cole, PA-C · Braintree",
        "Round 3 18:24–18:34 Away — you are not at the table this round",
    ]
    assert "You host Table 1 · Cardiology · Hall A" in page_text(response)
    assert "With Cara Pulse, MD" in page_text(response)


def test_itinerary_page_leader_has_no_rounds(client, small):
    response = client.get(detail_url(small.attendance(small.leader)))

    assert response.status_code == 200
    assert round_texts(response) == []
    assert "You have no assigned rounds" in page_text(response)


def test_itinerary_page_unpublished_shows_not_published(client, small):
    small.schedule.is_published = False
    small.schedule.save()

    response = client.get(detail_url(small.attendance(small.dana)))

    assert response.status_code == 200
    assert round_texts(response) == []
    assert "The schedule is not published yet" in page_text(response)
    assert "calendar.ics" not in response.content.decode()


def test_itinerary_page_after_republish_says_what_changed(client):
    first = timezone.make_aware(datetime.datetime(2030, 5, 1, 18, 5))
    small = make_small_event(published_at=first)
    new = republish(old=small.schedule, published_at=first + datetime.timedelta(minutes=30))
    make_visit(schedule=new, round=1, group=small.quincy, table=small.cardiology)
    make_visit(schedule=new, round=2, group=small.quincy, table=small.dermatology)
    make_visit(schedule=new, round=3, group=small.quincy, table=small.endocrinology)
    make_visit(schedule=new, round=1, group=small.braintree, table=small.dermatology)
    make_visit(schedule=new, round=3, group=small.braintree, table=small.cardiology)

    response = client.get(detail_url(small.attendance(small.fay)))

    assert (
        "Changed on 1 May at 18:35: your rounds 2–3 are different from the printed version. "
        "Round 2 is now a break; round 3 is now Table 1 (Cardiology)."
    ) in page_text(response)
    assert (
        round_texts(response)[2]
        == "Round 3 18:24–18:34 Changed Table 1 Cardiology Hall A Cara Pulse, MD"
    )


def test_itinerary_page_has_print_and_calendar_buttons(client, small):
    attendance = small.attendance(small.dana)

    response = client.get(detail_url(attendance))

    html = response.content.decode()
    assert f'href="/i/{attendance.link_token}/print/" data-print>Print</a>' in html
    assert f'href="/i/{attendance.link_token}/calendar.ics">Add to calendar (.ics)</a>' in html
    assert "<script>" not in html
    assert " style=" not in html
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_itinerary_print_view_shows_one_page_without_navigation(client, small):
    attendance = small.attendance(small.dana)

    response = client.get(reverse("itineraries:print", kwargs={"token": attendance.link_token}))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="print-page"') == 1
    assert "navbar" not in html
    assert (len(round_texts(response)), html.count('<tr class="sheet-round')) == (0, 3)


def test_itinerary_page_prints_the_compact_sheet_not_the_cards(client, small):
    attendance = small.attendance(small.dana)

    html = client.get(detail_url(attendance)).content.decode()

    assert (
        len(re.findall(r'<div class="d-print-none">\s*<article class="it"', html)),
        len(re.findall(r'<div class="d-none d-print-block">\s*<article class="sheet"', html)),
        html.count('<tr class="sheet-round'),
    ) == (1, 1, 3)


def test_itinerary_page_revoked_link_after_reissue_is_404(client, small, manager):
    attendance = small.attendance(small.dana)
    old_url = detail_url(attendance)

    reissue_link(attendance=attendance, by=manager)

    assert client.get(old_url).status_code == 404
    assert client.get(detail_url(attendance)).status_code == 200


def test_itinerary_page_seen_before_still_shows_a_republish_at_once(client):
    first = timezone.make_aware(datetime.datetime(2030, 5, 1, 18, 5))
    small = make_small_event(published_at=first)
    url = detail_url(small.attendance(small.fay))
    before = client.get(url)
    new = republish(old=small.schedule, published_at=first + datetime.timedelta(minutes=30))
    make_visit(schedule=new, round=1, group=small.braintree, table=small.dermatology)

    after = client.get(url)

    assert "Changed on" not in page_text(before)
    assert "Changed on 1 May at 18:35: your round 2 is different" in page_text(after)


def test_itinerary_page_seen_before_is_404_once_the_link_is_reissued(client, small, manager):
    attendance = small.attendance(small.dana)
    old_url = detail_url(attendance)
    assert client.get(old_url).status_code == 200

    reissue_link(attendance=attendance, by=manager)

    assert client.get(old_url).status_code == 404


def test_itinerary_page_tampered_token_is_404_like_unknown(client, small):
    token = small.attendance(small.dana).link_token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    tampered_response = client.get(f"/i/{tampered}/")
    unknown_response = client.get("/i/nope/")

    assert (tampered_response.status_code, unknown_response.status_code) == (404, 404)
    assert tampered_response.content == unknown_response.content


def test_itinerary_page_other_events_token_shows_only_that_event(client, small):
    other = make_attendance(event=make_event(name="Autumn Rounds"), clinician=small.dana)

    response = client.get(detail_url(other))

    assert "Autumn Rounds" in page_text(response)
    assert "Spring Rounds" not in page_text(response)
    assert "The schedule is not published yet" in page_text(response)


@pytest.mark.parametrize("size", [(2, 4), (16, 8)])
def test_itinerary_page_queries_fixed_whatever_the_size(client, django_assert_num_queries, size):
    groups, tables = size
    _, traveller, anchor = make_large_event(groups=groups, tables=tables)

    # Rendered anew: the link (with the group), then the published versions with their event,
    # and what get_itinerary reads besides.
    with django_assert_num_queries(4):
        client.get(detail_url(traveller))
    with django_assert_num_queries(6):
        client.get(detail_url(anchor))
    # Seen again: the token, the published version and the group in one query, the page kept.
    with django_assert_num_queries(1):
        client.get(detail_url(traveller))
    with django_assert_num_queries(1):
        client.get(detail_url(anchor))


@pytest.mark.parametrize("size", [(2, 4), (16, 8)])
def test_itinerary_page_of_a_group_member_seen_first_takes_one_query(
    client, django_assert_num_queries, size
):
    groups, tables = size
    event, traveller, _ = make_large_event(groups=groups, tables=tables)
    other = make_attendance(
        event=event, clinician=traveller.clinician.travel_groups.get().members.last()
    )
    client.get(detail_url(traveller))

    with django_assert_num_queries(1):
        response = client.get(detail_url(other))

    assert response.status_code == 200


def test_itinerary_page_kept_for_a_group_names_each_member_and_their_own_links(client):
    event, traveller, _ = make_large_event(groups=2, tables=4)
    clinician = traveller.clinician.travel_groups.get().members.last()
    clinician.first_name, clinician.credentials = "Zoë <b>", "MD & PhD"
    clinician.save()
    other = make_attendance(event=event, clinician=clinician)
    first = client.get(detail_url(traveller)).content.decode()

    second = client.get(detail_url(other)).content.decode()

    assert (
        "Zoë &lt;b&gt;" in second,
        "MD &amp; PhD" in second,
        other.link_token in second,
        traveller.link_token in second,
        traveller.clinician.full_name in second,
        "rounds-slot" in first + second,
        f"it-{other.pk}" in second,
    ) == (True, True, True, False, False, False, True)


def test_table_page_shows_rounds_for_signed_token(client, small):
    token = table_token(event_id=small.event.pk, table_id=small.dermatology.pk)

    response = client.get(reverse("itineraries:table", kwargs={"token": token}))

    assert round_texts(response) == [
        "Round 1 18:00–18:10 Braintree FM Fay Cole, PA-C · Braintree",
        "Round 2 18:12–18:22 Quincy IM Dana Able, MD · Milton, Quincy Eli Baker, NP · Quincy",
        "Round 3 18:24–18:34 Break — no group this round",
    ]
    assert "Table 2 · Dermatology" in page_text(response)


def test_table_page_tampered_token_is_404(client, small):
    token = table_token(event_id=small.event.pk, table_id=small.dermatology.pk)

    response = client.get(reverse("itineraries:table", kwargs={"token": token[:-2] + "xx"}))

    assert response.status_code == 404


# Organizer pages --------------------------------------------------------------------------------


def list_url(event) -> str:
    return reverse("itineraries:list", kwargs={"event_pk": event.pk})


def test_attendee_list_anonymous_redirects_to_login(client, small):
    response = client.get(list_url(small.event))

    assert (response.status_code, response["Location"]) == (
        302,
        f"/login/?next={list_url(small.event)}",
    )


def test_attendee_list_without_permission_is_403(organizer_client, small):
    assert organizer_client.get(list_url(small.event)).status_code == 403


def test_attendee_list_unknown_event_is_404(manager_client):
    assert manager_client.get("/events/999999/itineraries/").status_code == 404


def test_attendee_list_other_regions_event_is_404(manager_client, manager, small):
    OrganizerRegion.objects.create(user=manager, region=make_region())
    small.event.region = make_region()
    small.event.save()

    response = manager_client.get(list_url(small.event))

    assert response.status_code == 404


def test_reissue_view_without_change_permission_is_403(client, organizer, small):
    organizer.user_permissions.add(Permission.objects.get(codename="view_event"))
    client.force_login(organizer)
    attendance = small.attendance(small.dana)

    response = client.post(
        reverse("itineraries:reissue", kwargs={"event_pk": small.event.pk, "pk": attendance.pk})
    )

    assert response.status_code == 403


def test_attendee_list_shows_every_link(manager_client, small):
    response = manager_client.get(list_url(small.event))

    html = response.content.decode()
    tokens = re.findall(r'value="http://testserver/i/([^/"]+)/"', html)
    assert sorted(tokens) == sorted(a.link_token for a in small.event.attendances.all())


@pytest.mark.parametrize("size", [(2, 4), (16, 8)])
def test_attendee_list_queries_fixed_whatever_the_size(
    manager_client, django_assert_num_queries, size
):
    groups, tables = size
    event, _, _ = make_large_event(groups=groups, tables=tables)
    for group in event.groups.all():
        for clinician in group.members.all():
            event.attendances.get_or_create(clinician=clinician)

    with django_assert_num_queries(11):
        manager_client.get(list_url(event))


def test_reissue_view_replaces_link_and_records_audit(manager_client, manager, small):
    attendance = small.attendance(small.dana)
    old_url = detail_url(attendance)

    response = manager_client.post(
        reverse("itineraries:reissue", kwargs={"event_pk": small.event.pk, "pk": attendance.pk})
    )

    attendance.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, list_url(small.event))
    assert manager_client.get(old_url).status_code == 404
    assert manager_client.get(detail_url(attendance)).status_code == 200
    assert list(AuditEntry.objects.values_list("action", "actor")) == [
        ("link.reissued", manager.pk)
    ]


def test_reissue_view_get_is_not_allowed(manager_client, small):
    attendance = small.attendance(small.dana)

    response = manager_client.get(
        reverse("itineraries:reissue", kwargs={"event_pk": small.event.pk, "pk": attendance.pk})
    )

    assert response.status_code == 405


def test_reissue_view_attendance_of_other_event_is_404(manager_client, small):
    other = make_attendance()

    response = manager_client.post(
        reverse("itineraries:reissue", kwargs={"event_pk": small.event.pk, "pk": other.pk})
    )

    assert response.status_code == 404


def send_url(event) -> str:
    return reverse("itineraries:send", kwargs={"event_pk": event.pk})


def send(client, event, data: dict):
    """POST the send form, then run what waits for the commit: the outbox sends the emails in
    the background once the transaction commits, never inside the request."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(send_url(event), data)


def preview_url(event, to: str) -> str:
    return reverse("itineraries:send-preview", kwargs={"event_pk": event.pk}) + f"?to={to}"


def confirm(event, audience: str) -> dict:
    schedule = event.schedules.get(is_published=True)
    return {"audience": audience, "schedule": schedule.pk, "confirm": "yes"}


def changed_small_event():
    """The small event republished at 18:32 on 10 May: Braintree FM (Fay) comes to table 1
    (Ann, Cara) in round 3, not 2; everyone else keeps their rounds."""
    first = timezone.make_aware(datetime.datetime(2030, 5, 10, 17, 0))
    small = make_small_event(published_at=first)
    new = republish(old=small.schedule, published_at=first + datetime.timedelta(minutes=92))
    for round_, group, table in [
        (1, small.quincy, small.cardiology),
        (2, small.quincy, small.dermatology),
        (3, small.quincy, small.endocrinology),
        (1, small.braintree, small.dermatology),
        (3, small.braintree, small.cardiology),
    ]:
        make_visit(schedule=new, round=round_, group=group, table=table)
    return small


def test_send_links_view_emails_everyone_once_confirmed(manager_client, small):
    response = send(manager_client, small.event, confirm(small.event, "everyone"))

    assert response.status_code == 302
    assert len(mail.outbox) == 8
    followed = manager_client.get(response["Location"])
    assert "Sent 8 emails with personal links." in page_text(followed)


def test_send_links_view_without_confirmation_sends_nothing(manager_client, small):
    response = send(manager_client, small.event, {"audience": "everyone"})

    assert (response.status_code, response["Location"]) == (
        302,
        preview_url(small.event, "everyone"),
    )
    assert (mail.outbox, LinkEmail.objects.count()) == ([], 0)


def test_send_preview_lists_who_and_the_email_and_sends_nothing(manager_client):
    small = changed_small_event()

    response = manager_client.get(preview_url(small.event, "changed"))

    text = page_text(response)
    assert response.status_code == 200
    assert "3 people will get an email with their personal link to version 2." in text
    names = ("Ann Heart", "Bob Skin", "Cara Pulse", "Dana Able", "Eli Baker", "Fay Cole")
    assert [name in text for name in names] == [True, False, True, False, False, True]
    assert "Subject: Your itinerary for Spring Rounds has changed" in text
    assert "changed on 10 May at 18:32" in text
    assert "Tuesday 14 May 2030, starting at 18:00 Main Hall" in text
    assert mail.outbox == []


def test_send_links_view_changed_emails_only_changed_itineraries(manager_client):
    small = changed_small_event()

    send(manager_client, small.event, confirm(small.event, "changed"))

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        c.email for c in (small.ann, small.cara, small.fay)
    )
    fay = next(m for m in mail.outbox if m.to == [small.fay.email])
    assert fay.subject == "Your itinerary for Spring Rounds has changed"
    assert "Spring Rounds\nTuesday 14 May 2030, starting at 18:00\nMain Hall\n" in fay.body
    assert AuditEntry.objects.filter(action="links.sent").count() == 1


def test_send_links_view_twice_sends_once(manager_client):
    small = changed_small_event()
    send(manager_client, small.event, confirm(small.event, "changed"))

    response = send(manager_client, small.event, confirm(small.event, "everyone"))

    assert len(mail.outbox) == 3 + 5  # then only those not yet sent for version 2
    assert LinkEmail.objects.filter(schedule__version=2).count() == 8
    followed = send(manager_client, small.event, confirm(small.event, "everyone"))
    assert len(mail.outbox) == 8
    assert "everyone listed had theirs already" in page_text(
        manager_client.get(followed["Location"])
    )
    assert response.status_code == 302


def test_send_links_view_after_another_publish_sends_nothing(manager_client, small):
    previewed = confirm(small.event, "everyone")
    republish(old=small.schedule)

    response = send(manager_client, small.event, previewed)

    assert (response.status_code, mail.outbox) == (302, [])
    assert "Another version was published since the preview" in page_text(
        manager_client.get(response["Location"])
    )


def test_send_links_view_with_a_schedule_that_is_not_a_number_sends_nothing(manager_client, small):
    previewed = {**confirm(small.event, "everyone"), "schedule": "²"}

    response = send(manager_client, small.event, previewed)

    assert (response.status_code, mail.outbox) == (302, [])


def test_send_links_view_leaves_out_no_shows(manager_client, small):
    replan_with_no_shows(small, no_shows=[small.cara], from_round=2)

    send(manager_client, small.event, confirm(small.event, "everyone"))

    assert small.cara.email not in [m.to[0] for m in mail.outbox]
    assert len(mail.outbox) == 7


def test_print_changed_returns_pdf_of_changed_itineraries_only(manager_client, monkeypatch):
    small = changed_small_event()
    printed = {}

    def fake_render(*, event, clinician_ids=None):
        printed["ids"] = sorted(clinician_ids)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(itinerary_views, "render_itineraries_pdf", fake_render)
    response = manager_client.get(
        reverse("itineraries:print-changed", kwargs={"event_pk": small.event.pk})
    )

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert printed["ids"] == sorted(c.pk for c in (small.ann, small.cara, small.fay))


def test_print_changed_when_nothing_changed_goes_back_with_a_message(manager_client, small):
    new = republish(old=small.schedule)
    for visit in small.schedule.visits.all():
        make_visit(schedule=new, round=visit.round, group=visit.group, table=visit.table)

    response = manager_client.get(
        reverse("itineraries:print-changed", kwargs={"event_pk": small.event.pk})
    )

    assert response.status_code == 302
    assert "No itinerary changed" in page_text(manager_client.get(response["Location"]))


def test_print_changed_renders_a_real_pdf(manager_client):
    small = changed_small_event()

    response = manager_client.get(
        reverse("itineraries:print-changed", kwargs={"event_pk": small.event.pk})
    )

    assert response.content[:5] == b"%PDF-"


def test_itinerary_page_of_a_no_show_says_they_were_marked_absent(client, small):
    replan_with_no_shows(small, no_shows=[small.cara], from_round=2)

    cara = page_text(client.get(detail_url(small.attendance(small.cara))))
    ann = page_text(client.get(detail_url(small.attendance(small.ann))))

    assert "You were marked absent" in cara
    assert "so you have no table or group from round 2 on" in cara
    assert "Cara Pulse" not in ann


def test_print_all_small_event_returns_pdf(manager_client, small):
    response = manager_client.get(
        reverse("itineraries:print-all", kwargs={"event_pk": small.event.pk})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"


@pytest.fixture
def large_pdf(small, monkeypatch, settings, tmp_path):
    """``small`` counted as a large event (its PDF rendered in a task); returns what was
    queued."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(itinerary_views, "SYNC_PDF_MAX_ATTENDEES", 2)
    queued = []
    monkeypatch.setattr(render_itineraries_pdf_task, "delay", lambda *args: queued.append(args))
    return queued


def test_print_all_get_of_a_large_event_queues_nothing(
    manager_client, small, large_pdf, django_capture_on_commit_callbacks
):
    status_url = reverse("itineraries:print-all-status", kwargs={"event_pk": small.event.pk})

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.get(
            reverse("itineraries:print-all", kwargs={"event_pk": small.event.pk})
        )
    status = manager_client.get(status_url)

    assert (response.status_code, response["Location"]) == (302, status_url)
    assert large_pdf == []
    assert "Prepare the PDF" in page_text(status)
    assert "refresh" not in status.content.decode()


def test_print_all_post_of_a_large_event_renders_in_task(
    manager_client, small, large_pdf, django_capture_on_commit_callbacks
):
    print_url = reverse("itineraries:print-all", kwargs={"event_pk": small.event.pk})
    status_url = reverse("itineraries:print-all-status", kwargs={"event_pk": small.event.pk})
    file_url = reverse("itineraries:print-all-file", kwargs={"event_pk": small.event.pk})

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(print_url)
    waiting = manager_client.get(status_url)
    render_itineraries_pdf_task(*large_pdf[0])
    ready = manager_client.get(status_url)
    again = manager_client.get(print_url)
    download = manager_client.get(file_url)

    assert (response.status_code, response["Location"]) == (302, status_url)
    assert large_pdf == [(small.event.pk, small.schedule.pk)]
    assert '<meta http-equiv="refresh" content="3">' in waiting.content.decode()
    assert "Prepare the PDF" not in page_text(waiting)
    assert "Download the PDF" in page_text(ready)
    assert "refresh" not in ready.content.decode()
    assert (again.status_code, again["Location"]) == (302, file_url)
    assert b"".join(download.streaming_content)[:5] == b"%PDF-"


def test_print_all_posted_twice_queues_one_task(
    manager_client, small, large_pdf, django_capture_on_commit_callbacks
):
    print_url = reverse("itineraries:print-all", kwargs={"event_pk": small.event.pk})

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(print_url)
        manager_client.post(print_url)

    assert large_pdf == [(small.event.pk, small.schedule.pk)]


def test_print_all_unpublished_redirects_with_message(manager_client, small):
    small.schedule.is_published = False
    small.schedule.save()

    response = manager_client.get(
        reverse("itineraries:print-all", kwargs={"event_pk": small.event.pk}), follow=True
    )

    assert "The schedule is not published yet: there is nothing to print." in page_text(response)


def test_table_signs_view_returns_pdf(manager_client, small):
    response = manager_client.get(
        reverse("itineraries:table-signs", kwargs={"event_pk": small.event.pk})
    )

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response.content[:5] == b"%PDF-"


def test_itinerary_page_sends_no_referrer_so_the_link_does_not_leak(client, small):
    attendance = small.attendance(small.dana)

    response = client.get(detail_url(attendance))

    assert response["Referrer-Policy"] == "no-referrer"


def test_organizer_pages_keep_same_origin_referrer_for_csrf(organizer_client):
    response = organizer_client.get(reverse("events:list"))

    assert response["Referrer-Policy"] == "same-origin"


def test_event_tabs_show_itineraries_once_the_schedule_is_published(client, admin_user, small):
    client.force_login(admin_user)
    tab = f'href="{list_url(small.event)}">Itineraries</a>'
    shown = {}

    for status in ("draft", "scheduled", "published", "finished"):
        small.event.status = status
        small.event.save(update_fields=["status"])
        shown[status] = tab in client.get(small.event.get_absolute_url()).content.decode()

    assert shown == {"draft": False, "scheduled": False, "published": True, "finished": True}


def test_itineraries_page_is_the_active_event_tab(manager_client, small):
    html = manager_client.get(list_url(small.event)).content.decode()

    tab = f'class="nav-link active" aria-current="page" href="{list_url(small.event)}">'
    assert f"{tab}Itineraries</a>" in html


def test_publish_page_of_the_published_version_links_to_printing(client, admin_user, small):
    client.force_login(admin_user)
    url = reverse(
        "rotations:schedule_publish", kwargs={"event_pk": small.event.pk, "pk": small.schedule.pk}
    )

    html = client.get(url).content.decode()

    links = re.findall(r'<a class="btn [^"]+" href="([^"]+)">([^<]+)</a>', html)
    event_pk = small.event.pk
    assert links == [
        (f"/events/{event_pk}/itineraries/print/", "Print all itineraries (PDF)"),
        (f"/events/{event_pk}/itineraries/table-signs/", "Table signs (PDF)"),
        (f"/events/{event_pk}/itineraries/", "Itineraries and links"),
    ]


def test_print_all_status_shows_the_tasks_progress(
    manager_client, small, large_pdf, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from itineraries.tasks import pdf_progress_key

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("itineraries:print-all", kwargs={"event_pk": small.event.pk}))
    cache.set(pdf_progress_key(event_id=small.event.pk, schedule_id=small.schedule.pk), (3, 8))

    status = manager_client.get(
        reverse("itineraries:print-all-status", kwargs={"event_pk": small.event.pk})
    )

    assert "3 of 8 itineraries so far" in page_text(status)
    assert '<progress class="w-100" max="8" value="3"' in status.content.decode()


def test_print_changed_of_many_goes_to_the_background(
    manager_client, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks
):
    small = changed_small_event()
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(itinerary_views, "SYNC_PDF_MAX_ATTENDEES", 2)
    queued = []
    monkeypatch.setattr(render_itineraries_pdf_task, "delay", lambda *args: queued.append(args))
    status_url = reverse("itineraries:print-all-status", kwargs={"event_pk": small.event.pk})

    response = manager_client.get(
        reverse("itineraries:print-changed", kwargs={"event_pk": small.event.pk})
    )
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("itineraries:print-all", kwargs={"event_pk": small.event.pk}),
            {"changed": "1"},
        )

    assert (response.status_code, response["Location"]) == (302, f"{status_url}?changed=1")
    assert [(event, changed) for event, _, changed in queued] == [(small.event.pk, True)]
