"""Solve runs: ``start_solve`` / ``cancel_solve`` / ``run_status`` are what the organizer's
pages call, ``run_solve`` is the body of the Celery task, ``fail_stalled_runs`` the watchdog."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from events.models import Event
from rotations.models import Schedule, SolveRun, replan_note
from rotations.services import jobs, replanning
from rotations.services.adapter import apply_solution, build_problem, readiness_problems
from rotations.services.advising import ADVISE_TASK
from rotations.solver import Progress, Status, solve

logger = logging.getLogger(__name__)

# CP-SAT workers; fixed so that the same event and seed give the same schedule everywhere.
SOLVER_WORKERS = 2
# The Celery task that runs ``run_solve`` (rotations.tasks.solve_task).
SOLVE_TASK = "rotations.solve"
# A dead worker's run is queued again once, then failed: the rule of every job (``jobs``).
HEARTBEAT_EVERY_S = jobs.HEARTBEAT_EVERY_S
STALLED_AFTER = jobs.STALLED_AFTER
WATCHDOG_EVERY_S = jobs.WATCHDOG_EVERY_S
RETRY_CLAIM_SUFFIX = jobs.RETRY_CLAIM_SUFFIX
QUEUED_TOO_LONG = jobs.QUEUED_TOO_LONG
STALLED_ERROR = "The worker stopped while solving. Retry the solve."
REQUEUED_MESSAGE = "The worker stopped; waiting for another worker to solve it again"
QUEUE_UNAVAILABLE_ERROR = (
    "The task queue is unavailable, so the solve could not be started. Nothing is queued: "
    "try again in a minute, and if it keeps happening, check that Redis is running."
)
LOST_ERROR = (
    "No worker picked up the solve within 30 minutes. Check that the worker is running, "
    "then retry the solve."
)
WORDS = jobs.Words(requeued=REQUEUED_MESSAGE, stalled=STALLED_ERROR, lost=LOST_ERROR)


class SolveAlreadyRunning(Exception):
    """The event already has a queued or running solve; ``run`` is that run (or None if it
    ended in the meantime)."""

    def __init__(self, run: SolveRun | None):
        self.run = run
        if run is None:
            message = "A solve is already running for this event."
        else:
            started = timezone.localtime(run.created_at)
            message = (
                "A solve is already running for this event "
                f"(started {started:%H:%M} by {_user_name(run.started_by)})."
            )
        super().__init__(message)


class QueueUnavailable(Exception):
    """The broker refused the solve task; ``run`` has been marked failed, so nothing waits in
    the queue and nothing blocks the next Solve."""

    def __init__(self, run: SolveRun):
        self.run = run
        super().__init__(QUEUE_UNAVAILABLE_ERROR)


class EventNotReady(Exception):
    """The event cannot be solved yet; ``problems`` lists every reason, in organizer's words."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The event is not ready to schedule: " + " ".join(problems))


# --- Solve runs -------------------------------------------------------------------------


def _user_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "the command line"
    return user.get_full_name() or user.get_username()


