"""Background rendering of the itineraries PDF for large events."""

import os
import tempfile
from pathlib import Path

from celery import shared_task
from django.conf import settings

from rotations.models import Schedule

from .documents import render_itineraries_pdf


def itineraries_pdf_path(*, event_id: int, schedule_id: int) -> Path:
    """Where the itineraries PDF of one published version is kept."""
    return Path(settings.MEDIA_ROOT) / "itineraries" / f"{event_id}-{schedule_id}.pdf"


@shared_task(name="rotations.render_itineraries_pdf")
def render_itineraries_pdf_task(event_id: int, schedule_id: int) -> str | None:
    """Render every itinerary of the event's published version `schedule_id` to
    MEDIA_ROOT/itineraries/<event>-<schedule>.pdf. Idempotent: a file already there is kept, a
    version no longer published is left alone, and the file appears whole or not at all."""
    schedule = (
        Schedule.objects.select_related("event")
        .filter(pk=schedule_id, event_id=event_id, is_published=True)
        .first()
    )
    if schedule is None:
        return None
    path = itineraries_pdf_path(event_id=event_id, schedule_id=schedule_id)
    if path.exists():
        return str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = render_itineraries_pdf(event=schedule.event)
    handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(pdf)
    os.replace(partial, path)
    return str(path)
