"""The largest seasons the series planner takes, and the one message that says a season is
over. A season of 10,000 clinicians over 100 sites and 20 evenings (about 1,200 groups and
2,500 specialists) plans in well under a minute; these limits are about ten times that.

``instance.py`` reports a JSON season over a limit as an ``InstanceError``; ``plan_series``
raises ``SeriesTooLarge`` for a ``SeriesProblem`` built in Python. Both say the same words.
"""

from __future__ import annotations

from rotations.solver.series.problem import SeriesProblem

MAX_EVENINGS = 500
MAX_SPECIALISTS = 30_000
MAX_GROUPS = 15_000


class SeriesTooLarge(ValueError):
    """The season is over one of the limits above; the message says which."""


def series_size_error(evenings: int, specialists: int, groups: int) -> str | None:
    """Why a season of this size is too large for the planner, or None."""
    for count, what, limit in (
        (evenings, "evenings", MAX_EVENINGS),
        (specialists, "specialists", MAX_SPECIALISTS),
        (groups, "groups", MAX_GROUPS),
    ):
        if count > limit:
            return f"{count:,} {what}, more than the planner takes (at most {limit:,})"
    return None


def check_series_size(problem: SeriesProblem) -> None:
    """Raise ``SeriesTooLarge`` if ``problem`` is over a limit."""
    error = series_size_error(len(problem.evenings), len(problem.specialists), len(problem.groups))
    if error is not None:
        raise SeriesTooLarge(f"{problem.name or 'the season'}: {error}")