def start_solve(
    *,
    event: Event,
    by: AbstractBaseUser | None,
    time_limit_s: int | None = None,
    seed: int = 0,
    pinned_from: Schedule | None = None,
    replan_from_round: int | None = None,
    strategies: Sequence[str] | None = None,
    dispatch: bool = True,
) -> SolveRun:
    """Queue a solve of ``event`` and dispatch the Celery task once the transaction commits;
    if the broker refuses it, the run is failed and ``QueueUnavailable`` raised.

    With ``replan_from_round`` N it is a re-plan on the day (see ``build_problem``): rounds
    before N are kept from ``pinned_from``, by default the published schedule (none
    published: ``EventNotReady``), and no-shows are left out from round N. It solves each
    of ``strategies`` (by default fewest changes, then best) and writes each as a version,
    to compare side by side (see ``replanning``).

    Raises ``EventNotReady`` (listing every problem) before queueing anything, and
    ``SolveAlreadyRunning`` when the event already has a queued or running solve: the
    database's ``one_active_solve_per_event`` constraint decides, so two simultaneous starts
    give one run. A run whose worker has died is failed first (the watchdog), so it does not
    block a retry. ``time_limit_s`` defaults to ROUNDS_SOLVE_TIME_LIMIT_S and is kept within
    1..ROUNDS_SOLVE_MAX_TIME_LIMIT_S. Creates the run in its own (or the caller's) transaction.
    With ``dispatch=False`` no task is sent: the caller sends one for the run (e.g. the series'
    chord over its evenings) and fails the run if the broker refuses it.
    """
    problems = readiness_problems(event=event, replan_from_round=replan_from_round)
    if problems:
        raise EventNotReady(problems)
    if time_limit_s is None:
        time_limit_s = settings.ROUNDS_SOLVE_TIME_LIMIT_S
    time_limit_s = max(1, min(int(time_limit_s), settings.ROUNDS_SOLVE_MAX_TIME_LIMIT_S))
    if pinned_from is not None and pinned_from.event_id != event.pk:
        raise ValueError("pinned_from is a schedule of another event")
    if replan_from_round is not None:
        if not 1 <= replan_from_round <= event.rounds:
            raise ValueError(f"the event has no round {replan_from_round}")
        if pinned_from is None:
            pinned_from = Schedule.objects.filter(event=event, is_published=True).first()
        if pinned_from is None:
            raise EventNotReady(
                ["No schedule is published yet: a re-plan keeps the rounds that happened."]
            )
        strategies = list(strategies or replanning.ALL_STRATEGIES)
        unknown = set(strategies) - set(replanning.ALL_STRATEGIES)
        if unknown or len(set(strategies)) != len(strategies):
            raise ValueError(f"unknown or repeated re-plan strategies: {strategies}")
    else:
        strategies = []

    fail_stalled_runs(event=event)
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = SolveRun.objects.create(
                    event=event,
                    status=SolveRun.Status.QUEUED,
                    time_limit_s=time_limit_s,
                    seed=seed,
                    pinned_from=pinned_from,
                    replan_from_round=replan_from_round,
                    strategies=strategies,
                    message="Waiting for a worker",
                    started_by=by if by is not None and by.is_authenticated else None,
                )
        except IntegrityError:
            active = (
                SolveRun.objects.filter(event=event, status__in=SolveRun.ACTIVE_STATUSES)
                .select_related("started_by")
                .first()
            )
            raise SolveAlreadyRunning(active) from None
    # After the commit, so that the worker finds the run. If the broker refuses the task the
    # run is failed and QueueUnavailable is raised: here, or inside a caller's transaction
    # from that transaction's commit.
    if not dispatch:
        return run
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _dispatch(run))
    else:
        _dispatch(run)
    return run


def _dispatch(run: SolveRun, *, raise_error: bool = True) -> bool:
    """Send the solve task for ``run``; call after the run's row is committed. When the
    broker is unreachable, the run becomes failed (one UPDATE, if it is still queued) with
    ``QUEUE_UNAVAILABLE_ERROR`` and ``QueueUnavailable`` is raised (or False returned)."""
    try:
        # The task by its registered name: rotations.tasks imports these services, so the
        # services never import the tasks (no import cycle).
        current_app.tasks[SOLVE_TASK].apply_async(
            args=[run.pk],
            # Just above the run's own limit: the solver stops itself before Celery does.
            soft_time_limit=run.time_limit_s + 30,
            time_limit=run.time_limit_s + 60,
        )
    except Exception:
        logger.exception("Solve run %s: the broker refused the task", run.pk)
        now = timezone.now()
        SolveRun.objects.filter(pk=run.pk, status=SolveRun.Status.QUEUED).update(
            status=SolveRun.Status.FAILED,
            error=QUEUE_UNAVAILABLE_ERROR,
            message="The task queue is unavailable",
            finished_at=now,
        )
        run.refresh_from_db()
        if raise_error:
            raise QueueUnavailable(run) from None
        return False
    return True


