"""Sending clinicians their personal itinerary links by email."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string

from events.models import Attendance, Event

from .links import itinerary_path


def send_itinerary_links(
    *,
    event: Event,
    absolute_url: Callable[[str], str],
    attendances: Iterable[Attendance] | None = None,
) -> int:
    """Email each attendee of the event (or the given attendances) their personal link, over one
    connection of Django's email backend. Changes nothing in the database; returns how many
    messages the backend accepted."""
    if attendances is None:
        attendances = Attendance.objects.filter(event=event).select_related("clinician")
    messages = []
    for attendance in attendances:
        if not attendance.clinician.email:
            continue
        context = {
            "event": event,
            "clinician": attendance.clinician,
            "link": absolute_url(itinerary_path(attendance=attendance)),
        }
        subject = render_to_string("itineraries/email/itinerary_link_subject.txt", context)
        body = render_to_string("itineraries/email/itinerary_link_body.txt", context)
        messages.append(
            EmailMessage(
                subject=" ".join(subject.split()),
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[attendance.clinician.email],
            )
        )
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
