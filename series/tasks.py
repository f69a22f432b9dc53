"""Background work of the series: the periodic reminders before reply deadlines."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="series.send_due_reminders")
def send_due_reminders_task() -> int:
    """Remind those who have not answered for evenings whose deadline is near
    (``services.send_due_reminders``; idempotent: reminders already sent are counted on their
    invitations). Celery beat runs it every hour."""
    return services.send_due_reminders(base_url=settings.ROUNDS_BASE_URL)
