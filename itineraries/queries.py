"""Reads used by more than one page: whose itinerary the latest publish changed, and who an
email of links would go to."""

from dataclasses import dataclass

from events.models import Attendance, Event
from rotations.models import Schedule
from rotations.services import changed_itineraries

from .assembly import get_published_schedules
from .models import LinkEmail


def get_changed_clinician_ids(
    *, event: Event, published: tuple[Schedule | None, Schedule | None] | None = None
) -> list[int]:
    """Ids of the clinicians whose itinerary differs between the published version and the one
    it replaced (everyone with a visit after a first publish); empty when nothing is published.
    """
    schedule, previous = published or get_published_schedules(event=event)
    if schedule is None:
        return []
    return changed_itineraries(old=previous, new=schedule)


@dataclass(frozen=True)
class LinkMailing:
    """Who an email of personal links would go to, and who it leaves out and why."""

    event: Event
    audience: str
    schedule: Schedule | None
    recipients: list[Attendance]
    already_sent: list[Attendance]
    without_email: list[Attendance]

    @property
    def changed_at(self):
        """When the itineraries changed, for the email's words (only when sending to those
        whose itinerary changed, after a republish)."""
        if self.audience != LinkEmail.Audience.CHANGED or self.schedule is None:
            return None
        return self.schedule.published_at


def plan_link_emails(*, event: Event, audience: str) -> LinkMailing:
    """Who gets an email of their link for the published version (``audience``: "changed" or
    "everyone"): attendees with an email address not yet sent one for this version; for
    "changed", only those whose itinerary changed. A no-show gets none. Four queries."""
    published = get_published_schedules(event=event)
    schedule = published[0]
    attendances = (
        Attendance.objects.filter(event=event)
        .exclude(status=Attendance.Status.NO_SHOW)
        .select_related("clinician")
        .order_by("clinician__last_name", "clinician__first_name", "pk")
    )
    if audience == LinkEmail.Audience.CHANGED:
        ids = get_changed_clinician_ids(event=event, published=published)
        attendances = attendances.filter(clinician_id__in=ids)
    sent = set(
        LinkEmail.objects.filter(attendance__event=event, schedule=schedule).values_list(
            "attendance_id", flat=True
        )
    )
    recipients, already_sent, without_email = [], [], []
    for attendance in attendances:
        if not attendance.clinician.email:
            without_email.append(attendance)
        elif attendance.pk in sent:
            already_sent.append(attendance)
        else:
            recipients.append(attendance)
    return LinkMailing(
        event=event,
        audience=audience,
        schedule=schedule,
        recipients=recipients,
        already_sent=already_sent,
        without_email=without_email,
    )
