"""Writes of the outbox: queueing an email, sending it from a worker, sending a failed one
again, the watchdog, and reminder opt-outs. The reads other apps use (``has_opted_out``,
``opt_out_url``, ``sent_count``) live in ``queries`` and are re-exported here.

How an email travels: ``queue_email`` records it (status queued) and, once the caller's
transaction commits, sends the task ``outbox.send`` with its id. The worker claims the row
(queued → sending, in a transaction with the row locked), hands the message to Django's email
backend outside any transaction, and marks it sent. A connection or SMTP error puts it back to
queued and the task tries again with a growing pause, up to ``MAX_RETRIES`` times; after the
last it is failed, with the error, and an organizer can send it again from the Emails page.
A sent row is never sent again, whatever is delivered twice.
"""

import hashlib
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.services import display_name, record_audit

from .models import Email, OptOut
from .queries import (  # noqa: F401  (re-exported: the API other apps code against)
    address_from_token,
    count_emails,
    has_opted_out,
    normalize_address,
    opt_out_token,
    opt_out_url,
    sent_count,
)

logger = logging.getLogger(__name__)

SEND_TASK = "outbox.send"
REQUEUE_TASK = "outbox.requeue_stalled"
# Retries after the first attempt, with Celery's exponential backoff from RETRY_BACKOFF_S
# (about 30 s, 1, 2, 4 and 8 minutes, capped at RETRY_BACKOFF_MAX_S): a mail server down for
# a quarter of an hour loses nothing.
MAX_RETRIES = 5
RETRY_BACKOFF_S = 30
RETRY_BACKOFF_MAX_S = 15 * 60
# One attempt's limits (the SMTP connection has EMAIL_TIMEOUT per operation).
SEND_SOFT_TIME_LIMIT_S = 120
SEND_TIME_LIMIT_S = 150
# The watchdog (beat, every WATCHDOG_EVERY_S): a row in "sending" for longer than this lost
# its worker (well above SEND_TIME_LIMIT_S, so a slow server is never taken for a dead
# worker); a queued row this far past its time lost its message (the broker was down when it
# was sent, or Redis restarted without persistence).
WATCHDOG_EVERY_S = 60
SENDING_STALLED_AFTER = timedelta(minutes=10)
QUEUED_TOO_LONG = timedelta(minutes=30)
# How many attempts in all before a row the watchdog finds stalled is failed instead.
MAX_ATTEMPTS = MAX_RETRIES + 1
WATCHDOG_BATCH = 500

# Audit log actions written by the outbox.
EMAIL_RETRIED = "email.retried"
REMINDERS_STOPPED = "reminders.stopped"
REMINDERS_RESUMED = "reminders.resumed"

STALLED_ERROR = "The worker stopped while sending; sending again."
STALLED_TOO_OFTEN_ERROR = "The worker stopped while sending, too many times."


class TransientSendError(Exception):
    """The mail server or the network failed in a way that may pass: the task tries again."""


class CannotRetry(Exception):
    """Only a failed email can be sent again."""


def queue_email(
    *,
    key: str,
    to: str,
    subject: str,
    body: str,
    kind: str,
    html_body: str = "",
    reminder: bool = False,
) -> Email:
    """Record the email ``key`` and send it in the background, once.

    ``key`` names this send for good ("invite:evening-12:clinician-40"): if a row with the key
    exists, it is returned as it is and nothing more is sent, whatever the other arguments say.
    A new row is queued, and the task ``outbox.send`` is sent with its id when the caller's
    transaction commits (at once outside one), so a rolled-back caller sends nothing. A
    ``reminder`` to an address that opted out of reminders is recorded as skipped and never
    sent. Writes one row, in the caller's transaction (or its own). Raises ``ValidationError``
    naming the problem when the key, address, subject or kind is unusable."""
    to = to.strip()
    subject = " ".join(subject.split())  # one line: a header never carries a newline
    _check_email(key=key, to=to, subject=subject, kind=kind)
    with transaction.atomic():
        skipped = reminder and has_opted_out(to)
        now = timezone.now()
        email, created = Email.objects.get_or_create(
            key=key,
            defaults={
                "to": to,
                "subject": subject,
                "body": body,
                "html_body": html_body,
                "kind": kind,
                "reminder": reminder,
                "status": Email.Status.SKIPPED if skipped else Email.Status.QUEUED,
                "due_at": now,
            },
        )
        if created and not skipped:
            transaction.on_commit(partial(_dispatch, email.pk))
    return email


