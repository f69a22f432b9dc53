"""What the solver's command lines share (``__main__.py`` for rotations, ``series/cli.py``,
``dinners/cli.py``): the arguments every model takes, an ``--output`` checked before solving,
and the result written there or to stdout. Exit status 2 and one ``error:`` line on stderr for
bad input."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from rotations.solver.instance import InstanceError, load_document


def model_parser(
    *, prog: str, description: str, input_name: str, input_help: str
) -> argparse.ArgumentParser:
    """A parser with the input file, ``--time-limit``, ``--seed`` and ``--output``."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(input_name, help=input_help)
    parser.add_argument(
        "--time-limit", type=float, default=30.0, metavar="S", help="seconds (default 30)"
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed")
    parser.add_argument("--output", metavar="OUT.json", help="write here instead of stdout")
    return parser


def parse_model_args(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.time_limit <= 0:
        parser.error("--time-limit must be positive")
    return args


def unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written, found by opening it for writing without changing it
    (a file made for the test is removed again); None if it can."""
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    if not existed:
        path.unlink()
    return None


def output_refused(output: str | None) -> bool:
    """Whether ``--output`` cannot be written (and says so on stderr), before solving."""
    if not output:
        return False
    error = unwritable(Path(output))
    if error is None:
        return False
    print(f"error: {output}: cannot be written ({error})", file=sys.stderr)
    return True


def write_result(document: dict[str, Any], output: str | None) -> bool:
    """Write ``document`` as JSON to ``output`` or stdout; False (said on stderr) if the file
    cannot be written after all."""
    text = json.dumps(document, indent=1) + "\n"
    if not output:
        sys.stdout.write(text)
        return True
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"error: {output}: cannot be written ({exc.strerror})", file=sys.stderr)
        return False
    return True


class _Status(Protocol):
    @property
    def value(self) -> str: ...


class _Result(Protocol):
    @property
    def status(self) -> _Status: ...

    def summary(self) -> str: ...


P = TypeVar("P")
R = TypeVar("R", bound=_Result)


def run_season_model(
    argv: list[str],
    *,
    prog: str,
    description: str,
    input_help: str,
    parse: Callable[[Any], P],
    warnings: Callable[[P], Iterable[str]],
    solve: Callable[..., R],
    to_json: Callable[[P, R], dict[str, Any]],
) -> int:
    """The command line of a season model (the series planner, dinner groups): read and check
    the season, check ``--output``, warn, solve, write the result and say its figure on
    stderr. Exit status 0 (every valid season has a result) or 2 for bad input."""
    parser = model_parser(
        prog=prog, description=description, input_name="season", input_help=input_help
    )
    args = parse_model_args(parser, argv)
    try:
        problem = parse(load_document(args.season))
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if output_refused(args.output):
        return 2
    for warning in warnings(problem):
        print(f"warning: {warning}", file=sys.stderr)
    result = solve(problem, time_limit_s=args.time_limit, seed=args.seed)
    if not write_result(to_json(problem, result), args.output):
        return 2
    print(f"{result.summary()} ({result.status.value}).", file=sys.stderr)
    return 0
