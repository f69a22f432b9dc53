"""Planning a season and solving its evenings.

- ``build_series_problem``: the series planner's problem (``rotations.solver.series``) for a
  series, read from its evenings, invitations and replies.
- ``start_plan`` / ``run_plan`` / ``plan_status``: a plan of the season worked out by the
  ``series.plan`` Celery task, written as a ``SeriesPlan`` with its ``PlannedPlace`` rows.
- ``solve_every_evening`` / ``evenings_status``: one solve run per evening, dispatched as one
  Celery chord (``series.solve_evening`` per evening, then ``series.evenings_solved``), so a
  season solves on as many workers as are running; one progress figure for them all.
- ``earlier_evenings_met``: the memory across the season (registered with rotations'
  ``register_met_before_source`` in ``SeriesConfig.ready``): a department met a specialty at
  an earlier evening of the same series when a published schedule there sent one of its
  groups to a table of that specialty.
- ``evening_shared_patients``: the plan's purpose carried into each evening's solve
  (registered with rotations' ``register_affinity_source``): on an evening of a series, a
  visit that seats a group with a specialist who practises at its members' site is worth
  one more per clinician x specialist pair (``SHARED_PATIENT_PAIR_WEIGHT``), the pairs the
  plan counts. ``queries.scheduled_pairs`` then counts the pairs the solved schedules seat.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from typing import Any

from celery import chord, current_app
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.services import display_name, record_audit
from clinicians.models import Clinician, Department, track_allows
from events.models import Anchor, Event, GroupMember
from rotations import services as rotations
from rotations.models import SolveRun, Visit
from rotations.services import jobs
from rotations.solver import Progress, Track
from rotations.solver.series import (
    Department as PlannerDepartment,
)
from rotations.solver.series import (
    Evening as PlannerEvening,
)
from rotations.solver.series import (
    Group,
    SeriesProblem,
    Specialist,
    plan_series,
)
from rotations.solver.series import (
    SeriesPlan as PlannerPlan,
)

from .models import Evening, Invitation, PlannedPlace, Series, SeriesPlan

logger = logging.getLogger(__name__)

# The Celery tasks (series.tasks), sent by name: the tasks import this module.
PLAN_TASK = "series.plan"
SOLVE_EVENING_TASK = "series.solve_evening"
EVENINGS_SOLVED_TASK = "series.evenings_solved"
PLAN_WATCHDOG_TASK = "series.fail_stalled_plans"
# How often an evening's task of the chord looks again at a run solved elsewhere, and for how
# long at most (past it the callback hears the run's status as it then is).
EVENING_RECHECK_S = 5
EVENING_RECHECKS = 3600 // EVENING_RECHECK_S
PLAN_TIME_LIMIT_S = 30
PLAN_WORKERS = 2
# A plan whose worker dies is planned again by the next worker, once, as a solve is
# (rotations.services.jobs: the heartbeat, the watchdog, the claim), in these words.
PLAN_WORDS = jobs.Words(
    requeued="The worker stopped; waiting for another worker to plan it again",
    stalled="The worker stopped while planning. Retry the plan.",
    lost="No worker picked up the plan within 30 minutes. Check that the worker is running, "
    "then retry the plan.",
)

PLANNED = "series.planned"
PLAN_STARTED = "series.plan_started"
EVENINGS_QUEUED = "series.evenings_queued"
EVENINGS_SOLVED = "series.evenings_solved"


class PlanAlreadyRunning(Exception):
    """The series is already being planned."""

    def __init__(self) -> None:
        super().__init__("The season is already being planned; wait for that plan to finish.")


class QueueUnavailable(Exception):
    """The broker refused the task(s): everything queued by this request has been failed, so
    nothing waits half-queued."""

    def __init__(self) -> None:
        super().__init__(rotations.QUEUE_UNAVAILABLE_ERROR)


class EveningsNotReady(Exception):
    """Some evenings cannot be solved yet; ``problems`` lists every reason, evening by
    evening. Nothing was queued."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Not every evening is ready to schedule: " + " ".join(problems))


