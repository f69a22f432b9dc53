"""Benchmark of the series planner: synthetic seasons of growing size, time and figures.

``python -m benchmarks.series_bench [--time-limit S] [--sizes small,medium,large]
[--overlap N] [--seed N]`` (``make bench-series``). Not a test: it prints one line a season:
the clinicians, sites and evenings, groups and specialists, the groups with a choice of
evening, the planning time, the shared-patient pairs that meet against the upper bound, the
needs met, and the status. ``--overlap 1`` makes neighbouring evenings share a site each side
(``series_synthetic.series_season``), so many more groups choose: a harder season whose bound
is looser.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.series_synthetic import series_season
from rotations.solver.series import SeriesIndex, plan_series, plan_violations

# Name -> (clinicians, sites, evenings). "large" is the issue's scale.
SIZES = {
    "small": (1_000, 10, 4),
    "medium": (3_000, 30, 8),
    "large": (10_000, 100, 20),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.series_bench")
    parser.add_argument("--time-limit", type=float, default=55.0, metavar="S")
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--overlap", type=int, default=0, metavar="N")
    parser.add_argument("--seed", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)

    print(
        f"{'season':>22} {'groups':>6} {'spec.':>6} {'choose':>6} {'seconds':>8} "
        f"{'pairs':>8} {'bound':>8} {'of':>8} {'needs':>11} status  figure"
    )
    for name in args.sizes.split(","):
        clinicians, sites, evenings = SIZES[name]
        problem = series_season(
            args.seed, clinicians=clinicians, sites=sites, evenings=evenings, overlap=args.overlap
        )
        ix = SeriesIndex(problem)
        choosing = sum(
            1 for g, options in enumerate(ix.attend_options) if 0 < ix.attends[g] < len(options)
        )
        started = time.monotonic()
        plan = plan_series(problem, time_limit_s=args.time_limit, seed=args.seed)
        seconds = time.monotonic() - started
        broken = plan_violations(problem, plan.anchors, plan.attendance, ix)
        label = f"{name} {clinicians}/{sites}/{evenings}"
        print(
            f"{label:>22} {len(problem.groups):>6} {len(problem.specialists):>6} "
            f"{choosing:>6} {seconds:>8.1f} {plan.pairs_meeting:>8} {plan.upper_bound:>8} "
            f"{plan.shared_patient_pairs:>8} {f'{plan.needs_met}/{plan.needs_upper_bound}':>11} "
            f"{plan.status.value:<7} {plan.summary()}"
            + (f"  INVALID: {broken[0]}" if broken else "")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
