import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEntry
from outbox.models import Email, OptOut
from outbox.services import (
    MAX_RETRIES,
    STALLED_ERROR,
    CannotRetry,
    EmailDraft,
    deliver_email,
    has_opted_out,
    queue_email,
    queue_emails,
    requeue_stalled_emails,
    resume_reminders,
    retry_email,
    sent_count,
    stop_reminders,
)
from outbox.tasks import send_task
from tests.factories import make_user
from tests.outbox.helpers import FlakyBackend

pytestmark = pytest.mark.django_db


def queue(key="invite:evening-1:clinician-1", to="ann@example.org", **extra) -> Email:
    arguments = {"subject": "You are invited", "body": "Come on Tuesday.", "kind": "invitation"}
    return queue_email(key=key, to=to, **(arguments | extra))


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.outbox.helpers.FlakyBackend"
    FlakyBackend.calls = 0
    FlakyBackend.failures = 0
    FlakyBackend.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    return FlakyBackend


def test_queue_email_sends_it_after_the_commit_through_the_task(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(html_body="<p>Come on Tuesday.</p>")

        assert mail.outbox == []

    email.refresh_from_db()
    message = mail.outbox[0]
    assert (email.status, email.attempts, email.last_error, email.sent_at is not None) == (
        "sent",
        1,
        "",
        True,
    )
    assert (message.to, message.subject, message.body, message.alternatives[0][1]) == (
        ["ann@example.org"],
        "You are invited",
        "Come on Tuesday.",
        "text/html",
    )
    assert (len(mail.outbox), sent_count(kind="invitation")) == (1, 1)


def test_queue_email_with_a_known_key_returns_the_row_and_sends_nothing_more(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = queue(subject="Another subject")

    assert (again.pk, again.subject, callbacks, len(mail.outbox)) == (
        first.pk,
        "You are invited",
        [],
        1,
    )


def test_queue_email_in_a_rolled_back_transaction_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue()

    assert (len(callbacks), mail.outbox) == (1, [])


def test_the_task_delivered_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    send_task.apply(args=[email.pk])
    send_task.apply(args=[email.pk])

    email.refresh_from_db()
    assert (len(mail.outbox), email.attempts, email.status) == (1, 1, "sent")


def test_a_claimed_email_is_not_sent_by_a_second_delivery():
    email = queue()
    Email.objects.filter(pk=email.pk).update(status=Email.Status.SENDING)

    result = deliver_email(email_id=email.pk, last_try=False)

    assert (result, mail.outbox) == (None, [])


def test_a_server_that_fails_then_recovers_is_tried_again_and_sends_once(
    flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 2

    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    email.refresh_from_db()
    assert (flaky.calls, len(mail.outbox), email.status, email.attempts, email.last_error) == (
        3,
        1,
        "sent",
        3,
        "",
    )


def test_a_server_down_past_the_last_retry_fails_the_email_with_the_error(
    flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 100

    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    email.refresh_from_db()
    assert (flaky.calls, mail.outbox, email.status, email.attempts, email.last_error) == (
        MAX_RETRIES + 1,
        [],
        "failed",
        MAX_RETRIES + 1,
        "SMTPServerDisconnected: Connection unexpectedly closed",
    )


def test_a_refused_address_fails_at_once(flaky, django_capture_on_commit_callbacks):
    flaky.failures = 100
    flaky.error = smtplib.SMTPRecipientsRefused({"ann@example.org": (550, b"No such user")})

    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    email.refresh_from_db()
    assert (flaky.calls, email.status, email.attempts) == (1, "failed", 1)


def test_retry_email_sends_a_failed_email_again_and_audits_it(
    flaky, django_capture_on_commit_callbacks
):
    flaky.failures = MAX_RETRIES + 1
    organizer = make_user(username="olive", first_name="Olive", last_name="Organizer")
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    with django_capture_on_commit_callbacks(execute=True):
        retry_email(email=email, by=organizer)

    email.refresh_from_db()
    entry = AuditEntry.objects.get(action="email.retried")
    assert (email.status, len(mail.outbox), entry.actor) == ("sent", 1, organizer)
    assert entry.message == (
        "Olive Organizer sent the invitation email “You are invited” to ann@example.org again "
        "(it had failed: SMTPServerDisconnected: Connection unexpectedly closed)."
    )


def test_retry_email_refuses_a_sent_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    with pytest.raises(
        CannotRetry, match="Only a failed email can be sent again; this one is sent"
    ):
        retry_email(email=email, by=None)

    assert len(mail.outbox) == 1


def test_a_reminder_to_an_address_that_opted_out_is_recorded_as_skipped(
    django_capture_on_commit_callbacks,
):
    stop_reminders(address="Ann@Example.org ")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reminder = queue(key="remind:1", kind="reminder", reminder=True)
        invitation = queue(key="invite:1")

    assert (reminder.status, invitation.status, len(callbacks), len(mail.outbox)) == (
        "skipped",
        "queued",
        1,
        1,
    )


def test_stop_reminders_skips_queued_reminders_and_resume_lets_new_ones_go(
    django_capture_on_commit_callbacks,
):
    queued = queue(key="remind:1", kind="reminder", reminder=True)

    stop_reminders(address="ann@example.org")
    stop_reminders(address="ann@example.org")
    opted_out = has_opted_out("ANN@example.org")
    resumed = resume_reminders(address="ann@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        later = queue(key="remind:2", kind="reminder", reminder=True)

    queued.refresh_from_db()
    later.refresh_from_db()
    assert (queued.status, opted_out, resumed, later.status, OptOut.objects.count()) == (
        "skipped",
        True,
        True,
        "sent",
        0,
    )
    assert list(AuditEntry.objects.order_by("pk").values_list("message", flat=True)) == [
        "ann@example.org asked for no more reminders (1 queued reminder skipped).",
        "ann@example.org asked for reminders again.",
    ]


def test_a_reminder_carries_its_opt_out_link():
    email = queue(key="remind:1", kind="reminder", reminder=True)

    deliver_email(email_id=email.pk, last_try=False)

    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/emails/reminders/")


def test_queue_email_refuses_a_bad_address_naming_it():
    with pytest.raises(ValidationError, match="'not an address' is not an email address"):
        queue(to="not an address")

    assert Email.objects.count() == 0


def test_the_watchdog_sends_again_an_email_whose_worker_stopped(
    django_capture_on_commit_callbacks,
):
    email = queue()
    long_ago = timezone.now() - timedelta(hours=1)
    Email.objects.filter(pk=email.pk).update(
        status=Email.Status.SENDING, claimed_at=long_ago, attempts=1
    )

    count = requeue_stalled_emails()

    email.refresh_from_db()
    assert (count, email.status, email.attempts, email.last_error, len(mail.outbox)) == (
        1,
        "sent",
        2,
        "",
        1,
    )


def test_the_watchdog_sends_a_task_again_for_an_email_queued_too_long():
    email = queue()
    Email.objects.filter(pk=email.pk).update(due_at=timezone.now() - timedelta(hours=1))

    count = requeue_stalled_emails()

    email.refresh_from_db()
    assert (count, email.status, len(mail.outbox)) == (1, "sent", 1)


def test_the_watchdog_leaves_a_recent_send_alone():
    email = queue()
    Email.objects.filter(pk=email.pk).update(status=Email.Status.SENDING, claimed_at=timezone.now())

    assert (requeue_stalled_emails(), mail.outbox) == (0, [])
    assert Email.objects.get(pk=email.pk).last_error != STALLED_ERROR


def test_queue_emails_queues_new_keys_once_and_skips_opted_out_reminders(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        queue(key="remind:1", to="ann@example.org", reminder=True)
    stop_reminders(address="bob@example.org")
    drafts = [
        EmailDraft("remind:1", "ann@example.org", "Reminder", "Reply.", "reminder", reminder=True),
        EmailDraft("remind:2", "bob@example.org", "Reminder", "Reply.", "reminder", reminder=True),
        EmailDraft("remind:3", "cy@example.org", "Reminder", "Reply.", "reminder", reminder=True),
        EmailDraft("remind:3", "cy@example.org", "Reminder", "Reply.", "reminder", reminder=True),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        created = queue_emails(drafts)

    statuses = dict(Email.objects.values_list("key", "status"))
    assert (created, statuses) == (
        2,
        {"remind:1": "sent", "remind:2": "skipped", "remind:3": "sent"},
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "cy@example.org"]


def test_queue_emails_with_a_bad_draft_records_none():
    drafts = [
        EmailDraft("invite:1", "ann@example.org", "Invitation", "Come.", "invitation"),
        EmailDraft("invite:2", "", "Invitation", "Come.", "invitation"),
    ]

    with pytest.raises(ValidationError, match="'' is not an email address"):
        queue_emails(drafts)

    assert Email.objects.count() == 0
