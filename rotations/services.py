"""The one adapter between Django and the solver: events in, schedules out, and the solve runs
that connect them.

- ``build_problem`` turns an event into a solver ``Problem`` (ids "T<table pk>", "G<group pk>");
  ``export_instance`` writes the same problem as rotation-instance/1 JSON.
- ``start_solve`` / ``cancel_solve`` / ``run_status`` are what the organizer's pages call;
  ``run_solve`` is the body of the Celery task; ``fail_stalled_runs`` is the watchdog.
- ``apply_solution`` writes a new schedule version in one transaction; ``publish_schedule``
  makes a version the one clinicians see and lists whose itinerary changed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import record_audit
from events.models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup
from rotations.models import Schedule, SolveRun, Visit
from rotations.solver import Group, Problem, Progress, Solution, Status, Track, solve, track_allows
from rotations.solver import Table as SolverTable
from rotations.solver import Visit as SolverVisit

logger = logging.getLogger(__name__)

INSTANCE_FORMAT = "rotation-instance/1"
# CP-SAT workers; fixed so that the same event and seed give the same schedule everywhere.
SOLVER_WORKERS = 2
# The solving worker writes a heartbeat this often; a run silent for STALLED_AFTER is dead.
HEARTBEAT_EVERY_S = 2.0
PROGRESS_EVERY_S = 0.5
CANCEL_CHECK_EVERY_S = 1.0
STALLED_AFTER = timedelta(seconds=60)
# A queued run waits for a free worker; only after this long is it considered lost.
QUEUED_TOO_LONG = timedelta(minutes=30)
STALLED_ERROR = "The worker stopped while solving. Retry the solve."
LOST_ERROR = (
    "No worker picked up the solve within 30 minutes. Check that the worker is running, "
    "then retry the solve."
)
VISIT_BATCH = 500


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


class EventNotReady(Exception):
    """The event cannot be solved yet; ``problems`` lists every reason, in organizer's words."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The event is not ready to schedule: " + " ".join(problems))


# --- Event -> Problem -------------------------------------------------------------------


def table_id(table: Table | int) -> str:
    """The solver id of a table: "T<pk>"."""
    return f"T{table if isinstance(table, int) else table.pk}"


def group_id(group: TravelGroup | int) -> str:
    """The solver id of a travelling group: "G<pk>"."""
    return f"G{group if isinstance(group, int) else group.pk}"


def _pk(solver_id: str, prefix: str) -> int:
    if not solver_id.startswith(prefix) or not solver_id[1:].isdigit():
        raise ValueError(f"{solver_id!r} is not a {prefix}<number> id")
    return int(solver_id[1:])


def table_label(table: Table) -> str:
    """How the organizer names a table in messages: "table 7 (Neonatology)"."""
    return f"table {table.number} ({table.specialty.name})"


@dataclass(frozen=True, slots=True)
class _EventRows:
    event: Event
    tables: list[Table]
    groups: list[TravelGroup]


def _load_event(event: Event) -> _EventRows:
    """Tables with specialty, anchors and anchors' sites; groups with site and size: four
    queries whatever the event's size."""
    anchors = Anchor.objects.select_related("clinician").prefetch_related("clinician__sites")
    tables = list(
        Table.objects.filter(event=event)
        .select_related("specialty")
        .prefetch_related(Prefetch("anchors", queryset=anchors))
        .order_by("number")
    )
    groups = list(
        TravelGroup.objects.filter(event=event)
        .select_related("department__site")
        .annotate(member_count=Count("memberships"))
        .order_by("name", "pk")
    )
    return _EventRows(event=event, tables=tables, groups=groups)


def _rounds_or_none(rounds: set[int], total: int) -> frozenset[int] | None:
    # None is the solver's "every round", as in the JSON format where the field is left out.
    return None if rounds >= set(range(1, total + 1)) else frozenset(rounds)


def _table_rounds(
    table: Table, total: int, *, gone: frozenset[int] = frozenset(), from_round: int = 0
) -> set[int]:
    # An anchor in ``gone`` (a no-show at a re-plan) counts only before ``from_round``.
    present: set[int] = set()
    for anchor in table.anchors.all():
        rounds = anchor.present_rounds(total)
        if anchor.clinician_id in gone:
            rounds = [number for number in rounds if number < from_round]
        present.update(rounds)
    return present


