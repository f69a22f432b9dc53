"""Background rendering of itineraries PDFs: every itinerary of a published version, or only
those it changed, in chunks, with progress an organizer's status page reads."""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from rotations.models import Schedule

from .documents import write_itineraries_pdf
from .queries import get_changed_clinician_ids

# How long the progress of a rendering is kept: past it the status page no longer shows it.
PDF_PROGRESS_SECONDS = 60 * 60


def itineraries_pdf_path(*, event_id: int, schedule_id: int, changed: bool = False) -> Path:
    """Where the itineraries PDF of one published version is kept (``changed``: only the
    itineraries that version changed)."""
    suffix = "-changed" if changed else ""
    return Path(settings.MEDIA_ROOT) / "itineraries" / f"{event_id}-{schedule_id}{suffix}.pdf"


def pdf_progress_key(*, event_id: int, schedule_id: int, changed: bool = False) -> str:
    """The cache key of a rendering's progress: ``(itineraries done, of total)``."""
    return f"itineraries:pdf-progress:{event_id}:{schedule_id}:{int(changed)}"


def get_pdf_progress(
    *, event_id: int, schedule_id: int, changed: bool = False
) -> tuple[int, int] | None:
    """``(done, total)`` of a rendering under way, None when none has reported yet."""
    return cache.get(pdf_progress_key(event_id=event_id, schedule_id=schedule_id, changed=changed))


@shared_task(name="rotations.render_itineraries_pdf")
def render_itineraries_pdf_task(
    event_id: int, schedule_id: int, changed: bool = False
) -> str | None:
    """Render every itinerary of the event's published version `schedule_id` (``changed``: only
    those it changed) to ``itineraries_pdf_path``, a chunk of itineraries at a time, reporting
    ``(done, total)`` in the cache after each chunk. Idempotent: a file already there is kept,
    a version no longer published is left alone, and the file appears whole or not at all."""
    schedule = (
        Schedule.objects.select_related("event")
        .filter(pk=schedule_id, event_id=event_id, is_published=True)
        .first()
    )
    if schedule is None:
        return None
    path = itineraries_pdf_path(event_id=event_id, schedule_id=schedule_id, changed=changed)
    if path.exists():
        return str(path)
    event = schedule.event
    clinician_ids = get_changed_clinician_ids(event=event) if changed else None
    key = pdf_progress_key(event_id=event_id, schedule_id=schedule_id, changed=changed)

    def report(done: int, total: int) -> None:
        cache.set(key, (done, total), PDF_PROGRESS_SECONDS)

    write_itineraries_pdf(event=event, path=path, clinician_ids=clinician_ids, on_progress=report)
    return str(path)
