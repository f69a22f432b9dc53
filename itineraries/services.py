"""Writes of the itineraries app: reissuing a personal link, and sending links by email
(through the outbox, in the background)."""

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from accounts.services import display_name, record_audit
from events.links import reissue_token
from events.models import Attendance, Event

from .emails import send_itinerary_links
from .models import LinkEmail
from .queries import plan_link_emails

# Audit log actions written by itineraries.
LINK_REISSUED = "link.reissued"
LINKS_SENT = "links.sent"


def reissue_link(*, attendance: Attendance, by: AbstractBaseUser | None) -> Attendance:
    """Give the attendance a new personal link token; the old link stops working at once (it
    is a 404 like any unknown token). Records the reissue in the audit log, in one transaction
    (``events.links.reissue_token``, the rule every personal link follows)."""
    reissue_token(
        attendance,
        token_field="link_token",
        issued_at_field="link_issued_at",
        by=by,
        action=LINK_REISSUED,
        target=str(attendance),
        message=f"{display_name(by)} reissued the personal link of {attendance.clinician} "
        f"for {attendance.event.name}; the old link stopped working.",
        details={"event": attendance.event_id, "attendance": attendance.pk},
    )
    return attendance


class StaleMailing(Exception):
    """The version published changed between the preview and the confirmation."""


def send_link_emails(
    *,
    event: Event,
    audience: str,
    schedule_id: int | None,
    absolute_url: Callable[[str], str],
    by: AbstractBaseUser | None,
) -> int:
    """Email their personal link to each attendee of ``audience`` ("changed" or "everyone", see
    ``queries.plan_link_emails``) who has not had one for the published version: record each
    (``LinkEmail``) and queue its email in the outbox, in one transaction with the event's row
    locked, so sending the same again sends nothing and two organizers confirming at once send
    once. The emails leave after the commit, in the background (the outbox retries a mail
    server that is down; its Emails page shows each one), never inside this request or lock.
    ``schedule_id`` is the version the organizer previewed; if another was published since,
    raises ``StaleMailing`` and queues nothing. Records the send in the audit log. Returns how
    many emails were queued."""
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()
        mailing = plan_link_emails(event=event, audience=audience)
        current = mailing.schedule.pk if mailing.schedule else None
        if current != schedule_id:
            raise StaleMailing(
                "Another version was published since the preview: look at who gets an email again."
            )
        if not mailing.recipients:
            return 0
        user = by if by is not None and by.is_authenticated else None
        LinkEmail.objects.bulk_create(
            LinkEmail(attendance=a, schedule=mailing.schedule, audience=audience, sent_by=user)
            for a in mailing.recipients
        )
        sent = send_itinerary_links(
            event=event,
            absolute_url=absolute_url,
            attendances=mailing.recipients,
            changed_at=mailing.changed_at,
            schedule=mailing.schedule,
        )
        whom = "whose itinerary changed" if audience == LinkEmail.Audience.CHANGED else "in all"
        version = f"version {mailing.schedule.version}" if mailing.schedule else "no version yet"
        record_audit(
            actor=by,
            action=LINKS_SENT,
            target=event.name,
            message=f"{display_name(by)} emailed personal links to {sent} "
            f"clinician{'' if sent == 1 else 's'} {whom} for {event.name} ({version}).",
            details={
                "event": event.pk,
                "schedule": current,
                "audience": audience,
                "attendances": [a.pk for a in mailing.recipients],
            },
        )
    return sent