@dataclass(frozen=True, slots=True)
class _Replan:
    """What a re-plan from round ``from_round`` knows about the day: who did not come."""

    from_round: int
    no_shows: frozenset[int]
    members: dict[int, list[int]]  # group pk -> its members' clinician pks

    @classmethod
    def load(cls, event: Event, from_round: int) -> _Replan:
        members: dict[int, list[int]] = defaultdict(list)
        for group, clinician in GroupMember.objects.filter(event=event).values_list(
            "group_id", "clinician_id"
        ):
            members[group].append(clinician)
        no_shows = frozenset(
            Attendance.objects.filter(event=event, status=Attendance.Status.NO_SHOW).values_list(
                "clinician_id", flat=True
            )
        )
        return cls(from_round=from_round, no_shows=no_shows, members=members)

    def present_members(self, group: TravelGroup) -> int:
        return sum(1 for pk in self.members.get(group.pk, ()) if pk not in self.no_shows)

    def group_gone(self, group: TravelGroup) -> bool:
        # An empty group was never somebody, so it does not go missing.
        members = self.members.get(group.pk, ())
        return bool(members) and all(pk in self.no_shows for pk in members)


def build_problem(
    *,
    event: Event,
    pinned_from: Schedule | None = None,
    replan_from_round: int | None = None,
) -> Problem:
    """The solver's ``Problem`` for ``event``. Reads only; a fixed number of queries.

    - Tables: id "T<pk>", label "table 7 (Neonatology)", track of the specialty, available in
      the rounds where at least one anchor is present (a table without anchors: no round),
      sites where its anchors practise.
    - Groups: id "G<pk>", size = number of members (at least 1: an empty group still takes a
      seat), site = the department's site, available in every round but its absent rounds.
    - Affinity: weight 1 for each anchor of the table who practises at the group's site (the
      specialist already shares patients with that site), for tables the group may visit.
    - Met before: a group whose department met the table's specialty in the published schedule
      of a finished event.
    - Pinned: the pinned visits of ``pinned_from``, if given.

    A re-plan (``replan_from_round`` N, with ``pinned_from`` the published schedule) plans
    rounds N.. again around who is missing; rounds before N happened and stay as they are:

    - every visit of ``pinned_from`` in rounds < N is pinned, and so are its pinned visits in
      later rounds whose group and table are still there;
    - no-show members no longer count in their group's size; a group whose members are all
      no-shows is unavailable from round N;
    - a no-show anchor no longer makes the table available from round N (nor counts for
      its sites or affinity), so a table with no anchor left is unavailable from N.

    Groups cannot go back to tables they visited before N: those visits are pinned, and a
    table at most once per group is a hard rule over the whole event.
    """
    if replan_from_round is not None and pinned_from is None:
        raise ValueError("a re-plan keeps the rounds before it from pinned_from")
    rows = _load_event(event)
    total = event.rounds
    replan = None if replan_from_round is None else _Replan.load(event, replan_from_round)
    gone = replan.no_shows if replan else frozenset()
    from_round = replan.from_round if replan else 0

    def anchors_there(table: Table) -> list[Anchor]:
        return [a for a in table.anchors.all() if a.clinician_id not in gone]

    def group_size(group: TravelGroup) -> int:
        return max(1, replan.present_members(group) if replan else group.member_count)

    def group_rounds(group: TravelGroup) -> set[int]:
        rounds = set(range(1, total + 1)) - set(group.absent_rounds)
        if replan and replan.group_gone(group):
            rounds = {number for number in rounds if number < from_round}
        return rounds

    tables = tuple(
        SolverTable(
            id=table_id(table),
            specialty=table.specialty.name,
            track=Track(table.specialty.track),
            capacity=table.capacity,
            available_rounds=_rounds_or_none(
                _table_rounds(table, total, gone=gone, from_round=from_round), total
            ),
            sites=tuple(
                sorted(
                    {
                        site.name
                        for anchor in anchors_there(table)
                        for site in anchor.clinician.sites.all()
                    }
                )
            ),
            label=table_label(table),
        )
        for table in rows.tables
    )
    groups = tuple(
        Group(
            id=group_id(group),
            name=group.name,
            track=Track(group.track),
            size=group_size(group),
            site=group.department.site.name if group.department else None,
            available_rounds=_rounds_or_none(group_rounds(group), total),
        )
        for group in rows.groups
    )

    affinity = []
    for group in rows.groups:
        if group.department is None:
            continue
        site_id = group.department.site_id
        for table in rows.tables:
            if not track_allows(Track(group.track), Track(table.specialty.track)):
                continue
            weight = sum(
                1
                for anchor in anchors_there(table)
                if any(site.pk == site_id for site in anchor.clinician.sites.all())
            )
            if weight:
                affinity.append((group_id(group), table_id(table), weight))

    met_pairs = set(
        Visit.objects.filter(
            schedule__is_published=True, schedule__event__status=Event.Status.FINISHED
        )
        .exclude(schedule__event=event)
        .exclude(group__department__isnull=True)
        .values_list("group__department_id", "table__specialty_id")
        .distinct()
    )
    met_before = frozenset(
        (group_id(group), table_id(table))
        for group in rows.groups
        for table in rows.tables
        if (group.department_id, table.specialty_id) in met_pairs
    )

    pinned: tuple[SolverVisit, ...] = ()
    if pinned_from is not None:
        visits = pinned_from.visits.all()
        if replan is None:
            visits = visits.filter(pinned=True)
        else:
            visits = visits.filter(Q(round__lt=replan.from_round) | Q(pinned=True))
        pins = [
            SolverVisit(round=round_, group=group_id(group), table=table_id(table))
            for round_, group, table in visits.values_list("round", "group_id", "table_id")
        ]
        if replan is not None:
            # A later pin stays only if its group and table are still there in its round.
            available = {item.id: item.available_rounds for item in (*tables, *groups)}

            def there(solver_id: str, round_: int) -> bool:
                rounds = available.get(solver_id)
                return rounds is None or round_ in rounds

            pins = [
                pin
                for pin in pins
                if pin.round < replan.from_round
                or (there(pin.group, pin.round) and there(pin.table, pin.round))
            ]
        pinned = tuple(sorted(pins))

    return Problem(
        name=event.name,
        rounds=total,
        tables=tables,
        groups=groups,
        round_minutes=event.round_minutes,
        affinity=tuple(affinity),
        met_before=met_before,
        pinned=pinned,
    )


