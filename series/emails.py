"""Every email the series sends goes through here: what each says, and ``queue_email``.

``queue_email`` has the signature of ``outbox.services.queue_email`` (idempotent by key, sent
in the background, reminders skip addresses that opted out); until the outbox app is merged
it sends with Django's email framework once the caller's transaction commits, so a write that
rolls back sends nothing. Switching to the outbox is this module's change alone.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Invitation


def queue_email(
    *,
    key: str,
    to: str,
    subject: str,
    body: str,
    kind: str,
    html_body: str = "",
    reminder: bool = False,
) -> None:
    """Send one email after the current transaction commits. ``key`` names the email (a
    retry with the same key must not send it twice: the callers record what they sent in
    the same transaction), ``kind`` says what it is, ``reminder`` marks emails an address
    may opt out of."""
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"X-Rounds-Kind": kind, "X-Rounds-Key": key},
    )
    transaction.on_commit(lambda: message.send())


def _context(invitation: Invitation, base_url: str) -> dict:
    evening = invitation.evening
    event = evening.event
    return {
        "invitation": invitation,
        "clinician": invitation.clinician,
        "series": evening.series,
        "event": event,
        "reply_by": timezone.localtime(evening.reply_by),
        "link": base_url.rstrip("/") + invitation.get_absolute_url(),
    }


def _queue(
    invitation: Invitation,
    *,
    key: str,
    kind: str,
    template: str,
    subject: str,
    base_url: str,
    reminder: bool = False,
) -> None:
    body = render_to_string(f"series/email/{template}.txt", _context(invitation, base_url))
    queue_email(
        key=key,
        to=invitation.clinician.email,
        subject=subject,
        body=body,
        kind=kind,
        reminder=reminder,
    )


def invitation_message(invitation: Invitation, *, base_url: str) -> tuple[str, str]:
    """The subject and body of an invitation, as the preview shows it."""
    event = invitation.evening.event
    subject = f"You are invited: {event.name}, {event.date:%A %-d %B}"
    body = render_to_string("series/email/invitation.txt", _context(invitation, base_url))
    return subject, body


def queue_invitation(invitation: Invitation, *, base_url: str) -> None:
    subject, body = invitation_message(invitation, base_url=base_url)
    queue_email(
        key=f"series.invitation.{invitation.pk}",
        to=invitation.clinician.email,
        subject=subject,
        body=body,
        kind="series.invitation",
    )


def queue_reminder(invitation: Invitation, *, base_url: str, number: int) -> None:
    event = invitation.evening.event
    _queue(
        invitation,
        key=f"series.reminder.{invitation.pk}.{number}",
        kind="series.reminder",
        template="reminder",
        subject=f"Reminder: will you come to {event.name} on {event.date:%A %-d %B}?",
        base_url=base_url,
        reminder=True,
    )


def queue_promotion(invitation: Invitation, *, base_url: str) -> None:
    event = invitation.evening.event
    _queue(
        invitation,
        key=f"series.promoted.{invitation.pk}.{int(invitation.waitlisted_at.timestamp())}",
        kind="series.promoted",
        template="promoted",
        subject=f"A place opened for you at {event.name}",
        base_url=base_url,
    )
