"""Rotation solver: which group visits which table in each round of an event.

Pure Python and OR-Tools, no Django. See ``solve`` for the entry point and
``docs/solver-format.md`` for the problem.
"""

from rotations.solver.checks import Rule, Violation, check_schedule, move_violations, violations
from rotations.solver.instance import (
    InstanceError,
    instance_strategy,
    load_document,
    load_instance,
    parse_instance,
    problem_to_json,
    solution_to_json,
)
from rotations.solver.problem import (
    MET_BEFORE_FULL,
    Group,
    Problem,
    Progress,
    Solution,
    Status,
    Strategy,
    Table,
    Track,
    Visit,
    location_allows,
    may_visit,
    track_allows,
)
from rotations.solver.solve import solve

__all__ = [
    "MET_BEFORE_FULL",
    "Group",
    "InstanceError",
    "Problem",
    "Progress",
    "Rule",
    "Solution",
    "Status",
    "Strategy",
    "Table",
    "Track",
    "Violation",
    "Visit",
    "check_schedule",
    "instance_strategy",
    "load_document",
    "load_instance",
    "location_allows",
    "may_visit",
    "move_violations",
    "parse_instance",
    "problem_to_json",
    "solution_to_json",
    "solve",
    "track_allows",
    "violations",
]