# --- The planner's problem ----------------------------------------------------------------


def evening_id(evening: Evening | int) -> str:
    return f"E{evening if isinstance(evening, int) else evening.pk}"


def specialist_id(clinician: Clinician | int) -> str:
    return f"C{clinician if isinstance(clinician, int) else clinician.pk}"


def department_id(department: Department | int) -> str:
    return f"D{department if isinstance(department, int) else department.pk}"


def _pk(solver_id: str) -> int:
    return int(solver_id[1:])


def build_series_problem(series: Series) -> SeriesProblem:
    """The series planner's problem for ``series``. Reads only; a fixed number of queries.

    - Evenings: id "E<pk>", the sites they cover (by name), ``tables`` = the organizer's
      ``Evening.tables`` (how many the venue holds), else the tables of the evening's event,
      or when it has none yet as many as the specialists who may come.
    - Specialists: the active specialists invited to an evening of the series (every active
      specialist practising at an evening's site when nobody is invited yet). Those who have
      answered may anchor the evenings they said yes (or late/early) to, and an evening they
      moved to; those who have not answered, every evening covering one of their sites. At
      most ``Series.specialist_max_evenings`` each.
    - Groups: one per primary-care department at an evening's site, id "D<pk>", counting its
      active clinicians but those who said no to every invitation; it attends one of the
      evenings covering its site.
    - Needs (fairness): a department needs each specialty that serves its patients (the
      track allows it) and has a specialist in the problem who practises at the department's
      site: the planner first meets as many of these as it can (every department meets the
      specialties of its own site at the evening it attends), then the most pairs.
    """
    evenings = list(
        series.evenings.select_related("event")
        .prefetch_related("sites")
        .annotate(table_count=Count("event__tables"))
        .order_by("event__date", "event__start_time", "pk")
    )
    site_ids = {site.pk for evening in evenings for site in evening.sites.all()}
    invitations = list(
        Invitation.objects.filter(evening__series=series).values_list(
            "clinician_id", "evening_id", "status", "moved_to_id"
        )
    )
    invited = {clinician for clinician, *_ in invitations}
    replies: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    for clinician, evening, status, moved_to in invitations:
        replies[clinician].append((evening, status, moved_to))

    specialists_qs = Clinician.objects.active().filter(role=Clinician.Role.SPECIALIST)
    if invitations:
        specialists_qs = specialists_qs.filter(pk__in=invited)
    else:
        specialists_qs = specialists_qs.filter(sites__in=site_ids).distinct()
    evening_pks = {evening.pk for evening in evenings}
    specialists = []
    for clinician in specialists_qs.select_related("specialty").prefetch_related("sites"):
        answered = [r for r in replies.get(clinician.pk, []) if r[1] != Invitation.Status.INVITED]
        available: frozenset[str] | None = None
        if answered:
            yes = {e for e, status, _ in answered if status in Invitation.COMING}
            yes |= {
                moved
                for _, status, moved in answered
                if status == Invitation.Status.OTHER_EVENING and moved in evening_pks
            }
            available = frozenset(evening_id(e) for e in yes)
        specialists.append(
            Specialist(
                id=specialist_id(clinician),
                specialty=clinician.specialty.name,
                sites=tuple(sorted(site.name for site in clinician.sites.all())),
                track=Track(clinician.specialty.track),
                available_evenings=available,
                max_evenings=series.specialist_max_evenings,
                name=clinician.full_name,
            )
        )
    specialists.sort(key=lambda s: _pk(s.id))

    said_no = {
        clinician
        for clinician, answers in replies.items()
        if all(status == Invitation.Status.NO for _, status, _ in answers)
    }
    counts = dict(
        Clinician.objects.active()
        .primary_care()
        .filter(department__site__in=site_ids)
        .exclude(pk__in=said_no)
        .values_list("department")
        .annotate(n=Count("pk"))
        .order_by()
    )
    groups = [
        Group(
            id=department_id(department),
            department=department_id(department),
            clinicians=((department.site.name, counts[department.pk]),),
            track=Track(department.track),
            name=f"{department.name} ({department.site.name})",
        )
        for department in Department.objects.filter(pk__in=counts)
        .select_related("site")
        .order_by("pk")
    ]

    departments = []
    for group in groups:
        site, _count = group.clinicians[0]
        needs = sorted(
            {
                specialist.specialty
                for specialist in specialists
                if site in specialist.sites and track_allows(group.track, specialist.track)
            }
        )
        departments.append(
            PlannerDepartment(id=group.department, needs=tuple(needs), name=group.name)
        )

    planner_evenings = tuple(
        PlannerEvening(
            id=evening_id(evening),
            sites=tuple(sorted(site.name for site in evening.sites.all())),
            tables=(
                evening.tables
                if evening.tables is not None
                else evening.table_count or len(specialists)
            ),
            label=evening.event.name,
        )
        for evening in evenings
    )
    return SeriesProblem(
        name=series.name,
        evenings=planner_evenings,
        specialists=tuple(specialists),
        groups=tuple(groups),
        departments=tuple(departments),
    )


