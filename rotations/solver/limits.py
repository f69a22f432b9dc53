"""The largest problems the solver takes, and the one message that says a problem is over.

The solver's time and memory grow about linearly with the possible visits (eligible
group-table pairs times their common rounds); these limits keep a solve within the memory of
an ordinary server (about 6 GB at 40,000 clinicians) and every phase able to answer its time
limit. Rounds are capped hardest: laying out the rounds grows about quadratically with them,
and an evening has a few dozen at most (the event form allows 60).

``instance.py`` reports a JSON instance over a limit as an ``InstanceError``; ``solve`` raises
``ProblemTooLarge`` for a ``Problem`` built in Python. Both say the same words.
"""

from __future__ import annotations

from rotations.solver.problem import Problem

MAX_ROUNDS = 200
MAX_TABLES = 5_000
MAX_GROUPS = 15_000
# Tables times groups: the eligible pairs there can be (a 40,000-clinician event of 2,500
# tables and 6,250 groups has 15.6 million).
MAX_PAIRS = 25_000_000


class ProblemTooLarge(ValueError):
    """The problem is over one of the limits above; the message says which."""


def rounds_error(rounds: int) -> str | None:
    """Why ``rounds`` is too many, or None."""
    if rounds > MAX_ROUNDS:
        return f'"rounds" is {rounds}, more than the solver takes (at most {MAX_ROUNDS:,})'
    return None


def size_error(rounds: int, tables: int, groups: int) -> str | None:
    """Why a problem of this size is too large for the solver, or None."""
    error = rounds_error(rounds)
    if error is not None:
        return error
    if tables > MAX_TABLES:
        return f"{tables:,} tables, more than the solver takes (at most {MAX_TABLES:,})"
    if groups > MAX_GROUPS:
        return f"{groups:,} groups, more than the solver takes (at most {MAX_GROUPS:,})"
    if tables * groups > MAX_PAIRS:
        return (
            f"{tables:,} tables times {groups:,} groups make {tables * groups:,} pairs, more "
            f"than the solver takes (at most {MAX_PAIRS:,})"
        )
    return None


def check_size(problem: Problem) -> None:
    """Raise ``ProblemTooLarge`` if ``problem`` is over a limit."""
    error = size_error(problem.rounds, len(problem.tables), len(problem.groups))
    if error is not None:
        raise ProblemTooLarge(f"{problem.name or 'the problem'}: {error}")
