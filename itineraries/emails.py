"""Emails of clinicians' personal itinerary links: what one says, and sending a batch over one
connection. Nothing here writes to the database (``services.send_link_emails`` does)."""

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone

from events.models import Attendance, Event

from .links import itinerary_path


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


def send_itinerary_links(
    *,
    event: Event,
    absolute_url: Callable[[str], str],
    attendances: Iterable[Attendance] | None = None,
    changed_at: datetime.datetime | None = None,
) -> int:
    """Email each attendee of the event (or the given attendances) their personal link, over one
    connection of Django's email backend. Changes nothing in the database; returns how many
    messages the backend accepted."""
    if attendances is None:
        attendances = Attendance.objects.filter(event=event).select_related("clinician")
    messages = [
        link_email(
            attendance=attendance, event=event, absolute_url=absolute_url, changed_at=changed_at
        )
        for attendance in attendances
        if attendance.clinician.email
    ]
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