def readiness_problems(*, event: Event) -> list[str]:
    """Everything that keeps ``event`` from being solved, in the organizer's words; empty when
    it is ready. Reads only."""
    rows = _load_event(event)
    problems = []
    if not rows.tables:
        problems.append("The event has no tables.")
    if not rows.groups:
        problems.append("The event has no travelling groups.")
    for table in rows.tables:
        label = "T" + table_label(table)[1:]
        if not table.anchors.all():
            problems.append(f"{label} has no anchor.")
        elif not _table_rounds(table, event.rounds):
            problems.append(f"{label}: its anchors are absent in every round.")
    for group in rows.groups:
        track = Track(group.track)
        if rows.tables and not any(
            track_allows(track, Track(table.specialty.track)) for table in rows.tables
        ):
            problems.append(
                f"Group {group.name} sees {Track(group.track).value} patients "
                "but no table serves them."
            )
        if set(range(1, event.rounds + 1)) <= set(group.absent_rounds):
            problems.append(f"Group {group.name} is absent in every round.")
    return problems


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """The rotation-instance/1 document of ``problem`` (see instance-format.md); reading it
    back with ``rotations.solver.parse_instance`` gives ``problem`` again."""

    def rounds(value: frozenset[int] | None) -> dict[str, Any]:
        return {} if value is None else {"available_rounds": sorted(value)}

    return {
        "format": INSTANCE_FORMAT,
        "name": problem.name,
        "rounds": problem.rounds,
        "round_minutes": problem.round_minutes,
        "tables": [
            {
                "id": table.id,
                "label": table.label,
                "specialty": table.specialty,
                "track": table.track.value,
                "capacity": table.capacity,
                **rounds(table.available_rounds),
                "sites": list(table.sites),
            }
            for table in problem.tables
        ],
        "groups": [
            {
                "id": group.id,
                "name": group.name,
                "track": group.track.value,
                "size": group.size,
                **({} if group.site is None else {"site": group.site}),
                **rounds(group.available_rounds),
            }
            for group in problem.groups
        ],
        "affinity": [
            {"group": group, "table": table, "weight": weight}
            for group, table, weight in problem.affinity
        ],
        "met_before": [
            {"group": group, "table": table} for group, table in sorted(problem.met_before)
        ],
        "pinned": [
            {"round": visit.round, "group": visit.group, "table": visit.table}
            for visit in problem.pinned
        ],
    }


