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

import argparse
import json
import sys
from pathlib import Path

from rotations.solver.dinners.form import form_groups
from rotations.solver.dinners.instance import dinners_warnings, grouping_to_json, parse_dinners
from rotations.solver.instance import InstanceError, load_document


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rotations.solver dinners",
        description="Form dinner groups (dinners-instance/1 JSON): groups of new colleagues "
        "within a region, on a common evening, each with a host.",
    )
    parser.add_argument("season", help="the season's sign-ups file")
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
        problem = parse_dinners(load_document(args.season))
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output:
        error = _unwritable(Path(args.output))
        if error is not None:
            print(f"error: {args.output}: cannot be written ({error})", file=sys.stderr)
            return 2
    for warning in dinners_warnings(problem):
        print(f"warning: {warning}", file=sys.stderr)
    grouping = form_groups(problem, time_limit_s=args.time_limit, seed=args.seed)
    text = json.dumps(grouping_to_json(problem, grouping), indent=1) + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"error: {args.output}: cannot be written ({exc.strerror})", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    print(f"{grouping.summary()} ({grouping.status.value}).", file=sys.stderr)
    return 0
