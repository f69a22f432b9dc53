"""Personal links: the path of a clinician's itinerary and the signed token of a table's page.

The paths never change (printed itineraries and table-sign QR codes hold them)."""

from django.core import signing
from django.urls import reverse

from events.models import Attendance, Table

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
