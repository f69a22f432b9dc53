"""Celery tasks of the rotations app: thin wrappers that take ids and call a service."""

from celery import shared_task
from django.conf import settings

from rotations import services
from rotations.advice import ADVICE_TIME_LIMIT_S
from rotations.services import advising


@shared_task(
    name=services.solving.SOLVE_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Defaults for the longest allowed solve; start_solve sends each run with limits just
    # above its own time limit.
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    ignore_result=True,
)
def solve_task(run_id: int) -> None:
    """Solve the run ``run_id`` (see ``services.run_solve``: idempotent, so a redelivered
    message is harmless)."""
    services.run_solve(run_id=run_id)


@shared_task(name="rotations.fail_stalled_runs", ignore_result=True)
def fail_stalled_runs_task() -> int:
    """The watchdog, every 30 seconds from beat: fail runs whose worker went silent."""
    return services.fail_stalled_runs()


@shared_task(
    name=advising.ADVISE_TASK,
    acks_late=True,
    # Just above the advice's own time limit: it stops itself before Celery does.
    soft_time_limit=ADVICE_TIME_LIMIT_S + 30,
    time_limit=ADVICE_TIME_LIMIT_S + 60,
    ignore_result=True,
)
def advise_task(run_id: int) -> None:
    """Work out and store the advice of the solve run ``run_id`` (see
    ``advising.advise_run``: idempotent, so a redelivered message is harmless)."""
    advising.advise_run(run_id=run_id)