@dataclass(frozen=True)
class EmailDraft:
    """One email for ``queue_emails``: the arguments of ``queue_email``."""

    key: str
    to: str
    subject: str
    body: str
    kind: str
    html_body: str = ""
    reminder: bool = False


QUEUE_BATCH = 500


def queue_emails(drafts: Iterable[EmailDraft]) -> int:
    """``queue_email`` for many emails at once (an evening's invitations, a version's links),
    in a few queries a batch of ``QUEUE_BATCH``: each new key is recorded and sent once after
    the commit, a known key (or one repeated in ``drafts``) is left as it is, reminders to
    addresses that opted out are recorded as skipped. All or nothing: a bad draft raises
    ``ValidationError`` naming it and records none. Writes in the caller's transaction (or
    its own). Returns how many new emails were recorded."""
    cleaned: dict[str, EmailDraft] = {}
    for draft in drafts:
        to, subject = draft.to.strip(), " ".join(draft.subject.split())
        _check_email(key=draft.key, to=to, subject=subject, kind=draft.kind)
        cleaned.setdefault(
            draft.key,
            EmailDraft(
                draft.key, to, subject, draft.body, draft.kind, draft.html_body, draft.reminder
            ),
        )
    keys = list(cleaned)
    created = 0
    with transaction.atomic():
        now = timezone.now()
        for start in range(0, len(keys), QUEUE_BATCH):
            batch = keys[start : start + QUEUE_BATCH]
            known = set(Email.objects.filter(key__in=batch).values_list("key", flat=True))
            new = [cleaned[key] for key in batch if key not in known]
            reminded = {normalize_address(d.to) for d in new if d.reminder}
            opted_out = set(
                OptOut.objects.filter(address__in=reminded).values_list("address", flat=True)
            )
            rows = [
                Email(
                    key=d.key,
                    to=d.to,
                    subject=d.subject,
                    body=d.body,
                    html_body=d.html_body,
                    kind=d.kind,
                    reminder=d.reminder,
                    status=Email.Status.SKIPPED
                    if d.reminder and normalize_address(d.to) in opted_out
                    else Email.Status.QUEUED,
                    due_at=now,
                )
                for d in new
            ]
            # ignore_conflicts: another transaction queueing the same key at once keeps its row.
            Email.objects.bulk_create(rows, ignore_conflicts=True)
            created += len(rows)
            ids = list(
                Email.objects.filter(
                    key__in=[row.key for row in rows if row.status == Email.Status.QUEUED],
                    status=Email.Status.QUEUED,
                ).values_list("pk", flat=True)
            )
            if ids:
                # A second task for a row another transaction queued is harmless (the claim).
                transaction.on_commit(partial(_dispatch_all, ids))
    return created


def _dispatch_all(email_ids: list[int]) -> None:
    for email_id in email_ids:
        _dispatch(email_id)


def _check_email(*, key: str, to: str, subject: str, kind: str) -> None:
    if not key or len(key) > Email._meta.get_field("key").max_length:
        raise ValidationError(f"An email's key must have 1 to 200 characters, not {len(key)}.")
    try:
        validate_email(to)
    except ValidationError:
        raise ValidationError(f"{to!r} is not an email address.") from None
    if not subject or len(subject) > Email._meta.get_field("subject").max_length:
        raise ValidationError(f"An email's subject must have 1 to 300 characters: {subject!r}.")
    if not kind or len(kind) > Email._meta.get_field("kind").max_length:
        raise ValidationError(f"An email's kind must have 1 to 40 characters: {kind!r}.")


