"""Command line: ``python -m rotations.solver dinners SEASON.json [--time-limit S] [--seed N]
[--output OUT.json]``.

Reads dinners-instance/1, writes dinners-groups/1 (``docs/solver-format.md``, "Dinner groups")
and prints the figure on stderr ("412 of 430 pairs in your groups are new colleagues; a
random grouping gives 180"). Exit status 0 for a grouping (every valid season has one, if
perhaps with nobody placed), 2 for bad input (one ``error:`` line on stderr), found before
forming: an invalid season, one over the limits of ``dinners/limits.py``, or an ``--output``
that cannot be written. What is valid but probably a mistake gets a ``warning:`` line on
stderr (``instance.dinners_warnings``).
"""

from __future__ import annotations

from rotations.solver.command import run_season_model
from rotations.solver.dinners.form import form_groups
from rotations.solver.dinners.instance import dinners_warnings, grouping_to_json, parse_dinners


def main(argv: list[str]) -> int:
    return run_season_model(
        argv,
        prog="python -m rotations.solver dinners",
        description="Form dinner groups (dinners-instance/1 JSON): groups of new colleagues "
        "within a region, on a common evening, each with a host.",
        input_help="the season's sign-ups file",
        parse=parse_dinners,
        warnings=dinners_warnings,
        solve=form_groups,
        to_json=grouping_to_json,
    )
