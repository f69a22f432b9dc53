"""The largest dinner seasons group formation takes, and the one message that says a season is
over. 3,000 sign-ups form groups in well under 30 s; these limits are about ten times that.

``instance.py`` reports a JSON season over a limit as an ``InstanceError``; ``form_groups``
raises ``DinnersTooLarge`` for a ``DinnerProblem`` built in Python. Both say the same words.
"""

from __future__ import annotations

from rotations.solver.dinners.problem import DinnerProblem

MAX_PEOPLE = 30_000
MAX_MET = 1_000_000
MAX_NOT_WITH = 100_000
MAX_EVENINGS = 60
MAX_GROUP_SIZE = 30


class DinnersTooLarge(ValueError):
    """The season is over one of the limits above, or its group sizes make no sense; the
    message says which."""


def dinners_size_error(people: int, met: int, not_with: int, evenings: int) -> str | None:
    """Why a season of this size is too large for group formation, or None."""
    for count, what, limit in (
        (people, "people", MAX_PEOPLE),
        (met, "met pairs", MAX_MET),
        (not_with, '"not with" pairs', MAX_NOT_WITH),
        (evenings, "evenings", MAX_EVENINGS),
    ):
        if count > limit:
            return f"{count:,} {what}, more than group formation takes (at most {limit:,})"
    return None


def group_size_error(min_size: int, max_size: int) -> str | None:
    """Why these group sizes cannot be formed, or None."""
    if min_size < 2:
        return f"the smallest group must have at least 2 people, not {min_size}"
    if max_size < min_size:
        return f"the largest group ({max_size}) is smaller than the smallest ({min_size})"
    if max_size > MAX_GROUP_SIZE:
        return f"groups of {max_size} are larger than group formation takes ({MAX_GROUP_SIZE})"
    return None


def check_dinners(problem: DinnerProblem) -> None:
    """Raise ``DinnersTooLarge`` if ``problem`` is over a limit or its sizes make no sense."""
    error = dinners_size_error(
        len(problem.people), len(problem.met), len(problem.not_with), len(problem.evenings)
    ) or group_size_error(problem.min_size, problem.max_size)
    if error is not None:
        raise DinnersTooLarge(f"{problem.name or 'the season'}: {error}")
