"""Background work of the series: reminders before reply deadlines, planning a season and
solving its evenings (thin wrappers that take ids and call a service)."""

from celery import shared_task
from django.conf import settings

from . import planning, services


@shared_task(name="series.send_due_reminders")
def send_due_reminders_task() -> int:
    """Remind those who have not answered for evenings whose deadline is near
    (``services.send_due_reminders``; idempotent: reminders already sent are counted on their
    invitations). Celery beat runs it every hour."""
    return services.send_due_reminders(base_url=settings.ROUNDS_BASE_URL)


@shared_task(
    name=planning.PLAN_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def plan_task(plan_id: int) -> None:
    """Plan the season of the plan ``plan_id`` (``planning.run_plan``: idempotent, so a
    redelivered message is harmless; a plan whose worker died is planned again, once)."""
    planning.run_plan(plan_id=plan_id)


@shared_task(name=planning.PLAN_WATCHDOG_TASK, ignore_result=True)
def fail_stalled_plans_task() -> int:
    """The plans' watchdog, every 10 seconds from beat: a plan whose worker went silent is
    queued again once, then failed (``planning.fail_stalled_plans``)."""
    return planning.fail_stalled_plans()


@shared_task(
    name=planning.SOLVE_EVENING_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # The chord's callback needs every evening's result.
    ignore_result=False,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    max_retries=None,
)
def solve_evening_task(self, run_id: int) -> str:
    """One evening of a series' chord: rotations' solve of the run ``run_id`` (idempotent);
    returns the run's status for ``evenings_solved_task``. While the run is solved elsewhere
    (another delivery, or the next worker after this one's died) it asks again every
    ``EVENING_RECHECK_S`` rather than report an evening that has not ended."""
    last_try = self.request.retries >= planning.EVENING_RECHECKS
    status = planning.solve_evening(run_id=run_id, last_try=last_try)
    if status is None:
        raise self.retry(countdown=planning.EVENING_RECHECK_S)
    return status


@shared_task(name=planning.EVENINGS_SOLVED_TASK, ignore_result=True)
def evenings_solved_task(statuses: list[str], series_id: int) -> None:
    """The chord's callback, once every evening's solve has ended."""
    planning.evenings_solved(series_id=series_id, statuses=statuses)