def plan_figures(problem: SeriesProblem, plan: PlannerPlan) -> dict[str, Any]:
    """The figures a ``SeriesPlan`` keeps, JSON-ready."""
    return {
        "evenings": len(problem.evenings),
        "specialists": len(problem.specialists),
        "groups": len(problem.groups),
        "shared_patient_pairs": plan.shared_patient_pairs,
        "pairs_meeting": plan.pairs_meeting,
        "upper_bound": plan.upper_bound,
        "needs": plan.needs,
        "needs_met": plan.needs_met,
        "optimal": plan.status == "optimal",
        "status": str(plan.status),
        "summary": plan.summary(),
        "unplaced_groups": len(plan.unplaced_groups),
        "solve_seconds": round(plan.solve_seconds, 2),
    }


def write_plan(*, series_plan: SeriesPlan, problem: SeriesProblem, plan: PlannerPlan) -> None:
    """Store ``plan`` in ``series_plan`` in one transaction: its places (a specialist who
    anchors at an evening, a department that attends one) replace any it had, its figures,
    and it succeeds."""
    with transaction.atomic():
        series_plan.places.all().delete()
        PlannedPlace.objects.bulk_create(
            [
                PlannedPlace(
                    plan=series_plan,
                    evening_id=_pk(anchor.evening),
                    clinician_id=_pk(anchor.specialist),
                )
                for anchor in plan.anchors
            ]
            + [
                PlannedPlace(
                    plan=series_plan,
                    evening_id=_pk(attendance.evening),
                    department_id=_pk(attendance.group),
                )
                for attendance in plan.attendance
            ]
        )
        series_plan.figures = plan_figures(problem, plan)
        series_plan.status = SeriesPlan.Status.SUCCEEDED
        series_plan.progress = 100
        series_plan.message = plan.summary()
        series_plan.finished_at = timezone.now()
        series_plan.save(update_fields=["figures", "status", "progress", "message", "finished_at"])
        record_audit(
            actor=series_plan.created_by,
            action=PLANNED,
            target=series_plan.series.name,
            message=f"The season {series_plan.series.name} is planned: {plan.summary()}.",
            details={"plan": series_plan.pk, **series_plan.figures},
        )


# --- Plan runs -----------------------------------------------------------------------------


def start_plan(
    *, series: Series, by: AbstractBaseUser | None, time_limit_s: int = PLAN_TIME_LIMIT_S
) -> SeriesPlan:
    """Queue a plan of ``series`` and send the ``series.plan`` task once it is committed.
    Raises ``PlanAlreadyRunning`` when one is queued or running, ``QueueUnavailable`` (the
    plan failed, nothing queued) when the broker refuses the task. Creates the plan row in
    its own transaction."""
    fail_stalled_plans(series=series)
    try:
        with transaction.atomic():
            series_plan = SeriesPlan.objects.create(
                series=series,
                status=SeriesPlan.Status.QUEUED,
                message="Waiting for a worker",
                time_limit_s=max(1, int(time_limit_s)),
                created_by=by if by is not None and by.is_authenticated else None,
            )
            record_audit(
                actor=by,
                action=PLAN_STARTED,
                target=series.name,
                message=f"{display_name(by)} started planning the season {series.name}.",
                details={"plan": series_plan.pk},
            )
    except IntegrityError:
        raise PlanAlreadyRunning() from None
    _dispatch_plan(series_plan)
    return series_plan


