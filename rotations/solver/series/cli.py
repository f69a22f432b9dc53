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

import argparse
import json
import sys
from pathlib import Path

from rotations.solver.instance import InstanceError, load_document
from rotations.solver.series.instance import parse_series, plan_to_json, series_warnings
from rotations.solver.series.plan import plan_series


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rotations.solver series",
        description="Plan a season of evenings (series-instance/1 JSON): which evenings each "
        "specialist anchors and each group attends.",
    )
    parser.add_argument("season", help="the season file")
    parser.add_argument(
        "--time-limit", type=float, default=30.0, metavar="S", help="seconds (default 30)"
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed")
    parser.add_argument("--output", metavar="OUT.json", help="write here instead of stdout")
    args = parser.parse_args(argv)
    if args.time_limit <= 0:
        parser.error("--time-limit must be positive")

    # The rotation CLI's helper: why a path cannot be written, found without changing it.
    from rotations.solver.__main__ import _unwritable

    try:
        problem = parse_series(load_document(args.season))
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output:
        error = _unwritable(Path(args.output))
        if error is not None:
            print(f"error: {args.output}: cannot be written ({error})", file=sys.stderr)
            return 2
    for warning in series_warnings(problem):
        print(f"warning: {warning}", file=sys.stderr)
    plan = plan_series(problem, time_limit_s=args.time_limit, seed=args.seed)
    text = json.dumps(plan_to_json(problem, plan), indent=1) + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"error: {args.output}: cannot be written ({exc.strerror})", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    print(f"{plan.summary()} ({plan.status.value}).", file=sys.stderr)
    return 0
