"""Celery tasks of the outbox: thin wrappers that take ids and call a service."""

from celery import shared_task

from outbox import services


@shared_task(
    bind=True,
    name=services.SEND_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.TransientSendError,),
    max_retries=services.MAX_RETRIES,
    retry_backoff=services.RETRY_BACKOFF_S,
    retry_backoff_max=services.RETRY_BACKOFF_MAX_S,
    retry_jitter=True,
    soft_time_limit=services.SEND_SOFT_TIME_LIMIT_S,
    time_limit=services.SEND_TIME_LIMIT_S,
    ignore_result=True,
)
def send_task(self, email_id: int) -> None:
    """Send the queued email ``email_id`` (see ``services.deliver_email``: a row already
    taken, sent or gone is left alone, so a redelivered message is harmless). A connection or
    SMTP error is tried again with a growing pause; the last try marks the row failed."""
    services.deliver_email(email_id=email_id, last_try=self.request.retries >= self.max_retries)


@shared_task(name=services.REQUEUE_TASK, ignore_result=True)
def requeue_stalled_emails_task() -> int:
    """The watchdog, every minute from beat: emails whose worker or message was lost are sent
    again (``services.requeue_stalled_emails``)."""
    return services.requeue_stalled_emails()
