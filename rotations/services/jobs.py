"""The rule for background work kept in a row and done by one Celery worker at a time: a solve
run (``solving``), a plan of a season (``series.planning``). One home for it, so both behave and
speak alike when a worker dies.

A job row has ``status`` (queued, running, then an end such as failed), ``claimed_by`` (the
worker that holds it), ``heartbeat_at``, ``progress``, ``message``, ``error``, ``created_at``,
``started_at`` and ``finished_at``. Its task is sent with ``acks_late`` and
``reject_on_worker_lost``.

- ``claim``: a worker takes the job (queued → running) under a claim of its own; a job that
  another live worker holds is left to it (a duplicate delivery), one whose worker went silent
  is taken over, once.
- ``Heartbeat``: while the work runs, a helper thread writes progress and ``heartbeat_at``
  every few seconds (and reads a cancel flag, if the job has one).
- ``finish``: the job's final fields, only while the claim is still ours.
- ``stall``: the rule: a running job silent for ``STALLED_AFTER`` lost its worker; the first
  time it goes back to the queue for the next free worker, the second time it fails; a job
  queued for ``QUEUED_TOO_LONG`` is lost. The watchdog (``requeue_or_fail_stalled``, from beat
  every ``WATCHDOG_EVERY_S``) writes it; status pages show it at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from rotations.solver import Progress

logger = logging.getLogger(__name__)

# The worker writes a heartbeat this often; a job silent for STALLED_AFTER is dead: the
# watchdog (every WATCHDOG_EVERY_S, from beat) queues it again once, for the next free worker,
# and fails it if it goes silent a second time.
HEARTBEAT_EVERY_S = 2.0
PROGRESS_EVERY_S = 0.5
CANCEL_CHECK_EVERY_S = 1.0
STALLED_AFTER = timedelta(seconds=20)
WATCHDOG_EVERY_S = 10.0
# The claim of a job done again after its first worker died ends with this; such a job is not
# queued a third time.
RETRY_CLAIM_SUFFIX = "/again"
# A queued job waits for a free worker; only after this long is it considered lost.
QUEUED_TOO_LONG = timedelta(minutes=30)
QUEUED, RUNNING, FAILED = "queued", "running", "failed"
STOPPED_MESSAGE = "The worker stopped"
LOST_MESSAGE = "No worker picked it up"


@dataclass(frozen=True)
class Words:
    """What the organizer reads of a job whose worker died, e.g. for a solve: "The worker
    stopped; waiting for another worker to solve it again", "The worker stopped while solving.
    Retry the solve.", "No worker picked up the solve within 30 minutes. …"."""

    requeued: str
    stalled: str
    lost: str


def new_claim(previous: str = "") -> str:
    """A claim for this worker process; a job claimed before (its first worker died) gets one
    ending in ``RETRY_CLAIM_SUFFIX``."""
    claim = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return claim + RETRY_CLAIM_SUFFIX if previous else claim


def stall(
    job: Any,
    *,
    now: datetime,
    words: Words,
    max_silence: timedelta = STALLED_AFTER,
    max_queued: timedelta = QUEUED_TOO_LONG,
) -> tuple[str, str, str] | None:
    """The (status, message, error) the watchdog gives ``job`` at ``now``, or None when its
    worker is alive (or it is young in the queue, or over). A running job with no sign of life
    (heartbeat, else start, else creation) for ``max_silence``: queued again if a worker
    claimed it once, failed if that was already its second worker (or no worker claimed it).
    A job queued for ``max_queued``: failed, lost."""
    if job.status == RUNNING:
        last_sign = job.heartbeat_at or job.started_at or job.created_at
        if last_sign is not None and last_sign < now - max_silence:
            if job.claimed_by and not job.claimed_by.endswith(RETRY_CLAIM_SUFFIX):
                return QUEUED, words.requeued, ""
            return FAILED, STOPPED_MESSAGE, words.stalled
    if job.status == QUEUED and job.created_at < now - max_queued:
        return FAILED, LOST_MESSAGE, words.lost
    return None


def requeue_or_fail_stalled(
    jobs: models.QuerySet,
    *,
    words: Words,
    dispatch: Callable[[Any], object],
    now: datetime | None = None,
    max_silence: timedelta = STALLED_AFTER,
    max_queued: timedelta = QUEUED_TOO_LONG,
) -> int:
    """The watchdog over ``jobs`` (a queryset of job rows): each queued or running job that
    ``stall`` condemns is queued again (progress 0, its old claim kept, ``dispatch(job)`` after
    the commit sends a new task for the next free worker) or failed. Each change is one UPDATE
    that re-checks the row is as read, so a job whose worker just wrote its heartbeat, or that
    a worker just claimed, is left alone. Returns how many jobs were queued again or failed."""
    now = now or timezone.now()
    count = 0
    for job in jobs.filter(status__in=(QUEUED, RUNNING)):
        verdict = stall(job, now=now, words=words, max_silence=max_silence, max_queued=max_queued)
        if verdict is None:
            continue
        status, message, error = verdict
        fields: dict[str, Any] = {"status": status, "message": message}
        if status == QUEUED:
            fields.update(progress=0, heartbeat_at=None)
        else:
            fields.update(error=error, finished_at=now)
        unchanged = jobs.filter(
            pk=job.pk,
            status=job.status,
            claimed_by=job.claimed_by,
            heartbeat_at=job.heartbeat_at,
        )
        if not unchanged.update(**fields):
            continue
        count += 1
        logger.warning(
            "Watchdog: %s %s (%s): %s", type(job).__name__, job.pk, job.claimed_by, message
        )
        if status == QUEUED:
            transaction.on_commit(lambda job=job: dispatch(job))
    return count