def _dispatch_plan(series_plan: SeriesPlan, *, raise_error: bool = True) -> bool:
    """Send the ``series.plan`` task for a committed plan row; when the broker refuses it the
    plan (if still queued) fails with the queue's error, and ``QueueUnavailable`` is raised
    (or False returned)."""
    try:
        current_app.tasks[PLAN_TASK].apply_async(
            args=[series_plan.pk],
            soft_time_limit=series_plan.time_limit_s + 30,
            time_limit=series_plan.time_limit_s + 60,
        )
    except Exception:
        logger.exception("Series plan %s: the broker refused the task", series_plan.pk)
        SeriesPlan.objects.filter(pk=series_plan.pk, status=SeriesPlan.Status.QUEUED).update(
            status=SeriesPlan.Status.FAILED,
            error=rotations.QUEUE_UNAVAILABLE_ERROR,
            message="The task queue is unavailable",
            finished_at=timezone.now(),
        )
        if raise_error:
            raise QueueUnavailable() from None
        return False
    return True


def fail_stalled_plans(
    *, series: Series | None = None, now: datetime.datetime | None = None
) -> int:
    """The watchdog of plans, from beat every ``jobs.WATCHDOG_EVERY_S`` (the same rule as
    solves: ``jobs.requeue_or_fail_stalled``). A plan whose worker went silent is queued again
    for the next free worker, once, then failed ("The worker stopped while planning. Retry the
    plan."); a plan queued for 30 minutes is failed. Limit to one ``series`` if given. Returns
    how many plans were queued again or failed."""
    plans = SeriesPlan.objects.all()
    if series is not None:
        plans = plans.filter(series=series)
    return jobs.requeue_or_fail_stalled(
        plans,
        words=PLAN_WORDS,
        dispatch=lambda plan: _dispatch_plan(plan, raise_error=False),
        now=now,
    )


def _plan_progress(progress: Progress) -> dict[str, Any]:
    return {
        "progress": max(0, min(99, int(100 * progress.fraction))),
        "message": (progress.message or "Planning the season")[:300],
    }


def run_plan(*, plan_id: int) -> SeriesPlan | None:
    """The body of the ``series.plan`` task: claim the queued plan (``jobs.claim``: a
    redelivered message for a plan that a live worker holds, or that is over, does nothing; one
    whose worker died is planned again, once), plan the season while a heartbeat writes its
    progress, then write the result (``write_plan``, only if the plan is still ours) or the
    error."""
    plans = SeriesPlan.objects.select_related("series", "created_by")
    claimed = jobs.claim(plans, plan_id, words=PLAN_WORDS, message="Planning the season")
    if claimed is None:
        return SeriesPlan.objects.filter(pk=plan_id).first()
    series_plan, claim = claimed
    heartbeat = jobs.Heartbeat(plans, plan_id, claim, fields=_plan_progress)
    try:
        problem = build_series_problem(series_plan.series)
        heartbeat.start()
        plan = plan_series(
            problem,
            time_limit_s=series_plan.time_limit_s,
            num_workers=PLAN_WORKERS,
            on_progress=heartbeat.on_progress,
        )
        heartbeat.stop()
        with transaction.atomic():
            if jobs.still_ours(plans, plan_id, claim) is None:
                logger.warning("Series plan %s was taken from this worker; dropped", plan_id)
            else:
                write_plan(series_plan=series_plan, problem=problem, plan=plan)
    except Exception as exc:
        logger.exception("Series plan %s failed", plan_id)
        jobs.finish(
            plans,
            plan_id,
            claim,
            status=SeriesPlan.Status.FAILED,
            error=str(exc) or exc.__class__.__name__,
            message="The plan failed",
        )
    finally:
        heartbeat.stop()
    series_plan.refresh_from_db()
    return series_plan