def cancel_solve(*, run: SolveRun, by: AbstractBaseUser | None) -> SolveRun:
    """Ask ``run`` to stop, in one transaction. A queued run is cancelled at once; a running
    one gets ``cancel_requested``, which the worker reads within about a second, then it ends
    cancelled and writes no schedule. A finished run is left as it is."""
    now = timezone.now()
    with transaction.atomic():
        locked = SolveRun.objects.select_for_update().get(pk=run.pk)
        if locked.status == SolveRun.Status.QUEUED:
            locked.status = SolveRun.Status.CANCELLED
            locked.cancel_requested = True
            locked.finished_at = now
            locked.message = f"Cancelled by {_user_name(by)}"
            locked.save(update_fields=["status", "cancel_requested", "finished_at", "message"])
        elif locked.status == SolveRun.Status.RUNNING and not locked.cancel_requested:
            # update(), not save(): the worker writes progress to this row concurrently.
            SolveRun.objects.filter(pk=run.pk).update(
                cancel_requested=True, message=f"Cancelling (asked by {_user_name(by)})"
            )
    run.refresh_from_db()
    return run


def _progress_fields(progress: Progress) -> dict[str, Any]:
    fields = jobs.progress_message(progress)
    if progress.visits is not None:
        fields["visits"] = progress.visits
    if progress.visits_upper_bound is not None:
        fields["visits_upper_bound"] = progress.visits_upper_bound
    return fields


class _Watch(jobs.Heartbeat):
    """A run's heartbeat (``jobs.Heartbeat``): progress with the visits found and their bound,
    and the organizer's cancel flag."""

    def __init__(self, run_id: int, claim: str):
        super().__init__(
            SolveRun.objects.all(),
            run_id,
            claim,
            fields=_progress_fields,
            cancel_field="cancel_requested",
        )


def _claim(run_id: int) -> tuple[SolveRun, str] | None:
    """Mark the run running for this worker (``jobs.claim``: one transaction); None when it is
    not ours to solve (gone, finished, or running with a live heartbeat elsewhere: a duplicate
    delivery). A run whose worker died is solved again, once; a run cancelled before a worker
    took it ends cancelled."""

    def cancelled(run: SolveRun, now: datetime) -> bool:
        if not run.cancel_requested:
            return False
        run.status = SolveRun.Status.CANCELLED
        run.finished_at = now
        run.save(update_fields=["status", "finished_at"])
        return True

    return jobs.claim(
        SolveRun.objects.select_related("event", "pinned_from"),
        run_id,
        words=WORDS,
        message="Reading the event",
        before_claim=cancelled,
    )


def _finish(run_id: int, claim: str, **fields: Any) -> bool:
    """Set a claimed run's final fields, unless it is no longer ours (``jobs.finish``)."""
    return jobs.finish(SolveRun.objects.all(), run_id, claim, **fields)


