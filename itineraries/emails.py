"""Emails of clinicians' personal itinerary links: what one says, and queueing a batch in the
outbox, which sends them in the background (``services.send_link_emails`` also records who
had one for which version)."""

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from events.models import Attendance, Event
from outbox.services import EmailDraft, queue_emails
from rotations.models import Schedule

from .assembly import get_published_schedules
from .links import itinerary_path

# The outbox's kind of these emails (the Emails page filters on it).
LINK_EMAIL_KIND = "itinerary-link"


def link_email(
    *,
    attendance: Attendance,
    event: Event,
    absolute_url: Callable[[str], str],
    changed_at: datetime.datetime | None = None,
) -> EmailMessage:
    """The email that gives ``attendance`` their personal link: the event's date, start time
    and venue, and, with ``changed_at``, when their itinerary changed."""
    context = {
        "event": event,
        "clinician": attendance.clinician,
        "link": absolute_url(itinerary_path(attendance=attendance)),
        "changed_at": timezone.localtime(changed_at) if changed_at else None,
    }
    subject = render_to_string("itineraries/email/itinerary_link_subject.txt", context)
    body = render_to_string("itineraries/email/itinerary_link_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[attendance.clinician.email],
    )


def link_email_key(*, attendance: Attendance, schedule: Schedule | None) -> str:
    """The outbox key of a link email: one per attendance and published version, so the same
    link email is never sent twice."""
    version = schedule.pk if schedule is not None else "none"
    return f"itinerary-link:attendance-{attendance.pk}:schedule-{version}"


def send_itinerary_links(
    *,
    event: Event,
    absolute_url: Callable[[str], str],
    attendances: Iterable[Attendance] | None = None,
    changed_at: datetime.datetime | None = None,
    schedule: Schedule | None = None,
) -> int:
    """Queue in the outbox the email that gives each attendee of the event (or the given
    attendances) their personal link for ``schedule`` (the published version if not given):
    the outbox sends them in the background once the caller's transaction commits, each once
    per attendance and version. Writes only the outbox's rows; returns how many emails were
    queued (those with an address)."""
    if attendances is None:
        attendances = Attendance.objects.filter(event=event).select_related("clinician")
    if schedule is None:
        schedule = get_published_schedules(event=event)[0]
    drafts = []
    for attendance in attendances:
        if not attendance.clinician.email:
            continue
        message = link_email(
            attendance=attendance, event=event, absolute_url=absolute_url, changed_at=changed_at
        )
        drafts.append(
            EmailDraft(
                key=link_email_key(attendance=attendance, schedule=schedule),
                to=attendance.clinician.email,
                subject=message.subject,
                body=message.body,
                kind=LINK_EMAIL_KIND,
            )
        )
    queue_emails(drafts)
    return len(drafts)