def plan_status(*, series_plan: SeriesPlan) -> dict[str, Any]:
    """What the poll endpoint and the command read of a plan, JSON-ready. Reads only: a plan
    whose worker went silent shows what the watchdog (``fail_stalled_plans``) will write."""
    series_plan.refresh_from_db()
    stall = jobs.stall(series_plan, now=timezone.now(), words=PLAN_WORDS)
    if stall is not None:
        series_plan.status, series_plan.message, series_plan.error = stall
    return {
        "kind": "plan",
        "id": series_plan.pk,
        "status": series_plan.status,
        "status_display": series_plan.get_status_display(),
        "is_active": series_plan.is_active,
        "progress": series_plan.progress,
        "message": series_plan.message,
        "error": series_plan.error,
        "figures": series_plan.figures,
    }


def plan_in_force(series: Series) -> SeriesPlan | None:
    """The newest succeeded plan of ``series``."""
    return series.plans.filter(status=SeriesPlan.Status.SUCCEEDED).first()


def series_progress(
    *,
    series: Series,
    last_plan: SeriesPlan | None = None,
    evenings: list[Evening] | None = None,
) -> dict[str, Any]:
    """The one progress bar of the series page: the plan being worked out, if any, else the
    evenings' solves (``evenings_status``). ``last_plan``: the series' newest plan, if the
    caller has it (an active plan is always the newest); ``evenings``: the series' evenings
    with their events, likewise."""
    if last_plan is None:
        last_plan = series.plans.first()
    if last_plan is not None and last_plan.is_active:
        return plan_status(series_plan=last_plan)
    return evenings_status(series=series, evenings=evenings)


def planned_evenings(series_plan: SeriesPlan) -> list[dict[str, Any]]:
    """A plan's places by evening: the specialists who anchor there and the departments that
    attend, by name, for the series page."""
    by_evening: dict[int, dict[str, Any]] = {}
    places = series_plan.places.select_related(
        "evening__event", "clinician__specialty", "department__site"
    ).order_by("evening__event__date", "evening_id", "pk")
    for place in places:
        row = by_evening.setdefault(
            place.evening_id, {"evening": place.evening, "anchors": [], "departments": []}
        )
        if place.clinician is not None:
            row["anchors"].append(f"{place.clinician.full_name} ({place.clinician.specialty.name})")
        else:
            row["departments"].append(f"{place.department.name} ({place.department.site.name})")
    return list(by_evening.values())


# --- Solving every evening -----------------------------------------------------------------


def solve_every_evening(
    *, series: Series, by: AbstractBaseUser | None, time_limit_s: int | None = None
) -> list[SolveRun]:
    """Queue a solve of every evening's event and send them as one Celery chord: one
    ``series.solve_evening`` task per evening (any free worker takes it), then
    ``series.evenings_solved``. All or nothing: an evening that is not ready, or already
    solving, refuses the whole request before anything is queued (``EveningsNotReady``);
    a broker that refuses the chord fails every run it made (``QueueUnavailable``), so a
    message that got through finds its run failed and does nothing."""
    evenings = list(
        series.evenings.select_related("event").order_by("event__date", "event__start_time")
    )
    problems = []
    for evening in evenings:
        for problem in rotations.readiness_problems(event=evening.event):
            problems.append(f"{evening.event.name}: {problem}")
        if evening.event.solve_runs.filter(status__in=SolveRun.ACTIVE_STATUSES).exists():
            problems.append(f"{evening.event.name}: a solve is already running.")
    if not evenings:
        problems.append("The series has no evenings yet.")
    if problems:
        raise EveningsNotReady(problems)
    try:
        with transaction.atomic():
            runs = [
                rotations.start_solve(
                    event=evening.event, by=by, time_limit_s=time_limit_s, dispatch=False
                )
                for evening in evenings
            ]
            _record_queued(series=series, by=by, runs=runs)
    except rotations.SolveAlreadyRunning as exc:
        # Another organizer started one in the meantime: nothing of this request stays.
        raise EveningsNotReady([str(exc)]) from None
    limit = max(run.time_limit_s for run in runs)
    header = [
        current_app.signature(
            SOLVE_EVENING_TASK,
            args=[run.pk],
            soft_time_limit=run.time_limit_s + 30,
            time_limit=run.time_limit_s + 60,
        )
        for run in runs
    ]
    body = current_app.signature(
        EVENINGS_SOLVED_TASK, kwargs={"series_id": series.pk}, time_limit=limit + 60
    )
    try:
        _stop_listening(chord(header)(body))
    except Exception:
        logger.exception("Series %s: the broker refused the evenings' solves", series.pk)
        SolveRun.objects.filter(
            pk__in=[run.pk for run in runs], status=SolveRun.Status.QUEUED
        ).update(
            status=SolveRun.Status.FAILED,
            error=rotations.QUEUE_UNAVAILABLE_ERROR,
            message="The task queue is unavailable",
            finished_at=timezone.now(),
        )
        raise QueueUnavailable() from None
    return runs


