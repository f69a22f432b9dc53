"""The series planner: over a season of evenings, which evenings each specialist anchors and
each primary-care group attends, so that the most primary-care clinicians meet the
specialists who share their patients (``plan_series``). Each evening is then scheduled by the
rotation solver (``rotations.solver.solve``).

Pure Python and OR-Tools, no Django. ``docs/solver-format.md`` ("The series planner")
describes the model and its JSON (``series-instance/1``, ``series-plan/1``).
"""

from rotations.solver.series.limits import SeriesTooLarge
from rotations.solver.series.plan import plan_series
from rotations.solver.series.problem import (
    Anchor,
    Attendance,
    Department,
    Evening,
    Group,
    Need,
    PlanStatus,
    SeriesIndex,
    SeriesPlan,
    SeriesProblem,
    Specialist,
    evaluate,
    evening_pairs,
    plan_violations,
)

__all__ = [
    "Anchor",
    "Attendance",
    "Department",
    "Evening",
    "Group",
    "Need",
    "PlanStatus",
    "SeriesIndex",
    "SeriesPlan",
    "SeriesProblem",
    "SeriesTooLarge",
    "Specialist",
    "evaluate",
    "evening_pairs",
    "plan_series",
    "plan_violations",
]
