"""Benchmark: the solver against the greedy baseline on every instance of a folder.

``python -m benchmarks.bench [--instances DIR] [--time-limit S] [--synthetic N]
[--large 16000,40000]``. Not a test: it prints figures. ``--synthetic N`` adds N generated
events with availability windows (``synthetic.windowed_event``, seeds 0..N-1: 100 tables, 200
groups, 60% windowed). ``--large`` (or ``$ROUNDS_BENCH_LARGE``) adds events of that many
clinicians generated at bench time (``synthetic.large_event``), solver only. Each run happens
in its own process so the peak memory shown is that run's own (its search processes
included).
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
from pathlib import Path
from typing import Any

from benchmarks.greedy import greedy_triples
from benchmarks.synthetic import large_event, windowed_event
from rotations.solver.bounds import build_relaxation, fairness_bound, visits_bound
from rotations.solver.checks import check_schedule
from rotations.solver.indexed import index_problem
from rotations.solver.instance import load_instance
from rotations.solver.metrics import figures
from rotations.solver.solve import solve


def default_instances() -> Path:
    env = os.environ.get("ROUNDS_INSTANCES")
    if env:
        return Path(env)
    return Path(__file__).resolve().with_name("instances")


def run_one(path: Path, method: str, time_limit: float) -> dict[str, Any]:
    """Solve one instance with one method and return its figures (run in a child process).
    A path ``synthetic:SEED`` names a generated event, ``large:CLINICIANS`` a large one."""
    if str(path).startswith("synthetic:"):
        problem = windowed_event(int(str(path).split(":")[1]))
    elif str(path).startswith("large:"):
        problem = large_event(int(str(path).split(":")[1]))
    else:
        problem = load_instance(path)
    started = time.monotonic()
    if method == "solver":
        solution = solve(problem, time_limit_s=time_limit)
        seconds = time.monotonic() - started
        visits = list(solution.visits)
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
        }
    else:
        ix = index_problem(problem)
        triples = greedy_triples(ix)
        seconds = time.monotonic() - started
        rel = build_relaxation(ix)
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
            "status": "-",
        }
    row["seconds"] = seconds
    row["valid"] = not check_schedule(problem, visits)
    row["memory_mb"] = (
        max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024
    )
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench")
    parser.add_argument("--instances", type=Path, default=default_instances(), metavar="DIR")
    parser.add_argument("--time-limit", type=float, default=30.0, metavar="S")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N")
    parser.add_argument(
        "--large",
        default=os.environ.get("ROUNDS_BENCH_LARGE", ""),
        metavar="N,N",
        help="also solve generated events of these many clinicians, e.g. 16000,40000",
    )
    parser.add_argument("--one", nargs=2, metavar=("FILE", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(Path(args.one[0]), args.one[1], args.time_limit)))
        return 0

    paths = sorted(args.instances.glob("*.json"), key=lambda p: p.stat().st_size)
    paths += [Path(f"synthetic:{seed}") for seed in range(args.synthetic)]
    large = [Path(f"large:{int(n)}") for n in args.large.split(",") if n.strip()]
    paths += large
    if not paths:
        print(f"no instances in {args.instances}", file=sys.stderr)
        return 2
    header = (
        f"{'instance':<22} {'method':<7} {'status':<9} {'seconds':>8} {'visits/bound':>13} "
        f"{'min share/bound':>15} {'affinity':>8} {'repeated':>8} {'revisits':>8} "
        f"{'spread':>8} {'memory MB':>9}  check"
    )
    print(header)
    print("-" * len(header))
    for path in paths:
        for method in ("solver",) if path in large else ("solver", "greedy"):
            child = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.bench",
                    "--time-limit",
                    str(args.time_limit),
                    "--one",
                    str(path),
                    method,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                print(f"{path.stem:<22} {method:<7} failed: {child.stderr.strip()[-200:]}")
                continue
            row = json.loads(child.stdout)
            print(
                f"{path.stem:<22} {method:<7} {row['status']:<9} {row['seconds']:>8.2f} "
                f"{row['visits']:>6}/{row['bound']:<6} "
                f"{row['share']:>7.4f}/{row['share_bound']:<7.4f} {row['affinity']:>8} "
                f"{row['repeated']:>8} {row['revisits']:>8} {row['spread']:>8} "
                f"{row['memory_mb']:>9.0f}  "
                f"{'valid' if row['valid'] else 'INVALID'}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
