"""PDF documents read from a published schedule, rendered with WeasyPrint: every attendee's
itinerary one a page, and one sign a table with a QR code of the table's page."""

from __future__ import annotations

import base64
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import qrcode
import qrcode.image.svg
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from events.models import Attendance, Event

from .assembly import get_event_itineraries, get_table_signs
from .links import table_path

if TYPE_CHECKING:
    from weasyprint import CSS, Document

STYLESHEETS = ("css/itinerary.css", "css/print.css")
# Itineraries rendered at a time when writing a PDF to a file: WeasyPrint holds a whole
# document's layout in memory, so a PDF of any size is made of chunks of this many.
PDF_CHUNK_ITINERARIES = 100


def _stylesheets() -> list[CSS]:
    from weasyprint import CSS

    return [CSS(filename=finders.find(name)) for name in STYLESHEETS]


def qr_code_data_uri(data: str) -> str:
    """A QR code of `data` as an SVG data URI, to sit in an <img> of a PDF or a page."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _render(template: str, context: dict, *, using: str | None = None) -> Document:
    html = render_to_string(template, context, using=using)
    # Imported here, not at the top: WeasyPrint takes half a second to import, which every
    # web worker would otherwise pay on its first request, PDF or not.
    from weasyprint import HTML

    return HTML(string=html, base_url=".").render(stylesheets=_stylesheets())


def itineraries_document(*, event: Event, clinician_ids: Iterable[int] | None = None) -> Document:
    """Every attendee's itinerary at the event (or only those of ``clinician_ids``), one a page
    (an itinerary longer than a page runs on, and the next one starts on a new page)."""
    itineraries = get_event_itineraries(event=event, clinician_ids=clinician_ids)
    return _render(
        "itineraries/itinerary_document.html",
        {"event": event, "itineraries": itineraries},
        using="jinja2",  # the sheet the personal pages show (config/jinja2.py)
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


def get_print_order(*, event: Event, clinician_ids: Iterable[int] | None = None) -> list[int]:
    """The clinician ids of the event's attendances (or of those in ``clinician_ids``) in the
    order they are printed: by last name, as ``get_event_itineraries`` gives them."""
    attendances = Attendance.objects.filter(event=event).order_by(
        "clinician__last_name", "clinician__first_name", "pk"
    )
    if clinician_ids is not None:
        attendances = attendances.filter(clinician_id__in=list(clinician_ids))
    return list(attendances.values_list("clinician_id", flat=True))


def write_itineraries_pdf(
    *,
    event: Event,
    path: Path,
    clinician_ids: Iterable[int] | None = None,
    chunk_size: int = PDF_CHUNK_ITINERARIES,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write every attendee's itinerary (or only those of ``clinician_ids``), one a page, to the
    PDF file ``path`` and return how many itineraries it holds. Rendered ``chunk_size`` at a
    time, each chunk written to a file of its own and the chunks then joined with pypdf, so
    memory stays that of one chunk whatever the event's size; ``on_progress(done, total)``
    after each chunk. The file appears whole or not at all (written beside it, then renamed)."""
    from pypdf import PdfWriter

    order = get_print_order(event=event, clinician_ids=clinician_ids)
    total = len(order)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".chunks-") as chunks_dir:
        chunk_paths = []
        if total == 0:
            chunk = Path(chunks_dir) / "empty.pdf"
            chunk.write_bytes(render_itineraries_pdf(event=event, clinician_ids=[]))
            chunk_paths.append(chunk)
        for start in range(0, total, chunk_size):
            chunk = Path(chunks_dir) / f"{start:06d}.pdf"
            itineraries_document(
                event=event, clinician_ids=order[start : start + chunk_size]
            ).write_pdf(chunk)
            chunk_paths.append(chunk)
            if on_progress is not None:
                on_progress(min(start + chunk_size, total), total)
        writer = PdfWriter()
        for chunk in chunk_paths:
            writer.append(str(chunk))
        handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            writer.write(file)
        writer.close()
    os.replace(partial, path)
    return total
