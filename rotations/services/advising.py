"""Advice after a solve: ``advise_run`` is the body of the ``rotations.advise`` task, which
``run_solve`` dispatches after a successful solve (not a re-plan)."""

from __future__ import annotations

import logging

from django.db import transaction

from rotations.advice import advise
from rotations.models import Schedule, SolveRun
from rotations.services.adapter import build_problem, group_id, table_id
from rotations.solver import Solution, Status
from rotations.solver import Visit as SolverVisit

logger = logging.getLogger(__name__)

# The Celery task that runs ``advise_run`` (rotations.tasks.advise_task).
ADVISE_TASK = "rotations.advise"
# What the run holds when the advice could not be worked out, so the page stops waiting.
FAILED_ADVICE = {
    "idle": [],
    "empty_seats": [],
    "changes": [],
    "note": "The advice could not be worked out for this solve.",
}


def needs_advice(run: SolveRun) -> bool:
    """A run gets advice once: a successful solve from scratch, not a re-plan."""
    return (
        run.status == SolveRun.Status.SUCCEEDED
        and run.replan_from_round is None
        and run.advice is None
    )


def advise_run(*, run_id: int) -> SolveRun | None:
    """Work out the advice for the run ``run_id`` from its schedule version and store it on
    the run (``SolveRun.advice``). Idempotent: a run that is gone, not a successful solve from
    scratch, or already advised is left alone, and the write is one UPDATE that only fills an
    empty ``advice``, so two deliveries write it once. Reads the event as it is now (the
    what-ifs change that). If the advice fails, ``FAILED_ADVICE`` is stored instead."""
    run = SolveRun.objects.select_related("event", "pinned_from").filter(pk=run_id).first()
    if run is None or not needs_advice(run):
        return run
    schedule = Schedule.objects.filter(solve_run=run).first()
    if schedule is None:
        return run
    try:
        problem = build_problem(event=run.event, pinned_from=run.pinned_from)
        known = {t.id for t in problem.tables} | {g.id for g in problem.groups}
        visits = tuple(
            sorted(
                visit
                for visit in (
                    SolverVisit(round=r, group=group_id(g), table=table_id(t))
                    for r, g, t in schedule.visits.values_list("round", "group_id", "table_id")
                )
                if visit.group in known and visit.table in known
            )
        )
        solution = Solution(
            status=Status.OPTIMAL if run.optimal else Status.FEASIBLE,
            visits=visits,
            visits_upper_bound=run.visits_upper_bound or 0,
            min_share_upper_bound=run.min_share_upper_bound or 0.0,
            min_share=run.min_share or 0.0,
            affinity=0,
            met_before_revisits=0,
            repeated_pairs=0,
        )
        advice = advise(problem, solution, seed=run.seed).to_json()
    except Exception:
        logger.exception("Solve run %s: the advice failed", run.pk)
        advice = FAILED_ADVICE
    with transaction.atomic():
        SolveRun.objects.filter(pk=run.pk, advice__isnull=True).update(advice=advice)
    return SolveRun.objects.filter(pk=run.pk).first()
