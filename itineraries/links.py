"""Personal links: the path of a clinician's itinerary, what a link's token opens, and the signed
token of a table's page.

The paths never change (printed itineraries and table-sign QR codes hold them)."""

import functools
from dataclasses import dataclass

from django.core import signing
from django.db import connection
from django.urls import reverse

from clinicians.models import Clinician
from events.models import Attendance, Event, GroupMember, Table, TravelGroup
from rotations.models import Schedule

TABLE_TOKEN_SALT = "rounds.itineraries.table"


def itinerary_path(*, attendance: Attendance) -> str:
    """The path of the attendance's personal itinerary page: /i/<token>/."""
    return reverse("itineraries:detail", kwargs={"token": attendance.link_token})


def table_token(*, event_id: int, table_id: int) -> str:
    """An unguessable, stable token for a table's page: the event and table ids, signed."""
    return signing.dumps([event_id, table_id], salt=TABLE_TOKEN_SALT, compress=True)


def table_path(*, event_id: int, table_id: int) -> str:
    """The path of a table's page, which its sign's QR code opens: /i/table/<token>/."""
    token = table_token(event_id=event_id, table_id=table_id)
    return reverse("itineraries:table", kwargs={"token": token})


def get_table_for_token(*, token: str) -> Table | None:
    """The table a signed token names, or None when the token is tampered with or stale."""
    try:
        event_id, table_id = signing.loads(token, salt=TABLE_TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Table.objects.select_related("event", "specialty")
        .filter(pk=table_id, event_id=event_id)
        .first()
    )


@dataclass(frozen=True, slots=True)
class PersonalLink:
    """What every request of a personal link needs before its page: whose link it is, their
    name (filled into a page kept for their group), the event's published version and the one
    published before it (``None``: nothing published) and the group they travel in (its id and
    name; ``None`` and empty: none)."""

    attendance_id: int
    token: str
    status: str
    event_id: int
    clinician_id: int
    first_name: str
    last_name: str
    credentials: str
    published_id: int | None
    previous_id: int | None
    group_id: int | None
    group_name: str

    @property
    def full_name(self) -> str:
        return Clinician(first_name=self.first_name, last_name=self.last_name).full_name

    @property
    def version(self) -> str:
        """The published version and the one before it as a cache-key word ("12-9", "0-0"
        when nothing is published): a published version never changes."""
        if self.published_id is None:
            return "0-0"
        return f"{self.published_id}-{self.previous_id or 0}"


@functools.cache
def _link_sql() -> str:
    # Raw SQL, written once: the ORM spends longer compiling this query (its three subqueries)
    # than the database spends answering it, on every request of every clinician.
    # The previous version is the latest other version ever published, as in
    # itineraries.assembly.get_published_schedules; a clinician has one membership an event
    # (GroupMember's unique constraint), so the join gives one row or none.
    attendance, clinician = Attendance._meta.db_table, Clinician._meta.db_table
    schedule, member = Schedule._meta.db_table, GroupMember._meta.db_table
    group = TravelGroup._meta.db_table
    return f"""
        SELECT a.id, a.link_token, a.status, a.event_id, a.clinician_id,
               c.first_name, c.last_name, c.credentials,
               (SELECT s.id FROM {schedule} s
                 WHERE s.event_id = a.event_id AND s.published_at IS NOT NULL AND s.is_published
                 ORDER BY s.id DESC LIMIT 1),
               (SELECT s.id FROM {schedule} s
                 WHERE s.event_id = a.event_id AND s.published_at IS NOT NULL
                   AND NOT s.is_published
                 ORDER BY s.published_at DESC, s.id DESC LIMIT 1),
               g.id, g.name
          FROM {attendance} a JOIN {clinician} c ON c.id = a.clinician_id
          LEFT JOIN {member} m ON m.event_id = a.event_id AND m.clinician_id = a.clinician_id
          LEFT JOIN {group} g ON g.id = m.group_id
         WHERE a.link_token = %s
    """


def find_personal_link(*, token: str) -> PersonalLink | None:
    """The personal link of ``token`` (one query), or None for an unknown, revoked or tampered
    token alike."""
    with connection.cursor() as cursor:
        cursor.execute(_link_sql(), [token])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, token, status, event_id, clinician_id, first, last, credentials, *ids = row
    published_id, previous_id, group_id, group_name = ids
    return PersonalLink(
        attendance_id=pk,
        token=token,
        status=status,
        event_id=event_id,
        clinician_id=clinician_id,
        first_name=first,
        last_name=last,
        credentials=credentials,
        published_id=published_id,
        previous_id=previous_id,
        group_id=group_id,
        group_name=group_name or "",
    )


def load_link_attendance(
    *, link: PersonalLink
) -> tuple[Attendance, tuple[Schedule | None, Schedule | None]] | None:
    """The link's attendance with its event and clinician, and the event's published version
    and the one before it (``get_published_schedules``' answer), in one query: the versions
    with their event (the event alone when nothing is published). The attendance and its
    clinician are built from the link's own columns (id, token, status; names, credentials),
    the only ones an itinerary reads. None when the event or a version is gone since."""
    # Nothing published: no version at all, even one published once and taken back since.
    ids = [pk for pk in (link.published_id, link.previous_id) if pk is not None]
    published = previous = None
    if link.published_id is not None:
        versions = {
            version.pk: version
            for version in Schedule.objects.select_related("event").filter(pk__in=ids)
        }
        published, previous = versions.get(link.published_id), versions.get(link.previous_id)
        if published is None or (link.previous_id is not None and previous is None):
            return None
        event = published.event
        if previous is not None:
            previous.event = event
    else:
        event = Event.objects.filter(pk=link.event_id).first()
        if event is None:
            return None
    clinician = Clinician(
        pk=link.clinician_id,
        first_name=link.first_name,
        last_name=link.last_name,
        credentials=link.credentials,
    )
    attendance = Attendance(
        pk=link.attendance_id,
        event=event,
        clinician=clinician,
        link_token=link.token,
        status=link.status,
    )
    return attendance, (published, previous)
