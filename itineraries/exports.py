"""The attendee list with personal links as a file to take away (.xlsx or .csv): who comes,
their role and email, their group or table, and the link that opens their itinerary. Reads
only, in a fixed number of queries; every cell passes through the formula rule of
``accounts.csv`` (via ``rotations.exports``' writers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.utils.text import slugify

from events.models import Anchor, Attendance, Event, GroupMember
from rotations.exports import csv_lines, workbook_bytes

from .links import itinerary_path

HEADER = ["Name", "Credentials", "Role", "Email", "Group or table", "Personal link"]
SHEET_TITLE = "Attendees"


def attendee_rows(*, event: Event, absolute_url: Callable[[str], str]) -> list[list[str]]:
    """One row an attendee, ordered as the itineraries page lists them; ``absolute_url`` turns
    the itinerary's path into the link (``request.build_absolute_uri``). Three queries."""
    attendances = list(
        Attendance.objects.filter(event=event)
        .select_related("clinician")
        .order_by("clinician__last_name", "clinician__first_name", "pk")
    )
    group_of = dict(
        GroupMember.objects.filter(event=event).values_list("clinician_id", "group__name")
    )
    table_of = {
        anchor.clinician_id: str(anchor.table)
        for anchor in Anchor.objects.filter(event=event).select_related("table__specialty")
    }
    rows = []
    for attendance in attendances:
        clinician = attendance.clinician
        rows.append(
            [
                clinician.full_name,
                clinician.credentials,
                clinician.get_role_display(),
                clinician.email,
                group_of.get(clinician.pk) or table_of.get(clinician.pk, ""),
                absolute_url(itinerary_path(attendance=attendance)),
            ]
        )
    return rows


def attendee_filename(*, event: Event, extension: str) -> str:
    """``north-spring-attendees.xlsx``."""
    return f"{slugify(event.name) or 'event'}-attendees.{extension}"


def attendees_workbook(*, event: Event, absolute_url: Callable[[str], str]) -> bytes:
    """The attendee list as an .xlsx of one sheet."""
    rows = attendee_rows(event=event, absolute_url=absolute_url)
    return workbook_bytes([(SHEET_TITLE, HEADER, rows)])


def attendees_csv(*, event: Event, absolute_url: Callable[[str], str]) -> Iterator[str]:
    """The attendee list as CSV lines, to stream."""
    return csv_lines(header=HEADER, rows=attendee_rows(event=event, absolute_url=absolute_url))
