import pytest
from django.core import mail
from django.test import TestCase

from itineraries import emails
from tests.itineraries.factories import make_small_event

pytestmark = pytest.mark.django_db


def absolute(path: str) -> str:
    return f"https://rounds.example.org{path}"


def send_itinerary_links(**kwargs) -> int:
    """Queue the emails, then run what waits for the commit (the outbox sends them then)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return emails.send_itinerary_links(**kwargs)


def test_send_itinerary_links_sends_each_attendee_their_own_link():
    small = make_small_event()

    sent = send_itinerary_links(event=small.event, absolute_url=absolute)

    assert sent == 8
    by_recipient = {message.to[0]: message for message in mail.outbox}
    dana = by_recipient[small.dana.email]
    assert dana.subject == "Your itinerary for Spring Rounds"
    assert f"https://rounds.example.org/i/{small.attendance(small.dana).link_token}/" in dana.body
    assert small.attendance(small.eli).link_token not in dana.body
    assert "Dear Dana Able," in dana.body
    assert sorted(by_recipient) == sorted(a.clinician.email for a in small.event.attendances.all())


def test_send_itinerary_links_given_attendances_only():
    small = make_small_event()

    sent = send_itinerary_links(
        event=small.event, absolute_url=absolute, attendances=[small.attendance(small.fay)]
    )

    assert (sent, [m.to for m in mail.outbox]) == (1, [[small.fay.email]])


def test_send_itinerary_links_no_attendees_sends_nothing():
    small = make_small_event()
    small.event.attendances.all().delete()

    assert (send_itinerary_links(event=small.event, absolute_url=absolute), mail.outbox) == (0, [])


def test_send_itinerary_links_say_date_start_time_and_venue():
    small = make_small_event()

    send_itinerary_links(
        event=small.event, absolute_url=absolute, attendances=[small.attendance(small.fay)]
    )

    assert "Spring Rounds\nTuesday 14 May 2030, starting at 18:00\nMain Hall\n" in (
        mail.outbox[0].body
    )


def test_send_itinerary_links_again_for_the_same_version_sends_nothing_more():
    small = make_small_event()
    send_itinerary_links(event=small.event, absolute_url=absolute)

    send_itinerary_links(event=small.event, absolute_url=absolute)

    assert len(mail.outbox) == 8