def claim(
    jobs: models.QuerySet,
    pk: int,
    *,
    words: Words,
    message: str,
    before_claim: Callable[[Any, datetime], bool] | None = None,
) -> tuple[Any, str] | None:
    """Mark the job ``pk`` running for this worker, in one transaction (the row locked), and
    return it with its claim; None when it is not ours to do: gone, over, or running with a
    live heartbeat elsewhere (a duplicate delivery). A queued job that the watchdog queued
    again, or a running one whose worker went silent, is done again under a claim ending in
    ``RETRY_CLAIM_SUFFIX``; a retry whose worker went silent too is failed instead.
    ``before_claim(job, now)``, if given, may end a queued or running job itself (e.g. a
    cancelled solve) and return True: then it is not claimed."""
    now = timezone.now()
    name = jobs.model.__name__
    with transaction.atomic():
        job = jobs.select_for_update(of=("self",)).filter(pk=pk).first()
        if job is None:
            logger.info("%s %s is gone; nothing to do", name, pk)
            return None
        if job.status not in (QUEUED, RUNNING):
            logger.info("%s %s is already %s; nothing to do", name, pk, job.status)
            return None
        verdict = stall(job, now=now, words=words) if job.status == RUNNING else None
        if job.status == RUNNING and verdict is None:
            logger.warning(
                "%s %s is held by %s; this delivery is ignored", name, pk, job.claimed_by
            )
            return None
        if before_claim is not None and before_claim(job, now):
            return None
        if verdict is not None and verdict[0] == FAILED:
            job.status, job.message, job.error = verdict
            job.finished_at = now
            job.save(update_fields=["status", "message", "error", "finished_at"])
            return None
        if verdict is not None:
            # acks_late redelivery after a worker died mid-way: start over.
            logger.warning("%s %s: %s went silent; doing it again", name, pk, job.claimed_by)
        job.claimed_by = new_claim(job.claimed_by)
        job.status = RUNNING
        job.started_at = now
        job.heartbeat_at = now
        job.progress = 0
        job.message = message
        job.save(
            update_fields=[
                "status",
                "claimed_by",
                "started_at",
                "heartbeat_at",
                "progress",
                "message",
            ]
        )
    return job, job.claimed_by


def finish(jobs: models.QuerySet, pk: int, claim: str, **fields: Any) -> bool:
    """Set a claimed job's final fields, unless it is no longer ours (the watchdog failed or
    re-queued it, another worker took it over). Call inside a transaction that locked the row,
    or alone. Returns whether it was written."""
    now = timezone.now()
    fields.setdefault("finished_at", now)
    fields.setdefault("heartbeat_at", now)
    return bool(jobs.filter(pk=pk, status=RUNNING, claimed_by=claim).update(**fields))


def still_ours(jobs: models.QuerySet, pk: int, claim: str) -> Any | None:
    """The job ``pk`` locked for update (call inside a transaction), if it is still running
    under ``claim``; None if the watchdog or another worker took it."""
    return (
        jobs.select_for_update(of=("self",)).filter(pk=pk, status=RUNNING, claimed_by=claim).first()
    )


def progress_message(progress: Progress) -> dict[str, Any]:
    """The progress and message a job row keeps of the solver's ``Progress``."""
    return {
        "progress": max(0, min(100, round(progress.fraction * 100))),
        "message": progress.message[:200],
    }


class Heartbeat:
    """The link between the work and its job row while it runs.

    The solver calls ``on_progress`` and ``should_stop`` possibly from a CP-SAT thread, so they
    touch no database: progress goes into memory and the cancel flag is a
    ``threading.Event``. A helper thread (``tick``) writes progress and the heartbeat and reads
    the job's ``cancel_field`` (if it has one), on its own connection, closed when the thread
    ends. ``fields(progress)`` says which fields a progress report writes.
    """

    def __init__(
        self,
        jobs: models.QuerySet,
        pk: int,
        claim: str,
        *,
        fields: Callable[[Progress], dict[str, Any]] = progress_message,
        cancel_field: str | None = None,
    ):
        self.jobs = jobs
        self.pk = pk
        self.claim = claim
        self.fields = fields
        self.cancel_field = cancel_field
        self.cancelled = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._written: Progress | None = None
        self._last_beat = time.monotonic()
        self._last_cancel_check = 0.0
        self._thread = threading.Thread(
            target=self._loop, name=f"heartbeat-{jobs.model.__name__}-{pk}", daemon=True
        )

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
                    # A missed heartbeat is not worth stopping the work for; the watchdog
                    # allows STALLED_AFTER of silence.
                    logger.warning("%s: heartbeat failed", self._thread.name, exc_info=True)
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
            fields.update(self.fields(progress))
        if fields or now - self._last_beat >= HEARTBEAT_EVERY_S:
            fields["heartbeat_at"] = timezone.now()
            # filter().update(): never overwrites a cancel flag, and a job taken over by
            # another worker (a different claim) is not written by this one.
            self.jobs.filter(pk=self.pk, status=RUNNING, claimed_by=self.claim).update(**fields)
            self._written = progress
            self._last_beat = now
        if self.cancel_field and now - self._last_cancel_check >= CANCEL_CHECK_EVERY_S:
            self._last_cancel_check = now
            if self.jobs.filter(pk=self.pk, **{self.cancel_field: True}).exists():
                self.cancelled.set()