def run_solve(*, run_id: int) -> SolveRun | None:
    """Solve one queued run: the body of the ``rotations.solve`` task. Safe to call again for
    the same run (a redelivered message): a finished, cancelled or missing run is left alone,
    and a run another worker is solving (fresh heartbeat) too; a run whose worker went silent
    (or that the watchdog queued again for that reason) is solved again, once.

    Transactions: the claim (queued → running) is one; progress and the heartbeat are single
    updates from a helper thread; the end is one transaction that writes the schedule (via
    ``apply_solution``) and sets the run succeeded together, so a crash leaves either no
    schedule and a running run (which the watchdog fails) or both. Infeasible, cancelled and
    failed runs write no schedule. Errors are logged with their traceback and shown to users
    as one sentence.
    """
    claimed = _claim(run_id)
    if claimed is None:
        return None
    run, claim = claimed
    event = run.event
    watch = _Watch(run.pk, claim)
    problem = None
    options: list = []
    try:
        problems = readiness_problems(event=event, replan_from_round=run.replan_from_round)
        if problems:
            _finish(
                run.pk,
                claim,
                status=SolveRun.Status.INFEASIBLE,
                progress=100,
                message="The event is not ready to schedule",
                reasons=problems,
            )
            return _reload(run)
        if run.replan_from_round is not None and run.pinned_from is None:
            # The published schedule it re-plans was deleted while the run waited.
            _finish(
                run.pk,
                claim,
                status=SolveRun.Status.FAILED,
                error="The schedule this re-plan keeps is gone. Start the re-plan again.",
            )
            return _reload(run)
        problem = build_problem(
            event=event, pinned_from=run.pinned_from, replan_from_round=run.replan_from_round
        )
        watch.start()
        if run.replan_from_round is not None:
            options = replanning.solve_options(
                problem,
                strategies=run.strategies or replanning.ALL_STRATEGIES,
                time_limit_s=run.time_limit_s,
                seed=run.seed,
                num_workers=SOLVER_WORKERS,
                on_progress=watch.on_progress,
                should_stop=watch.should_stop,
            )
            # The run's figures are those of its first option; infeasible if any is.
            solution = next(
                (found for _s, found in options if found.status == Status.INFEASIBLE),
                options[0][1],
            )
        else:
            solution = solve(
                problem,
                time_limit_s=run.time_limit_s,
                seed=run.seed,
                num_workers=SOLVER_WORKERS,
                on_progress=watch.on_progress,
                should_stop=watch.should_stop,
            )
    except SoftTimeLimitExceeded:
        logger.exception("Solve run %s ran past its time limit", run.pk)
        _finish(
            run.pk,
            claim,
            status=SolveRun.Status.FAILED,
            error="The solve ran past its time limit. Retry the solve.",
        )
        return _reload(run)
    except replanning.FrozenRoundChanged as exc:
        logger.error("Solve run %s: %s", run.pk, exc)
        _finish(run.pk, claim, status=SolveRun.Status.FAILED, error=str(exc))
        return _reload(run)
    except Exception as exc:
        logger.exception("Solve run %s failed", run.pk)
        _finish(
            run.pk,
            claim,
            status=SolveRun.Status.FAILED,
            error=f"The solver stopped with an error ({type(exc).__name__}). Retry the solve; "
            "if it happens again, export the event and report it.",
        )
        return _reload(run)
    finally:
        watch.stop()

    with transaction.atomic():
        locked = jobs.still_ours(SolveRun.objects.all(), run.pk, claim)
        if locked is None:
            logger.warning("Solve run %s was taken from this worker; its result is dropped", run.pk)
            return _reload(run)
        if locked.cancel_requested:
            _finish(
                run.pk,
                claim,
                status=SolveRun.Status.CANCELLED,
                message="Cancelled; no schedule was written",
            )
        elif solution.status == Status.INFEASIBLE:
            _finish(
                run.pk,
                claim,
                status=SolveRun.Status.INFEASIBLE,
                progress=100,
                message="No schedule keeps every rule",
                reasons=list(solution.reasons),
                visits_upper_bound=solution.visits_upper_bound,
            )
        else:
            optimal = solution.status == Status.OPTIMAL
            if options:
                replanning.write_options(run=run, problem=problem, options=options)
            else:
                apply_solution(
                    event=event,
                    solution=solution,
                    run=locked,
                    by=locked.started_by,
                    based_on=run.pinned_from,
                    note=replan_note(run.replan_from_round),
                    also_pinned=problem.pinned if run.replan_from_round is not None else (),
                )
            bound = solution.visits_upper_bound
            _finish(
                run.pk,
                claim,
                status=SolveRun.Status.SUCCEEDED,
                progress=100,
                message=(
                    f"{len(solution.visits)} visits, optimal"
                    if optimal
                    else f"{len(solution.visits)} of at most {bound} visits"
                ),
                visits=len(solution.visits),
                visits_upper_bound=bound,
                min_share=solution.min_share,
                min_share_upper_bound=solution.min_share_upper_bound,
                optimal=optimal,
            )
            if run.replan_from_round is None:
                transaction.on_commit(lambda: _dispatch_advice(run.pk))
    return _reload(run)