def _stop_listening(result: Any) -> None:
    """This process never reads the evenings' results (the page reads the runs), yet Celery's
    Redis result backend keeps every header result of a chord it sent pending, subscribed to
    in Redis, for the life of the process: a web process would gather one subscription per
    evening ever solved, and their messages. Let them go."""
    backend = result.backend
    pending = getattr(backend, "_pending_results", ())
    consumer = getattr(backend, "result_consumer", None)
    for child in getattr(result.parent, "results", None) or []:
        for waiting in pending:
            waiting.pop(child.id, None)
        if consumer is not None:
            consumer.cancel_for(child.id)


def _record_queued(*, series: Series, by: AbstractBaseUser | None, runs: list[SolveRun]) -> None:
    record_audit(
        actor=by,
        action=EVENINGS_QUEUED,
        target=series.name,
        message=f"{display_name(by)} queued a solve of the {len(runs)} evenings of "
        f"{series.name}, one task per evening.",
        details={"runs": [run.pk for run in runs]},
    )


def solve_evening(*, run_id: int, last_try: bool = False) -> str | None:
    """The body of ``series.solve_evening``: rotations' solve of the run (idempotent). Returns
    the run's status once it has ended, for the chord's callback; None while it is still
    queued or running elsewhere (a duplicate delivery while another worker solves it, or its
    worker died and the watchdog queued it again): the task asks again a little later, so the
    callback hears how every evening really ended. ``last_try``: the status as it is."""
    rotations.run_solve(run_id=run_id)
    run = SolveRun.objects.filter(pk=run_id).first()
    if run is None:
        return "gone"
    return None if run.is_active and not last_try else run.status


def evenings_solved(*, series_id: int, statuses: list[str]) -> None:
    """The chord's callback: record in the audit log how the evenings' solves ended."""
    series = Series.objects.filter(pk=series_id).first()
    if series is None:
        return
    done = sum(status == SolveRun.Status.SUCCEEDED for status in statuses)
    record_audit(
        actor=None,
        action=EVENINGS_SOLVED,
        target=series.name,
        message=f"{done} of the {len(statuses)} evenings of {series.name} were solved.",
        details={"statuses": statuses},
    )


def evenings_status(*, series: Series, evenings: list[Evening] | None = None) -> dict[str, Any]:
    """One progress figure for the latest solve of every evening: the mean of their progress
    (an ended run counts as done), with counts by status. JSON-ready; two queries whatever the
    number of evenings (a run whose worker died shows as running until the watchdog, from
    beat, re-queues or fails it)."""
    if evenings is None:
        evenings = list(series.evenings.select_related("event").order_by("event__date", "pk"))
    latest: dict[int, SolveRun] = {}
    for run in SolveRun.objects.filter(event__evening__series=series).order_by("created_at"):
        latest[run.event_id] = run
    rows = []
    total = 0
    counts: dict[str, int] = defaultdict(int)
    for evening in evenings:
        run = latest.get(evening.event_id)
        if run is None:
            counts["not solved"] += 1
            continue
        progress = run.progress if run.is_active else 100
        total += progress
        counts[run.get_status_display()] += 1
        rows.append({"evening": evening.event.name, "status": run.status, "progress": progress})
    solving = [row for row in rows if row["status"] in SolveRun.ACTIVE_STATUSES]
    progress = round(total / len(rows)) if rows else 0
    words = ", ".join(f"{n} {status.lower()}" for status, n in sorted(counts.items()))
    return {
        "kind": "evenings",
        "is_active": bool(solving),
        "progress": progress,
        "message": f"Evenings: {words}" if words else "No evening solved yet",
        "evenings": rows,
    }