def _dispatch(email_id: int) -> None:
    """Send the task for one committed row. A broker that refuses it loses nothing: the row
    stays queued and the watchdog sends the task again (``requeue_stalled_emails``)."""
    try:
        # By its registered name: outbox.tasks imports these services, not the other way.
        current_app.tasks[SEND_TASK].apply_async(args=[email_id])
    except Exception:
        logger.warning("Email %s: the broker refused the task; the watchdog retries it", email_id)


def deliver_email(*, email_id: int, last_try: bool) -> Email | None:
    """The worker's part: send the queued email ``email_id`` through Django's email backend.

    Claims the row first (queued → sending, attempts + 1, in a transaction with the row locked),
    so a second delivery of the same task finds it taken and does nothing: a row that is not
    queued (sending elsewhere, sent, failed, skipped) or gone returns None. A reminder whose
    address opted out since it was queued becomes skipped. The message is sent outside any
    transaction; then the row is marked sent. A connection or SMTP error that may pass puts the
    row back to queued with the error and raises ``TransientSendError`` (the task tries again)
    unless ``last_try``, when the row becomes failed; any other error fails it at once."""
    email = _claim(email_id)
    if email is None or email.status == Email.Status.SKIPPED:
        return email
    try:
        accepted = _message(email).send(fail_silently=False)
        if not accepted:
            raise smtplib.SMTPException("The email backend accepted no message.")
    except Exception as error:
        transient = _is_transient(error)
        _record_failure(email, error=error, retry=transient and not last_try)
        if transient and not last_try:
            raise TransientSendError(_describe(error)) from error
        logger.warning("Email %s failed for good: %s", email.pk, _describe(error))
        email.refresh_from_db()
        return email
    now = timezone.now()
    Email.objects.filter(pk=email.pk, status=Email.Status.SENDING).update(
        status=Email.Status.SENT, sent_at=now, last_error=""
    )
    email.refresh_from_db()
    return email


def _claim(email_id: int) -> Email | None:
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != Email.Status.QUEUED:
            return None
        if email.reminder and has_opted_out(email.to):
            email.status = Email.Status.SKIPPED
            email.save(update_fields=["status"])
            return email
        email.status = Email.Status.SENDING
        email.attempts += 1
        email.claimed_at = timezone.now()
        email.save(update_fields=["status", "attempts", "claimed_at"])
    return email


