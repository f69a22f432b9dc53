import pytest
from django.core import mail
from django.test import TestCase

from accounts.models import AuditEntry
from itineraries.models import LinkEmail
from itineraries.services import StaleMailing, send_link_emails
from outbox.models import Email
from tests.factories import make_user
from tests.itineraries.factories import make_small_event, republish
from tests.outbox.helpers import FlakyBackend

pytestmark = pytest.mark.django_db


def absolute(path: str) -> str:
    return f"https://rounds.example.org{path}"


def send(small, *, audience="everyone", schedule=None, by=None) -> int:
    schedule = schedule or small.event.schedules.get(is_published=True)
    # The outbox sends the emails once the transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return send_link_emails(
            event=small.event,
            audience=audience,
            schedule_id=schedule.pk,
            absolute_url=absolute,
            by=by,
        )


def test_send_link_emails_records_each_send_and_the_audit_entry():
    small = make_small_event()
    organizer = make_user(username="olive", first_name="Olive", last_name="Organizer")

    sent = send(small, by=organizer)

    assert (sent, len(mail.outbox)) == (8, 8)
    assert LinkEmail.objects.filter(schedule=small.schedule, sent_by=organizer).count() == 8
    entry = AuditEntry.objects.get(action="links.sent")
    assert entry.message == (
        "Olive Organizer emailed personal links to 8 clinicians in all for Spring Rounds "
        "(version 1)."
    )


def test_send_link_emails_twice_for_the_same_version_sends_once():
    small = make_small_event()
    send(small)

    again = send(small)

    assert (again, len(mail.outbox), LinkEmail.objects.count()) == (0, 8, 8)


def test_send_link_emails_for_a_new_version_sends_again():
    small = make_small_event()
    send(small)
    new = republish(old=small.schedule)

    again = send(small, schedule=new)

    assert (again, len(mail.outbox)) == (8, 16)


def test_send_link_emails_for_a_version_no_longer_published_sends_nothing():
    small = make_small_event()
    old = small.schedule
    republish(old=old)

    with pytest.raises(StaleMailing):
        send(small, schedule=old)

    assert (mail.outbox, LinkEmail.objects.count()) == ([], 0)


def test_send_link_emails_records_each_email_in_the_outbox_by_attendance_and_version():
    small = make_small_event()

    send(small)

    fay = small.attendance(small.fay)
    email = Email.objects.get(to=small.fay.email)
    assert (email.key, email.kind, email.status, Email.objects.count()) == (
        f"itinerary-link:attendance-{fay.pk}:schedule-{small.schedule.pk}",
        "itinerary-link",
        "sent",
        8,
    )


def test_send_link_emails_sends_nothing_inside_the_transaction():
    small = make_small_event()
    schedule = small.event.schedules.get(is_published=True)

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        sent = send_link_emails(
            event=small.event,
            audience="everyone",
            schedule_id=schedule.pk,
            absolute_url=absolute,
            by=None,
        )

    assert (sent, mail.outbox, len(callbacks), LinkEmail.objects.count()) == (8, [], 1, 8)


def test_send_link_emails_with_the_mail_server_down_records_the_send_and_fails_the_emails(
    settings,
):
    settings.EMAIL_BACKEND = "tests.outbox.helpers.FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 1000
    small = make_small_event()

    sent = send(small)

    assert (sent, mail.outbox, LinkEmail.objects.count()) == (8, [], 8)
    assert set(Email.objects.values_list("status", flat=True)) == {"failed"}
