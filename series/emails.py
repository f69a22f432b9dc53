"""Every email the series sends: what each says, queued through the outbox
(``outbox.services.queue_emails``: recorded in the caller's transaction, sent in the
background after the commit, once per key, reminders skipped for addresses that opted out).

Keys name a send for good: an invitation's key holds its link token, so a reissued link is
emailed again while a retry of the same send is not; a reminder's key holds its number."""

from __future__ import annotations

from collections.abc import Iterable

from django.template.loader import render_to_string
from django.utils import timezone

from events.links import link_email_key
from outbox.services import EmailDraft, opt_out_url, queue_emails

from .models import Invitation


def queue(drafts: Iterable[EmailDraft]) -> int:
    """Queue ``drafts`` in the outbox (inside the caller's transaction); returns how many
    were new."""
    return queue_emails(list(drafts))


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


def invitation_message(invitation: Invitation, *, base_url: str) -> tuple[str, str]:
    """The subject and body of an invitation, as the preview shows it."""
    event = invitation.evening.event
    subject = f"You are invited: {event.name}, {event.date:%A %-d %B}"
    body = render_to_string("series/email/invitation.txt", _context(invitation, base_url))
    return subject, body


def invitation_draft(invitation: Invitation, *, base_url: str) -> EmailDraft:
    subject, body = invitation_message(invitation, base_url=base_url)
    return EmailDraft(
        key=link_email_key("series:invitation", invitation.pk, invitation.token),
        to=invitation.clinician.email,
        subject=subject,
        body=body,
        kind="series.invitation",
    )


def reminder_draft(invitation: Invitation, *, base_url: str, number: int) -> EmailDraft:
    event = invitation.evening.event
    context = _context(invitation, base_url)
    context["opt_out"] = opt_out_url(invitation.clinician.email, base_url=base_url)
    return EmailDraft(
        key=f"series:reminder:{invitation.pk}:{number}",
        to=invitation.clinician.email,
        subject=f"Reminder: will you come to {event.name} on {event.date:%A %-d %B}?",
        body=render_to_string("series/email/reminder.txt", context),
        kind="series.reminder",
        reminder=True,
    )


def promotion_draft(invitation: Invitation, *, base_url: str) -> EmailDraft:
    event = invitation.evening.event
    return EmailDraft(
        key=f"series:promoted:{invitation.pk}:{int(invitation.waitlisted_at.timestamp())}",
        to=invitation.clinician.email,
        subject=f"A place opened for you at {event.name}",
        body=render_to_string("series/email/promoted.txt", _context(invitation, base_url)),
        kind="series.promoted",
    )
