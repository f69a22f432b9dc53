"""Celery tasks of the events app: thin wrappers that call a service."""

from celery import shared_task

from events import services


@shared_task(name="events.finish_past_events", ignore_result=True)
def finish_past_events_task() -> int:
    """Hourly from beat: published events whose date has passed become finished."""
    return services.finish_past_events()
