"""Background work of the outcomes app: survey reminders."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="outcomes.send_due_survey_reminders")
def send_due_survey_reminders_task() -> int:
    """Queue the survey reminders that are due (``services.send_due_survey_reminders``;
    idempotent: each reminder is keyed in the outbox). Celery beat runs it every hour."""
    return services.send_due_survey_reminders(base_url=settings.ROUNDS_BASE_URL)
