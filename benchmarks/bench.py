"""Benchmark: the solver against the greedy baseline on every instance of a folder.

``python -m benchmarks.bench [--instances DIR] [--time-limit S] [--windowed N]
[--synthetic N]``. Not a test: it prints figures. Generated events with availability windows
(``synthetic.windowed_event``) come after the folder's instances: ``--windowed N`` small ones
(seeds 0..N-1 of ``WINDOWED_SIZE``, 2 by default), ``--synthetic N`` large ones (seeds
0..N-1: 100 tables, 200 groups). A generated event is named
``synthetic:SEED[:TABLES:GROUPS:ROUNDS]`` (see ``generated``), which is also how more sizes
are added.

Each run happens in its own process so the peak memory shown is that run's own. On a small
instance (``exact.is_small``) a third method, ``exact``, is the reference: a fresh
level-by-level CP-SAT model (``exact.improve`` from no visits), each level proved optimal or
the time limit reached. The ``gap`` column compares the solver and the greedy baseline with
it where it proved every level, and with the flow bounds otherwise.
``--large 16000,40000`` (or ``$ROUNDS_BENCH_LARGE``) adds events of that many clinicians
generated at bench time (``synthetic.large_event``), solver only; peak memory counts their
search processes too.
The default folder is ``benchmarks/instances`` (or ``$ROUNDS_INSTANCES``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.greedy import greedy_triples
from benchmarks.synthetic import large_event, windowed_event
from rotations.solver import exact
from rotations.solver.bounds import build_relaxation, fairness_bound, visits_bound
from rotations.solver.checks import check_schedule
from rotations.solver.indexed import index_problem
from rotations.solver.instance import load_instance
from rotations.solver.metrics import figures
from rotations.solver.problem import Problem, Strategy, Visit
from rotations.solver.solve import solve

# Tables, groups and rounds of the small generated events of ``--windowed``.
WINDOWED_SIZE = (15, 20, 8)


def default_instances() -> Path:
    env = os.environ.get("ROUNDS_INSTANCES")
    if env:
        return Path(env)
    return Path(__file__).resolve().with_name("instances")


def generated(name: str) -> Problem:
    """The event ``synthetic:SEED[:TABLES:GROUPS:ROUNDS]`` (default 100 tables, 200 groups,
    12 rounds)."""
    fields = [int(field) for field in name.split(":")[1:]]
    if len(fields) == 1:
        return windowed_event(fields[0])
    seed, tables, groups, rounds = fields
    return windowed_event(seed, n_tables=tables, n_groups=groups, rounds=rounds)


def load(path: Path) -> Problem:
    if str(path).startswith("synthetic:"):
        return generated(str(path))
    if str(path).startswith("large:"):
        return large_event(int(str(path).split(":")[1]))
    return load_instance(path)


def run_one(path: Path, method: str, time_limit: float) -> dict[str, Any]:
    """Solve one instance with one method (``solver``, ``greedy`` or ``exact``) and return
    its figures (run in a child process). A path ``synthetic:...`` names a generated event."""
    problem = load(path)
    ix = index_problem(problem)  # for the figures: not part of the time measured
    started = time.monotonic()
    if method == "solver":
        solution = solve(problem, time_limit_s=time_limit)
        seconds = time.monotonic() - started
        visits = list(solution.visits)
        triples = [(v.round, ix.group_index[v.group], ix.table_index[v.table]) for v in visits]
        row = {
            "visits": len(visits),
            "bound": solution.visits_upper_bound,
            "share": solution.min_share,
            "share_bound": solution.min_share_upper_bound,
            "affinity": solution.affinity,
            "repeated": solution.repeated_pairs,
            "revisits": solution.met_before_revisits,
            "spread": solution.table_spread,
            "status": solution.status.value,
            "proved": len(solution.proved_levels),
        }
    else:
        rel = build_relaxation(ix)
        if method == "exact":
            outcome = exact.improve(
                ix,
                rel.possible,
                sorted(ix.pins),
                bounds=(fairness_bound(ix, rel), visits_bound(ix, rel)),
                deadline=started + time_limit,
                seed=0,
            )
            triples, proved = outcome.triples, outcome.proved
        else:
            triples, proved = greedy_triples(ix), 0
        seconds = time.monotonic() - started
        fig = figures(ix, triples, rel.possible)
        visits = [ix.visit(*triple) for triple in triples]
        row = {
            "visits": fig.visits,
            "bound": visits_bound(ix, rel),
            "share": float(fig.min_share),
            "share_bound": float(fairness_bound(ix, rel)),
            "affinity": fig.affinity,
            "repeated": fig.repeated_pairs,
            "revisits": fig.met_before_revisits,
            "spread": fig.table_spread,
            "status": "-" if method == "greedy" else f"proved {proved}",
            "proved": proved,
        }
        triples = sorted(triples)
    row["value"] = figures(ix, triples, build_relaxation(ix).possible).value
    row["seconds"] = seconds
    row["valid"] = not check_schedule(problem, visits)
    row["memory_mb"] = (
        max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024
    )
    row["small"] = exact.is_small(ix)
    return row


def gap(row: dict[str, Any], reference: dict[str, Any] | None) -> str:
    """How far ``row`` is from ``reference`` (an exact row with levels 1-4 proved), level by
    level, or from the flow bounds without one; ``=`` where it is level with it."""
    if reference is not None and reference["proved"] == len(exact.LEVELS):
        parts = [
            f"{name} {row[key] - reference[key]:+.4g}"
            for name, key in (
                ("share", "share"),
                ("visits", "visits"),
                ("value", "value"),
                ("repeated", "repeated"),
            )
            if row[key] != reference[key]
        ]
        return "exact: " + (", ".join(parts) or "=")
    parts = [
        f"{name} {row[key] - row[bound]:+.4g}"
        for name, key, bound in (("share", "share", "share_bound"), ("visits", "visits", "bound"))
        if row[key] != row[bound]
    ]
    return "bounds: " + (", ".join(parts) or "=")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench")
    parser.add_argument("--instances", type=Path, default=default_instances(), metavar="DIR")
    parser.add_argument("--time-limit", type=float, default=30.0, metavar="S")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N")
    parser.add_argument("--windowed", type=int, default=2, metavar="N")
    parser.add_argument(
        "--large",
        default=os.environ.get("ROUNDS_BENCH_LARGE", ""),
        metavar="N,N",
        help="also solve generated events of these many clinicians, e.g. 16000,40000",
    )
    parser.add_argument(
        "--no-replans",
        action="store_true",
        help="leave out the re-plans (each example instance, its busiest table closed mid-way)",
    )
    parser.add_argument("--one", nargs=2, metavar=("FILE", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(Path(args.one[0]), args.one[1], args.time_limit)))
        return 0

    paths = sorted(args.instances.glob("*.json"), key=lambda p: p.stat().st_size)
    tables, groups, rounds = WINDOWED_SIZE
    paths += [Path(f"synthetic:{seed}:{tables}:{groups}:{rounds}") for seed in range(args.windowed)]
    paths += [Path(f"synthetic:{seed}") for seed in range(args.synthetic)]
    large = [Path(f"large:{int(n)}") for n in args.large.split(",") if n.strip()]
    paths += large
    if not paths:
        print(f"no instances in {args.instances}", file=sys.stderr)
        return 2
    header = (
        f"{'instance':<22} {'method':<7} {'status':<9} {'seconds':>8} {'visits/bound':>13} "
        f"{'min share/bound':>15} {'value':>6} {'affinity':>8} {'repeated':>8} "
        f"{'revisits':>8} {'spread':>8} {'memory MB':>9}  check  gap"
    )
    print(header)
    print("-" * len(header))
    for path in paths:
        name = path.stem if path.suffix == ".json" else str(path)
        # The exact reference first, so the other rows can be compared with it.
        if path in large:
            methods = ["solver"]
        elif _is_small(path):
            methods = ["exact", "solver", "greedy"]
        else:
            methods = ["solver", "greedy"]
        reference = None
        for method in methods:
            row = _run_child(path, method, args.time_limit)
            if isinstance(row, str):
                print(f"{name:<22} {method:<7} failed: {row}")
                continue
            if method == "exact":
                reference = row
            print(
                f"{name:<22} {method:<7} {row['status']:<9} {row['seconds']:>8.2f} "
                f"{row['visits']:>6}/{row['bound']:<6} "
                f"{row['share']:>7.4f}/{row['share_bound']:<7.4f} {row['value']:>6} "
                f"{row['affinity']:>8} {row['repeated']:>8} {row['revisits']:>8} "
                f"{row['spread']:>8} {row['memory_mb']:>9.0f}  "
                f"{'valid' if row['valid'] else 'INVALID'}  "
                f"{'-' if method == 'exact' else gap(row, reference)}",
                flush=True,
            )
    if not args.no_replans:
        print_replans([path for path in paths if path.suffix == ".json"], args.time_limit)
    return 0


def replan_case(problem: Problem, previous: tuple[Visit, ...]) -> Problem:
    """The day-of case the bench re-plans: the table with the most visits in ``previous``
    loses its anchor from the middle round on, and the evening is re-planned from there."""
    from_round = problem.rounds // 2 + 1
    busiest = Counter(visit.table for visit in previous).most_common(1)[0][0]
    tables = tuple(
        replace(table, available_rounds=frozenset(range(1, from_round)))
        if table.id == busiest
        else table
        for table in problem.tables
    )
    return replace(
        problem, tables=tables, previous=previous, replan_from_round=from_round, pinned=()
    )


def replan_rows(path: Path, time_limit: float) -> list[dict[str, Any]]:
    """Solve ``path``, then re-plan the case of ``replan_case`` with each strategy: the
    figures an organizer compares on the day."""
    problem = load(path)
    published = solve(problem, time_limit_s=time_limit)
    case = replan_case(problem, published.visits)
    assert case.replan_from_round is not None
    from_round = case.replan_from_round
    rows = []
    for strategy in Strategy:
        started = time.monotonic()
        solution = solve(case, strategy=strategy, time_limit_s=time_limit)
        frozen = {v for v in case.previous if v.round < from_round}
        rows.append(
            {
                "strategy": strategy.value,
                "seconds": time.monotonic() - started,
                "from_round": from_round,
                "visits_before": len(published.visits),
                "visits_after": len(solution.visits),
                "changed_visits": solution.changed_visits,
                "changed_groups": solution.changed_groups,
                "groups": len(problem.groups),
                "frozen_kept": frozen == {v for v in solution.visits if v.round < from_round},
                "valid": not check_schedule(case, solution.visits),
            }
        )
    return rows


def print_replans(paths: list[Path], time_limit: float) -> None:
    print()
    header = (
        f"{'re-plan':<22} {'strategy':<15} {'from':>4} {'seconds':>8} {'visits':>11} "
        f"{'changed visits':>14} {'changed groups':>15}  check"
    )
    print(header)
    print("-" * len(header))
    for path in paths:
        for row in replan_rows(path, time_limit):
            groups = f"{row['changed_groups']}/{row['groups']}"
            visits = f"{row['visits_before']}→{row['visits_after']}"
            check = "valid" if row["valid"] and row["frozen_kept"] else "INVALID"
            print(
                f"{path.stem:<22} {row['strategy']:<15} {row['from_round']:>4} "
                f"{row['seconds']:>8.2f} {visits:>11} {row['changed_visits']:>14} "
                f"{groups:>15}  {check}",
                flush=True,
            )


def _is_small(path: Path) -> bool:
    """The instance fits the exact model (the reference is run only then). A large generated
    event is never small, and is not built in this process to find out."""
    if str(path).startswith("large:"):
        return False
    return exact.is_small(index_problem(load(path)))


def _run_child(path: Path, method: str, time_limit: float) -> dict[str, Any] | str:
    """``run_one`` in a child process: its row, or the end of its error output."""
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench",
            "--time-limit",
            str(time_limit),
            "--one",
            str(path),
            method,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        return child.stderr.strip()[-200:]
    row: dict[str, Any] = json.loads(child.stdout)
    return row


if __name__ == "__main__":
    sys.exit(main())
