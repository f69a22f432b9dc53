"""PDF documents read from a published schedule, rendered with WeasyPrint: every attendee's
itinerary one a page, and one sign a table with a QR code of the table's page."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import qrcode
import qrcode.image.svg
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from events.models import Event

from .assembly import get_event_itineraries, get_table_signs
from .links import table_path

if TYPE_CHECKING:
    from weasyprint import CSS, Document

STYLESHEETS = ("css/itinerary.css", "css/print.css")


def _stylesheets() -> list[CSS]:
    from weasyprint import CSS

    return [CSS(filename=finders.find(name)) for name in STYLESHEETS]


def qr_code_data_uri(data: str) -> str:
    """A QR code of `data` as an SVG data URI, to sit in an <img> of a PDF or a page."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _render(template: str, context: dict) -> Document:
    html = render_to_string(template, context)
    # Imported here, not at the top: WeasyPrint takes half a second to import, which every
    # web worker would otherwise pay on its first request, PDF or not.
    from weasyprint import HTML

    return HTML(string=html, base_url=".").render(stylesheets=_stylesheets())


def itineraries_document(*, event: Event, clinician_ids: Iterable[int] | None = None) -> Document:
    """Every attendee's itinerary at the event (or only those of ``clinician_ids``), one a page
    (an itinerary longer than a page runs on, and the next one starts on a new page)."""
    itineraries = get_event_itineraries(event=event, clinician_ids=clinician_ids)
    return _render(
        "itineraries/itinerary_document.html", {"event": event, "itineraries": itineraries}
    )


def table_signs_document(*, event: Event, absolute_url: Callable[[str], str]) -> Document:
    """One sign a table: big table number, specialty, anchors, the groups of each round, and a
    QR code of the table's page. `absolute_url` turns a path into the link the code holds."""
    signs = []
    for sign in get_table_signs(event=event):
        link = absolute_url(table_path(event_id=event.pk, table_id=sign.table.id))
        signs.append((sign, qr_code_data_uri(link)))
    return _render("itineraries/table_sign_document.html", {"event": event, "signs": signs})


def render_itineraries_pdf(*, event: Event, clinician_ids: Iterable[int] | None = None) -> bytes:
    """The PDF of every attendee's itinerary (or only those of ``clinician_ids``)."""
    return itineraries_document(event=event, clinician_ids=clinician_ids).write_pdf()


def render_table_signs_pdf(*, event: Event, absolute_url: Callable[[str], str]) -> bytes:
    """The PDF of the event's table signs."""
    return table_signs_document(event=event, absolute_url=absolute_url).write_pdf()