def _message(email: Email) -> EmailMultiAlternatives:
    """The message of a row, with a Message-ID made from its key: should a mail server ever
    receive it twice (a worker lost between sending and marking sent), it sees one message."""
    sender = settings.DEFAULT_FROM_EMAIL
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
    digest = hashlib.sha256(email.key.encode()).hexdigest()[:24]
    headers = {"Message-ID": f"<rounds.{digest}@{domain}>"}
    if email.reminder:
        headers["List-Unsubscribe"] = f"<{opt_out_url(email.to)}>"
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=sender,
        to=[email.to],
        headers=headers,
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def _is_transient(error: Exception) -> bool:
    """A connection or SMTP error, or a server too slow for the attempt's time limit, may
    pass; a refusal with a permanent (5xx) code, a bad header or a bug will not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    return isinstance(error, smtplib.SMTPException | OSError | SoftTimeLimitExceeded)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _record_failure(email: Email, *, error: Exception, retry: bool) -> None:
    Email.objects.filter(pk=email.pk, status=Email.Status.SENDING).update(
        status=Email.Status.QUEUED if retry else Email.Status.FAILED,
        last_error=_describe(error),
        due_at=timezone.now(),
    )


def retry_email(*, email: Email, by: AbstractBaseUser | None) -> Email:
    """Send a failed email again: back to queued, with a new task sent after the commit.
    Raises ``CannotRetry`` for any other status (a sent email is never sent again). Records it
    in the audit log, in one transaction."""
    with transaction.atomic():
        locked = Email.objects.select_for_update().get(pk=email.pk)
        if locked.status != Email.Status.FAILED:
            raise CannotRetry(
                f"Only a failed email can be sent again; this one is "
                f"{locked.get_status_display().lower()}."
            )
        locked.status = Email.Status.QUEUED
        locked.due_at = timezone.now()
        locked.save(update_fields=["status", "due_at"])
        record_audit(
            actor=by,
            action=EMAIL_RETRIED,
            target=str(locked)[:200],
            message=f"{display_name(by)} sent the {locked.get_kind_display().lower()} email "
            f"“{locked.subject}” to {locked.to} again (it had failed: {locked.last_error}).",
            details={"email": locked.pk, "key": locked.key},
        )
        transaction.on_commit(partial(_dispatch, locked.pk))
    return locked


def requeue_stalled_emails(*, now: datetime | None = None) -> int:
    """The watchdog, from beat every ``WATCHDOG_EVERY_S``. A row in "sending" for longer than
    ``SENDING_STALLED_AFTER`` lost its worker: it goes back to queued with ``STALLED_ERROR``
    and a new task (failed with ``STALLED_TOO_OFTEN_ERROR`` after ``MAX_ATTEMPTS``). The mail
    server may have accepted it before the worker died, so this one case can deliver twice; the
    fixed Message-ID lets the receiving server drop the copy. A queued row ``QUEUED_TOO_LONG``
    past its time gets a new task (a second message for a row still queued is harmless: the
    claim lets one through). At most ``WATCHDOG_BATCH`` rows of each kind a run; each change is
    one UPDATE that re-checks the status. Returns how many rows were re-queued or failed."""
    now = now or timezone.now()
    stalled = Email.objects.filter(
        status=Email.Status.SENDING, claimed_at__lt=now - SENDING_STALLED_AFTER
    )
    count = stalled.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Email.Status.FAILED, last_error=STALLED_TOO_OFTEN_ERROR
    )
    again = []
    for pk in stalled.values_list("pk", flat=True)[:WATCHDOG_BATCH]:
        if stalled.filter(pk=pk).update(
            status=Email.Status.QUEUED, last_error=STALLED_ERROR, due_at=now
        ):
            again.append(pk)
    lost = Email.objects.filter(status=Email.Status.QUEUED, due_at__lt=now - QUEUED_TOO_LONG)
    for pk in lost.values_list("pk", flat=True)[:WATCHDOG_BATCH]:
        if lost.filter(pk=pk).update(due_at=now):
            again.append(pk)
    for pk in again:
        _dispatch(pk)
    return count + len(again)


def stop_reminders(*, address: str) -> OptOut:
    """Record that ``address`` wants no more reminders, and skip its reminders still queued;
    invitations and personal links still go. Idempotent. Records it in the audit log, in one
    transaction."""
    address = normalize_address(address)
    with transaction.atomic():
        opt_out, created = OptOut.objects.get_or_create(address=address)
        skipped = Email.objects.filter(
            to__iexact=address, reminder=True, status=Email.Status.QUEUED
        ).update(status=Email.Status.SKIPPED)
        if created:
            record_audit(
                actor=None,
                action=REMINDERS_STOPPED,
                target=address,
                message=f"{address} asked for no more reminders"
                + (
                    f" ({skipped} queued reminder{'s' if skipped != 1 else ''} skipped)."
                    if skipped
                    else "."
                ),
                details={"skipped": skipped},
            )
    return opt_out


def resume_reminders(*, address: str) -> bool:
    """Send reminders to ``address`` again (those skipped meanwhile stay skipped). Returns
    whether it had opted out. Records it in the audit log, in one transaction."""
    address = normalize_address(address)
    with transaction.atomic():
        deleted, _ = OptOut.objects.filter(address=address).delete()
        if deleted:
            record_audit(
                actor=None,
                action=REMINDERS_RESUMED,
                target=address,
                message=f"{address} asked for reminders again.",
            )
    return bool(deleted)
