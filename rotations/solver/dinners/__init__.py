"""Group formation for Facilitated Dinners: small groups of clinicians who dine together
through a season, formed so that most pairs in a group are new colleagues (``form_groups``).

Pure Python, no Django. ``docs/solver-format.md`` ("Dinner groups") describes the model and
its JSON (``dinners-instance/1``, ``dinners-groups/1``).
"""

from rotations.solver.dinners.form import form_groups
from rotations.solver.dinners.limits import DinnersTooLarge
from rotations.solver.dinners.problem import (
    DinnerGroup,
    DinnerIndex,
    DinnerProblem,
    Grouping,
    GroupingStatus,
    HostWish,
    Met,
    Person,
    Unplaced,
    grouping_value,
    grouping_violations,
)

__all__ = [
    "DinnerGroup",
    "DinnerIndex",
    "DinnerProblem",
    "DinnersTooLarge",
    "Grouping",
    "GroupingStatus",
    "HostWish",
    "Met",
    "Person",
    "Unplaced",
    "form_groups",
    "grouping_value",
    "grouping_violations",
]
