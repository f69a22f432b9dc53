"""Writes of the rotations app, and the one adapter between Django and the solver.

- ``adapter``: an event becomes a solver ``Problem``; a ``Solution`` becomes a schedule version.
- ``solving``: solve runs, from ``start_solve`` to the Celery task's ``run_solve`` and the
  watchdog ``fail_stalled_runs``.
- ``publishing``: ``publish_schedule``, ``changed_itineraries``, and ``check_version`` (the
  solver's hard rules over a whole version, in words).
- ``replanning``: a re-plan's options side by side (``replan_options``), ``publish_replan``.

Callers use the names re-exported here: ``from rotations import services``.
"""

from rotations.services.adapter import (
    apply_solution,
    build_problem,
    export_instance,
    group_id,
    readiness_problems,
    register_affinity_source,
    register_met_before_source,
    table_id,
    table_label,
)
from rotations.services.publishing import (
    SCHEDULE_CHANGED,
    SCHEDULE_PUBLISHED,
    changed_itineraries,
    check_version,
    publish_schedule,
)
from rotations.services.replanning import (
    REPLAN_PUBLISHED,
    SCHEDULE_REPLANNED,
    ReplanOption,
    publish_replan,
    replan_options,
)
from rotations.services.solving import (
    LOST_ERROR,
    QUEUE_UNAVAILABLE_ERROR,
    QUEUED_TOO_LONG,
    REQUEUED_MESSAGE,
    STALLED_AFTER,
    STALLED_ERROR,
    WATCHDOG_EVERY_S,
    EventNotReady,
    QueueUnavailable,
    SolveAlreadyRunning,
    cancel_solve,
    fail_stalled_runs,
    run_solve,
    run_status,
    start_solve,
)

__all__ = [
    "SCHEDULE_CHANGED",
    "SCHEDULE_PUBLISHED",
    "SCHEDULE_REPLANNED",
    "REPLAN_PUBLISHED",
    "ReplanOption",
    "LOST_ERROR",
    "QUEUE_UNAVAILABLE_ERROR",
    "QUEUED_TOO_LONG",
    "REQUEUED_MESSAGE",
    "STALLED_AFTER",
    "STALLED_ERROR",
    "WATCHDOG_EVERY_S",
    "EventNotReady",
    "QueueUnavailable",
    "SolveAlreadyRunning",
    "apply_solution",
    "build_problem",
    "cancel_solve",
    "changed_itineraries",
    "check_version",
    "export_instance",
    "fail_stalled_runs",
    "group_id",
    "publish_replan",
    "publish_schedule",
    "replan_options",
    "readiness_problems",
    "register_affinity_source",
    "register_met_before_source",
    "run_solve",
    "run_status",
    "start_solve",
    "table_id",
    "table_label",
]
