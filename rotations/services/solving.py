"""Solve runs: ``start_solve`` / ``cancel_solve`` / ``run_status`` are what the organizer's
pages call, ``run_solve`` is the body of the Celery task, ``fail_stalled_runs`` the watchdog."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from events.models import Event
from rotations.models import Schedule, SolveRun, replan_note
from rotations.services import replanning
from rotations.services.adapter import apply_solution, build_problem, readiness_problems
from rotations.services.advising import ADVISE_TASK
from rotations.solver import Progress, Status, solve

logger = logging.getLogger(__name__)

# CP-SAT workers; fixed so that the same event and seed give the same schedule everywhere.
SOLVER_WORKERS = 2
# The solving worker writes a heartbeat this often; a run silent for STALLED_AFTER is dead:
# the watchdog (every WATCHDOG_EVERY_S, from beat) queues it again once, for the next free
# worker, and fails it if it goes silent a second time.
HEARTBEAT_EVERY_S = 2.0
PROGRESS_EVERY_S = 0.5
CANCEL_CHECK_EVERY_S = 1.0
# The Celery task that runs ``run_solve`` (rotations.tasks.solve_task).
SOLVE_TASK = "rotations.solve"
STALLED_AFTER = timedelta(seconds=20)
WATCHDOG_EVERY_S = 10.0
# The claim of a run solved again after its first worker died ends with this; such a run is
# not queued a third time.
RETRY_CLAIM_SUFFIX = "/again"
# A queued run waits for a free worker; only after this long is it considered lost.
QUEUED_TOO_LONG = timedelta(minutes=30)
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


class _Watch:
    """The link between a solve and its run row while the solver works.

    The solver calls ``on_progress`` and ``should_stop`` possibly from a CP-SAT thread, so
    they touch no database: progress goes into memory and the cancel flag is a
    ``threading.Event``. A helper thread (``tick``) writes progress and the heartbeat and reads
    ``cancel_requested``, on its own connection, closed when the thread ends.
    """

    def __init__(self, run_id: int, claim: str):
        self.run_id = run_id
        self.claim = claim
        self.cancelled = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._written: Progress | None = None
        self._last_beat = time.monotonic()
        self._last_cancel_check = 0.0
        self._thread = threading.Thread(target=self._loop, name=f"solve-{run_id}", daemon=True)

    def on_progress(self, progress: Progress) -> None:
        with self._lock:
            self._progress = progress

    def should_stop(self) -> bool:
        return self.cancelled.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        try:
            while not self._done.wait(PROGRESS_EVERY_S):
                try:
                    self.tick()
                except Exception:
                    # A missed heartbeat is not worth stopping a solve for; the watchdog
                    # allows a minute of silence.
                    logger.warning("Solve run %s: heartbeat failed", self.run_id, exc_info=True)
        finally:
            connection.close()

    def tick(self, now: float | None = None) -> None:
        """Write progress if it changed (and the heartbeat at least every few seconds), and
        read the cancel flag at most once a second."""
        now = time.monotonic() if now is None else now
        with self._lock:
            progress = self._progress
        fields: dict[str, Any] = {}
        if progress is not None and progress != self._written:
            fields.update(
                progress=max(0, min(100, round(progress.fraction * 100))),
                message=progress.message[:200],
            )
            if progress.visits is not None:
                fields["visits"] = progress.visits
            if progress.visits_upper_bound is not None:
                fields["visits_upper_bound"] = progress.visits_upper_bound
        if fields or now - self._last_beat >= HEARTBEAT_EVERY_S:
            fields["heartbeat_at"] = timezone.now()
            # filter().update(): never overwrites cancel_requested, and a run taken over by
            # another worker (a different claim) is not written by this one.
            SolveRun.objects.filter(
                pk=self.run_id, status=SolveRun.Status.RUNNING, claimed_by=self.claim
            ).update(**fields)
            self._written = progress
            self._last_beat = now
        if now - self._last_cancel_check >= CANCEL_CHECK_EVERY_S:
            self._last_cancel_check = now
            if SolveRun.objects.filter(pk=self.run_id, cancel_requested=True).exists():
                self.cancelled.set()


def _claim(run_id: int) -> tuple[SolveRun, str] | None:
    """Mark the run running for this worker, in one transaction; None when it is not ours to
    solve (gone, finished, cancelled, or running with a live heartbeat elsewhere: a duplicate
    delivery, which the watchdog makes unnecessary). A queued run that the watchdog queued
    again after its worker died, or a running one whose worker went silent, is solved again
    under a claim ending in ``RETRY_CLAIM_SUFFIX``; a retry whose worker went silent too is
    failed instead."""
    now = timezone.now()
    with transaction.atomic():
        run = (
            SolveRun.objects.select_for_update(of=("self",))
            .select_related("event", "pinned_from")
            .filter(pk=run_id)
            .first()
        )
        if run is None:
            logger.info("Solve run %s is gone; nothing to do", run_id)
            return None
        if run.status == SolveRun.Status.RUNNING:
            beat = run.heartbeat_at or run.started_at
            if beat is not None and now - beat < STALLED_AFTER:
                logger.warning(
                    "Solve run %s is being solved by %s; this delivery is ignored",
                    run_id,
                    run.claimed_by,
                )
                return None
            if run.claimed_by.endswith(RETRY_CLAIM_SUFFIX):
                run.status = SolveRun.Status.FAILED
                run.error = STALLED_ERROR
                run.message = "The worker stopped"
                run.finished_at = now
                run.save(update_fields=["status", "error", "message", "finished_at"])
                return None
            # acks_late redelivery after a worker died mid-solve: start over.
            logger.warning("Solve run %s: %s went silent; solving again", run_id, run.claimed_by)
        elif run.status != SolveRun.Status.QUEUED:
            logger.info("Solve run %s is already %s; nothing to do", run_id, run.status)
            return None
        if run.cancel_requested:
            run.status = SolveRun.Status.CANCELLED
            run.finished_at = now
            run.save(update_fields=["status", "finished_at"])
            return None
        claim = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        if run.claimed_by:  # it was claimed before: its first worker died
            claim += RETRY_CLAIM_SUFFIX
        run.status = SolveRun.Status.RUNNING
        run.claimed_by = claim
        run.started_at = now
        run.heartbeat_at = now
        run.progress = 0
        run.message = "Reading the event"
        run.save(
            update_fields=[
                "status",
                "claimed_by",
                "started_at",
                "heartbeat_at",
                "progress",
                "message",
            ]
        )
    return run, claim


def _finish(run_id: int, claim: str, **fields: Any) -> bool:
    """Set a claimed run's final fields, unless it is no longer ours (the watchdog failed it,
    another worker took it over). Call inside a transaction that locked the row, or alone."""
    now = timezone.now()
    fields.setdefault("finished_at", now)
    fields.setdefault("heartbeat_at", now)
    return bool(
        SolveRun.objects.filter(pk=run_id, status=SolveRun.Status.RUNNING, claimed_by=claim).update(
            **fields
        )
    )


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
        locked = SolveRun.objects.select_for_update().filter(pk=run.pk).first()
        if locked is None or locked.status != SolveRun.Status.RUNNING or locked.claimed_by != claim:
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
    """The watchdog, from beat every WATCHDOG_EVERY_S. A running run silent for longer than
    ``max_silence`` lost its worker (killed, out of memory, machine gone): the first time it
    is queued again (status queued, its old claim kept, a new task sent) so that the next free
    worker solves it from the start; a run that was already solved again (its claim ends in
    ``RETRY_CLAIM_SUFFIX``) becomes failed with ``STALLED_ERROR``. A queued run nobody picked
    up within ``max_queued`` becomes failed with ``LOST_ERROR``. The event's schedules are
    untouched (a solve writes its schedule in the transaction that ends the run). Limit to
    one ``event`` or ``run`` if given. Each change is one UPDATE that re-checks the silence,
    so a run whose worker just wrote its heartbeat is left alone; a re-queued run whose task
    the broker refuses is failed (``QUEUE_UNAVAILABLE_ERROR``). Returns how many runs were
    re-queued or failed."""
    now = now or timezone.now()
    runs = SolveRun.objects.all()
    if event is not None:
        runs = runs.filter(event=event)
    if run is not None:
        runs = runs.filter(pk=run.pk)
    silent_since = now - max_silence
    stalled = runs.filter(status=SolveRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=silent_since)
        | Q(heartbeat_at__isnull=True, started_at__lt=silent_since)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=silent_since)
    )
    count = stalled.filter(claimed_by__endswith=RETRY_CLAIM_SUFFIX).update(
        status=SolveRun.Status.FAILED,
        error=STALLED_ERROR,
        message="The worker stopped",
        finished_at=now,
    )
    requeued = []
    for candidate in stalled.exclude(claimed_by__endswith=RETRY_CLAIM_SUFFIX).exclude(
        claimed_by=""
    ):
        if stalled.filter(pk=candidate.pk).update(
            status=SolveRun.Status.QUEUED,
            progress=0,
            message=REQUEUED_MESSAGE,
            heartbeat_at=None,
        ):
            logger.warning(
                "Watchdog: solve run %s lost its worker (%s); queued again",
                candidate.pk,
                candidate.claimed_by,
            )
            requeued.append(candidate)
    # A running run with no claim is not one a worker wrote: nothing to retry.
    count += stalled.filter(claimed_by="").update(
        status=SolveRun.Status.FAILED,
        error=STALLED_ERROR,
        message="The worker stopped",
        finished_at=now,
    )
    for candidate in requeued:
        candidate.status = SolveRun.Status.QUEUED
        transaction.on_commit(lambda candidate=candidate: _dispatch(candidate, raise_error=False))
    count += len(requeued)
    lost = runs.filter(status=SolveRun.Status.QUEUED, created_at__lt=now - max_queued)
    count += lost.update(
        status=SolveRun.Status.FAILED,
        error=LOST_ERROR,
        message="No worker picked it up",
        finished_at=now,
    )
    if count:
        logger.warning("Watchdog: %s stalled solve run(s) re-queued or failed", count)
    return count


def _stall(
    run: SolveRun, *, now: datetime, max_silence: timedelta, max_queued: timedelta
) -> tuple[str, str, str] | None:
    """The (status, message, error) the watchdog gives ``run`` at ``now``, or None: the same
    rule as ``fail_stalled_runs``'s queries, for one run in memory."""
    if run.status == SolveRun.Status.RUNNING:
        last_sign = run.heartbeat_at or run.started_at or run.created_at
        if last_sign is not None and last_sign < now - max_silence:
            if run.claimed_by and not run.claimed_by.endswith(RETRY_CLAIM_SUFFIX):
                return SolveRun.Status.QUEUED, REQUEUED_MESSAGE, ""
            return SolveRun.Status.FAILED, "The worker stopped", STALLED_ERROR
    if run.status == SolveRun.Status.QUEUED and run.created_at < now - max_queued:
        return SolveRun.Status.FAILED, "No worker picked it up", LOST_ERROR
    return None


def run_status(*, run: SolveRun, now: datetime | None = None) -> dict[str, Any]:
    """What the browser's poll endpoint returns for ``run``, as JSON-ready values. Reads only:
    a run the watchdog would re-queue or fail (its worker went silent) shows so already, and the
    watchdog task (``fail_stalled_runs``, from beat) writes it. ``run`` is refreshed in place
    (a gone run keeps what it had)."""
    with contextlib.suppress(SolveRun.DoesNotExist):
        run.refresh_from_db()
    stall = _stall(
        run, now=now or timezone.now(), max_silence=STALLED_AFTER, max_queued=QUEUED_TOO_LONG
    )
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
