"""Command line: ``python -m rotations.solver series SEASON.json [--time-limit S] [--seed N]
[--output OUT.json]``.

Reads series-instance/1, writes series-plan/1 (``docs/solver-format.md``, "The series
planner") and prints the plan's figure on stderr ("41% of shared-patient pairs meet this
season; at most 44% can"). Exit status 0 for a plan (every valid season has one), 2 for bad
input (one ``error:`` line on stderr), found before planning: an invalid season, one over the
limits of ``series/limits.py``, or an ``--output`` that cannot be written. What is valid but
probably a mistake gets a ``warning:`` line on stderr (``instance.series_warnings``).
"""

from __future__ import annotations

from rotations.solver.command import run_season_model
from rotations.solver.series.instance import parse_series, plan_to_json, series_warnings
from rotations.solver.series.plan import plan_series


def main(argv: list[str]) -> int:
    return run_season_model(
        argv,
        prog="python -m rotations.solver series",
        description="Plan a season of evenings (series-instance/1 JSON): which evenings each "
        "specialist anchors and each group attends.",
        input_help="the season file",
        parse=parse_series,
        warnings=series_warnings,
        solve=plan_series,
        to_json=plan_to_json,
    )
