"""Command line: ``python -m rotations.solver INSTANCE.json [--time-limit S] [--seed N]
[--strategy fewest-changes|best] [--output OUT.json]``; ``python -m rotations.solver series
SEASON.json ...`` plans a season instead (``series/cli.py``); ``python -m rotations.solver
dinners SIGNUPS.json ...`` forms dinner groups (``dinners/cli.py``). A rotation instance in a
file named ``series`` or ``dinners`` is ``./series``, ``./dinners``.

Reads rotation-instance/1, writes rotation-schedule/1 (``docs/solver-format.md``). For a
re-plan, ``--strategy`` overrides the instance's ``"strategy"``. Exit status 0 for an optimal or
feasible schedule, 1 when the problem is infeasible, 2 for bad input (one line on stderr).
Bad input includes an instance over the size limits of ``limits.py`` and an ``--output`` that
cannot be written, both found before solving. A valid instance that is probably a mistake (no
tables, no groups, ``"available_rounds": []``) is solved, with a ``warning:`` line on stderr
for each such thing (``instance.instance_warnings``).
"""

from __future__ import annotations

import sys

from rotations.solver.command import model_parser, output_refused, parse_model_args, write_result
from rotations.solver.instance import (
    InstanceError,
    instance_strategy,
    instance_warnings,
    load_document,
    parse_instance,
    solution_to_json,
)
from rotations.solver.problem import Status, Strategy
from rotations.solver.solve import solve


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["series"]:
        from rotations.solver.series.cli import main as plan_main

        return plan_main(argv[1:])
    if argv[:1] == ["dinners"]:
        from rotations.solver.dinners.cli import main as dinners_main

        return dinners_main(argv[1:])
    parser = model_parser(
        prog="python -m rotations.solver",
        description="Schedule the rounds of a rotation instance (rotation-instance/1 JSON).",
        input_name="instance",
        input_help="the instance file",
    )
    parser.add_argument(
        "--strategy",
        choices=[strategy.value for strategy in Strategy],
        help="how a re-plan treats the rounds it plans again (default: the instance's, else best)",
    )
    args = parse_model_args(parser, argv)

    try:
        document = load_document(args.instance)
        problem = parse_instance(document)
        strategy = Strategy(args.strategy) if args.strategy else instance_strategy(document)
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if output_refused(args.output):
        return 2
    for warning in instance_warnings(problem):
        print(f"warning: {warning}", file=sys.stderr)
    solution = solve(
        problem,
        strategy=strategy or Strategy.BEST,
        time_limit_s=args.time_limit,
        seed=args.seed,
    )
    if not write_result(solution_to_json(problem, solution), args.output):
        return 2
    return 1 if solution.status is Status.INFEASIBLE else 0


if __name__ == "__main__":
    sys.exit(main())
