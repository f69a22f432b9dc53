import datetime

from django.conf import settings
from django.utils import timezone

from rotations.models import Schedule, SolveRun
from rotations.tasks import fail_stalled_runs_task, solve_task


def test_solve_task_options_survive_a_worker_crash():
    options = (
        solve_task.name,
        solve_task.acks_late,
        solve_task.reject_on_worker_lost,
        solve_task.soft_time_limit,
        solve_task.time_limit,
    )

    assert options == (
        "rotations.solve",
        True,
        True,
        settings.ROUNDS_SOLVE_MAX_TIME_LIMIT_S + 30,
        settings.ROUNDS_SOLVE_MAX_TIME_LIMIT_S + 60,
    )


def test_solve_task_called_with_a_run_id_solves_it(small):
    run = SolveRun.objects.create(event=small.event, time_limit_s=5)

    solve_task(run.pk)

    run.refresh_from_db()
    assert (run.status, Schedule.objects.filter(solve_run=run).count()) == ("succeeded", 1)


def test_solve_task_redelivered_for_a_finished_run_does_nothing(small):
    run = SolveRun.objects.create(event=small.event, time_limit_s=5)
    solve_task(run.pk)

    solve_task(run.pk)

    assert Schedule.objects.count() == 1


def test_fail_stalled_runs_task_fails_silent_runs(small):
    SolveRun.objects.create(
        event=small.event,
        status=SolveRun.Status.RUNNING,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=2),
    )

    assert fail_stalled_runs_task() == 1


def test_beat_schedule_runs_the_watchdog_every_ten_seconds():
    assert settings.CELERY_BEAT_SCHEDULE["watchdog"] == {
        "task": "rotations.fail_stalled_runs",
        "schedule": 10.0,
    }