# --- Memory across the season ----------------------------------------------------------------


def earlier_evenings_met(
    event: Event, departments: set[int], specialties: set[int]
) -> dict[tuple[int, int], datetime.date]:
    """For an evening's event: (department, specialty) -> the date of the latest earlier
    evening of the same series whose published schedule sent a group of the department to a
    table of the specialty. Other events: nothing. One query."""
    if not departments or not specialties:
        return {}
    met: dict[tuple[int, int], datetime.date] = {}
    # Visits of published schedules at the evenings of the series ``event`` is an evening of.
    visits = Visit.objects.filter(
        schedule__is_published=True,
        schedule__event__evening__series__evenings__event=event,
        schedule__event__date__lt=event.date,
        group__department__in=departments,
        table__specialty__in=specialties,
    ).values_list("group__department_id", "table__specialty_id", "schedule__event__date")
    for department, specialty, date in visits.order_by().distinct():
        key = (department, specialty)
        if key not in met or met[key] < date:
            met[key] = date
    return met


# --- The plan's purpose in each evening's solve ------------------------------------------------

# The extra affinity, on an evening of a series, of a visit per primary-care clinician x
# specialist pair it brings to one table (a member of the group and an anchor of the table who
# practises at the site of the member's department: the pairs the season's plan counts), on
# top of rotations' 1 per anchor at the group's department's site. Beside the met-before
# weights (``rotations.services.adapter.MET_BEFORE_WEIGHTS``: a new table is worth 1, a
# specialty met recently 0): a visit's value is 2 x affinity + that bonus, so a group of 6 at
# the table of one specialist of its site is worth 2 x (1 + 6) + 1 = 15 at a series evening
# (3 at a one-off event), a group of 2 there 7, a table without shared patients at most 1.
# Among schedules with the most (and fairest) visits, the solver therefore seats the pairs
# the plan counts, the most pairs first, also for a group formed of several small
# departments (which has no site of its own); the season's memory then only chooses between
# tables that bring the group as many pairs.
SHARED_PATIENT_PAIR_WEIGHT = 1


def evening_shared_patients(event: Event) -> dict[tuple[int, int], int]:
    """For an evening's event: (travelling group pk, table pk) -> the extra affinity of that
    visit, ``SHARED_PATIENT_PAIR_WEIGHT`` x the pairs of a member and an anchor who practises
    at the site of the member's department. Other events: nothing. Four queries (one for
    another event), whatever the evening's size."""
    if not Evening.objects.filter(event=event).exists():
        return {}
    anchors: dict[int, list[int]] = defaultdict(list)
    for table, clinician in Anchor.objects.filter(event=event).values_list(
        "table_id", "clinician_id"
    ):
        anchors[clinician].append(table)
    # site -> table -> how many of the table's anchors practise there
    at_site: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for clinician, site in Clinician.sites.through.objects.filter(
        clinician_id__in=anchors
    ).values_list("clinician_id", "site_id"):
        for table in anchors[clinician]:
            at_site[site][table] += 1
    extra: dict[tuple[int, int], int] = defaultdict(int)
    for group, site in GroupMember.objects.filter(
        event=event, clinician__department__site__in=list(at_site)
    ).values_list("group_id", "clinician__department__site_id"):
        for table, count in at_site[site].items():
            extra[(group, table)] += SHARED_PATIENT_PAIR_WEIGHT * count
    return dict(extra)