def export_instance(*, event: Event) -> dict[str, Any]:
    """``event`` as a rotation-instance/1 document, with the ids of ``build_problem``."""
    return problem_to_json(build_problem(event=event))


# --- Solution -> Schedule ---------------------------------------------------------------


def apply_solution(
    *,
    event: Event,
    solution: Solution,
    run: SolveRun | None = None,
    by: AbstractBaseUser | None = None,
    based_on: Schedule | None = None,
    note: str = "",
    also_pinned: Iterable[SolverVisit] = (),
) -> Schedule:
    """Write ``solution`` as a new, unpublished schedule version of ``event``, with all its
    visits, in one transaction: either the whole schedule exists afterwards or nothing does.

    The version number is the next one, taken under a lock on the event row so two writers
    cannot take the same. Visits pinned in ``based_on`` stay pinned, and so do those in
    ``also_pinned`` (a re-plan's past rounds). The published schedule is never touched; a
    draft event becomes scheduled.
    """
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        last = Schedule.objects.filter(event=locked).aggregate(last=Max("version"))["last"]
        pinned: set[tuple[int, int, int]] = set()
        if based_on is not None:
            pinned = set(
                based_on.visits.filter(pinned=True).values_list("round", "group_id", "table_id")
            )
        pinned.update(
            (visit.round, _pk(visit.group, "G"), _pk(visit.table, "T")) for visit in also_pinned
        )
        schedule = Schedule.objects.create(
            event=locked,
            version=(last or 0) + 1,
            solve_run=run,
            based_on=based_on,
            note=note[:200],
            created_by=by if by is not None and by.is_authenticated else None,
        )
        visits = []
        for visit in solution.visits:
            key = (visit.round, _pk(visit.group, "G"), _pk(visit.table, "T"))
            visits.append(
                Visit(
                    schedule=schedule,
                    round=key[0],
                    group_id=key[1],
                    table_id=key[2],
                    pinned=key in pinned,
                )
            )
        Visit.objects.bulk_create(visits, batch_size=VISIT_BATCH)
        if locked.status == Event.Status.DRAFT:
            locked.status = Event.Status.SCHEDULED
            locked.save(update_fields=["status", "updated_at"])
            event.status = locked.status
    return schedule


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
) -> SolveRun:
    """Queue a solve of ``event`` and dispatch the Celery task once the transaction commits.

    With ``replan_from_round`` N it is a re-plan on the day (see ``build_problem``): rounds
    before N are kept from ``pinned_from``, by default the published schedule (none
    published: ``EventNotReady``), and no-shows are left out from round N.

    Raises ``EventNotReady`` (listing every problem) before queueing anything, and
    ``SolveAlreadyRunning`` when the event already has a queued or running solve: the
    database's ``one_active_solve_per_event`` constraint decides, so two simultaneous starts
    give one run. A run whose worker has died is failed first (the watchdog), so it does not
    block a retry. ``time_limit_s`` defaults to ROUNDS_SOLVE_TIME_LIMIT_S and is kept within
    1..ROUNDS_SOLVE_MAX_TIME_LIMIT_S. Creates the run in its own (or the caller's) transaction.
    """
    from rotations.tasks import solve_task

    problems = readiness_problems(event=event)
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
        transaction.on_commit(
            lambda: solve_task.apply_async(
                args=[run.pk],
                # Just above the run's own limit: the solver stops itself before Celery does.
                soft_time_limit=run.time_limit_s + 30,
                time_limit=run.time_limit_s + 60,
            )
        )
    return run


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
    solve (gone, finished, cancelled, or running with a live heartbeat elsewhere)."""
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
    is solved again.

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
    try:
        problems = readiness_problems(event=event)
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
    return _reload(run)


def replan_note(from_round: int | None) -> str:
    """How a re-planned version says what it kept."""
    if from_round is None:
        return ""
    if from_round == 1:
        return "Re-planned from round 1: every round planned again."
    if from_round == 2:
        return "Re-planned from round 2: round 1 kept as it happened."
    return f"Re-planned from round {from_round}: rounds 1–{from_round - 1} kept as they happened."


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
    """The watchdog: a running run silent for longer than ``max_silence`` (its worker died)
    and a queued run nobody picked up within ``max_queued`` become failed, so the organizer
    can retry. Their event's schedules are untouched (a solve writes its schedule in the same
    transaction that ends the run). Limit to one ``event`` or ``run`` if given. Each kind is
    one UPDATE; returns how many runs were failed."""
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
    count = stalled.update(
        status=SolveRun.Status.FAILED,
        error=STALLED_ERROR,
        message="The worker stopped",
        finished_at=now,
    )
    lost = runs.filter(status=SolveRun.Status.QUEUED, created_at__lt=now - max_queued)
    count += lost.update(
        status=SolveRun.Status.FAILED,
        error=LOST_ERROR,
        message="No worker picked it up",
        finished_at=now,
    )
    if count:
        logger.warning("Watchdog: %s stalled solve run(s) marked failed", count)
    return count


def run_status(*, run: SolveRun) -> dict[str, Any]:
    """What the browser's poll endpoint returns for ``run``, as JSON-ready values. Runs the
    watchdog for this run first (so a dead worker shows as failed even without beat)."""
    fail_stalled_runs(run=run)
    run.refresh_from_db()
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


# --- Publishing -------------------------------------------------------------------------


def _visit_sets(
    schedule: Schedule | None,
) -> tuple[dict[int, set[tuple[int, int]]], dict[int, set[tuple[int, int]]]]:
    by_group: dict[int, set[tuple[int, int]]] = defaultdict(set)
    by_table: dict[int, set[tuple[int, int]]] = defaultdict(set)
    if schedule is not None:
        for round_, group, table in schedule.visits.values_list("round", "group_id", "table_id"):
            by_group[group].add((round_, table))
            by_table[table].add((round_, group))
    return by_group, by_table


def changed_itineraries(*, old: Schedule | None, new: Schedule) -> list[int]:
    """Ids of the clinicians whose itinerary differs between ``old`` and ``new`` (sorted): the
    members of each group whose set of (round, table) changed, and the anchors of each table
    whose set of (round, group) changed. With no ``old``, everyone with a visit in ``new``.
    Reads only; four queries."""
    old_groups, old_tables = _visit_sets(old)
    new_groups, new_tables = _visit_sets(new)
    groups = {g for g in old_groups.keys() | new_groups.keys() if old_groups[g] != new_groups[g]}
    tables = {t for t in old_tables.keys() | new_tables.keys() if old_tables[t] != new_tables[t]}
    travellers = GroupMember.objects.filter(group_id__in=groups).values_list(
        "clinician_id", flat=True
    )
    anchors = Anchor.objects.filter(table_id__in=tables).values_list("clinician_id", flat=True)
    return sorted(set(travellers) | set(anchors))


def publish_schedule(*, schedule: Schedule, by: AbstractBaseUser | None) -> Schedule:
    """Make ``schedule`` the one version clinicians see, in one transaction: the previously
    published version of its event is unpublished, this one published, the event set to
    published, and an audit entry (SCHEDULE_PUBLISHED) records the previous version and the
    clinicians whose itinerary changed (to reprint). Publishing the published version again
    changes nothing."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=schedule.event_id)
        if Schedule.objects.filter(pk=schedule.pk, is_published=True).exists():
            schedule.refresh_from_db()
            return schedule
        previous = Schedule.objects.filter(event=event, is_published=True).first()
        if previous is not None:
            # First, so the one-published-per-event constraint holds at every statement.
            Schedule.objects.filter(pk=previous.pk).update(is_published=False)
        changed = changed_itineraries(old=previous, new=schedule)
        schedule.is_published = True
        schedule.published_at = timezone.now()
        schedule.published_by = by if by is not None and by.is_authenticated else None
        schedule.save(update_fields=["is_published", "published_at", "published_by"])
        if event.status != Event.Status.PUBLISHED:
            event.status = Event.Status.PUBLISHED
            event.save(update_fields=["status", "updated_at"])
        record_audit(
            actor=by,
            action=AuditEntry.Action.SCHEDULE_PUBLISHED,
            target=f"{event.name}, version {schedule.version}",
            details={
                "event": event.pk,
                "schedule": schedule.pk,
                "version": schedule.version,
                "previous_version": previous.version if previous else None,
                "changed_clinicians": changed,
                "changed_count": len(changed),
            },
        )
    return schedule