def _dispatch_advice(run_id: int) -> None:
    """Send the advice task for a solved run (after its commit); the schedule is written
    either way, so a broker that refuses it only costs the advice, logged."""
    try:
        current_app.tasks[ADVISE_TASK].apply_async(args=[run_id])
    except Exception:
        logger.exception("Solve run %s: the broker refused the advice task", run_id)


def _reload(run: SolveRun) -> SolveRun | None:
    return SolveRun.objects.filter(pk=run.pk).first()


def fail_stalled_runs(
    *,
    now: datetime | None = None,
    max_silence: timedelta = STALLED_AFTER,
    max_queued: timedelta = QUEUED_TOO_LONG,
    event: Event | None = None,
    run: SolveRun | None = None,
) -> int:
    """The watchdog, from beat every WATCHDOG_EVERY_S (``jobs.requeue_or_fail_stalled``). A
    running run silent for longer than ``max_silence`` lost its worker (killed, out of memory,
    machine gone): the first time it is queued again (a new task sent) so that the next free
    worker solves it from the start; a run that was already solved again becomes failed with
    ``STALLED_ERROR``. A queued run nobody picked up within ``max_queued`` becomes failed with
    ``LOST_ERROR``. The event's schedules are untouched (a solve writes its schedule in the
    transaction that ends the run). Limit to one ``event`` or ``run`` if given; a re-queued
    run whose task the broker refuses is failed (``QUEUE_UNAVAILABLE_ERROR``). Returns how
    many runs were re-queued or failed."""
    runs = SolveRun.objects.all()
    if event is not None:
        runs = runs.filter(event=event)
    if run is not None:
        runs = runs.filter(pk=run.pk)
    return jobs.requeue_or_fail_stalled(
        runs,
        words=WORDS,
        dispatch=lambda run: _dispatch(run, raise_error=False),
        now=now,
        max_silence=max_silence,
        max_queued=max_queued,
    )


def run_status(*, run: SolveRun, now: datetime | None = None) -> dict[str, Any]:
    """What the browser's poll endpoint returns for ``run``, as JSON-ready values. Reads only:
    a run the watchdog would re-queue or fail (its worker went silent) shows so already, and the
    watchdog task (``fail_stalled_runs``, from beat) writes it. ``run`` is refreshed in place
    (a gone run keeps what it had)."""
    with contextlib.suppress(SolveRun.DoesNotExist):
        run.refresh_from_db()
    stall = jobs.stall(run, now=now or timezone.now(), words=WORDS)
    if stall is not None:
        run.status, run.message, run.error = stall
    schedule_id = (
        Schedule.objects.filter(solve_run=run).values_list("pk", flat=True).first()
        if run.status == SolveRun.Status.SUCCEEDED
        else None
    )
    return {
        "id": run.pk,
        "status": run.status,
        "status_display": run.get_status_display(),
        "is_active": run.is_active,
        "progress": run.progress,
        "message": run.message,
        "visits": run.visits,
        "visits_upper_bound": run.visits_upper_bound,
        "min_share": run.min_share,
        "min_share_upper_bound": run.min_share_upper_bound,
        "optimal": run.optimal,
        "reasons": list(run.reasons),
        "error": run.error,
        "cancel_requested": run.cancel_requested,
        "schedule_id": schedule_id,
    }
