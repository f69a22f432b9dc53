"""Writes of the itineraries app: reissuing a personal link, and sending links by email."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts.services import display_name, record_audit
from events.models import Attendance, new_link_token

# Audit log actions written by itineraries.
LINK_REISSUED = "link.reissued"


def reissue_link(*, attendance: Attendance, by: AbstractBaseUser | None) -> Attendance:
    """Give the attendance a new personal link token; the old link stops working at once (it
    is a 404 like any unknown token). Records the reissue in the audit log, in one transaction."""
    with transaction.atomic():
        attendance.link_token = new_link_token()
        attendance.link_issued_at = timezone.now()
        attendance.save(update_fields=["link_token", "link_issued_at"])
        record_audit(
            actor=by,
            action=LINK_REISSUED,
            target=str(attendance),
            message=f"{display_name(by)} reissued the personal link of {attendance.clinician} "
            f"for {attendance.event.name}; the old link stopped working.",
            details={"event": attendance.event_id, "attendance": attendance.pk},
        )
    return attendance
