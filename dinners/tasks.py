"""Background work of the dinners: forming a season's groups, the dinner reminders, the
reminders to sign up before the deadline, and finishing past seasons."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from . import services
from .models import DinnerSeason


@shared_task(name=services.FORM_TASK, soft_time_limit=90, time_limit=120)
def form_groups_task(season_id: int, user_id: int | None = None) -> int:
    """Form the groups of season ``season_id`` (``services.form_dinner_groups``, one write
    transaction); a season gone or not marked forming is left alone. Returns the groups."""
    season = DinnerSeason.objects.filter(pk=season_id, forming=True).first()
    if season is None:
        return 0
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        result = services.form_dinner_groups(season=season, by=user)
    except Exception:
        DinnerSeason.objects.filter(pk=season_id).update(forming=False)
        raise
    return len(result.grouping.groups)


@shared_task(name="dinners.send_due_reminders")
def send_due_reminders_task() -> int:
    """Remind the members of dinners in the next days (idempotent: a dinner is reminded
    once). Celery beat runs it daily."""
    return services.send_dinner_reminders(base_url=settings.ROUNDS_BASE_URL)


@shared_task(name="dinners.send_sign_up_reminders")
def send_sign_up_reminders_task() -> int:
    """Remind those invited who have not answered, a few days before a season's sign-up
    deadline (once each: the sign-up records it and the outbox key holds it). Hourly from
    beat."""
    return services.send_sign_up_reminders(base_url=settings.ROUNDS_BASE_URL)


@shared_task(name="dinners.finish_past_seasons")
def finish_past_seasons_task() -> int:
    """Seasons whose last dinner is past are finished, their recorded dinners in the
    connection ledger (idempotent). Hourly from beat."""
    return services.finish_past_seasons()
