"""Benchmark of dinner group formation: synthetic seasons of 100, 1,000 and 3,000 sign-ups.

``python -m benchmarks.dinners_bench [--time-limit S] [--sizes 100,1000,3000] [--seed N]
[--region-size N]`` (``make bench-dinners``); ``--region-size 3000`` puts 3,000 sign-ups in one
region, a much harder season (about 800,000 met pairs). Not a test: it prints one line a
season: the sign-ups, regions and met pairs, the forming time, the groups and people placed,
the new-colleague pairs against all pairs, the random baseline and the upper bound, and the
figure in words. A line ends in ``INVALID`` if a rule is broken (it never should be).
"""

from __future__ import annotations

import argparse
import time

from benchmarks.dinners_synthetic import dinner_season
from rotations.solver.dinners import form_groups, grouping_violations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dinners_bench")
    parser.add_argument("--time-limit", type=float, default=30.0, metavar="S")
    parser.add_argument("--sizes", default="100,1000,3000")
    parser.add_argument("--seed", type=int, default=0, metavar="N")
    parser.add_argument("--region-size", type=int, default=500, metavar="N")
    args = parser.parse_args(argv)

    print(
        f"{'sign-ups':>8} {'regions':>7} {'met':>8} {'seconds':>8} {'groups':>6} "
        f"{'placed':>6} {'new/pairs':>13} {'random':>13} {'bound':>6} status   figure"
    )
    for size in (int(value) for value in args.sizes.split(",")):
        problem = dinner_season(args.seed, people=size, region_size=args.region_size)
        started = time.monotonic()
        grouping = form_groups(problem, time_limit_s=args.time_limit, seed=args.seed)
        seconds = time.monotonic() - started
        broken = grouping_violations(problem, grouping.groups)
        regions = len({person.region for person in problem.people})
        print(
            f"{size:>8,} {regions:>7} {len(problem.met):>8,} {seconds:>8.1f} "
            f"{len(grouping.groups):>6,} {grouping.members:>6,} "
            f"{f'{grouping.new_pairs:,}/{grouping.pairs:,}':>13} "
            f"{f'{grouping.random_new_pairs:,}/{grouping.random_pairs:,}':>13} "
            f"{grouping.new_pairs_upper_bound:>6,} {grouping.status.value:<8} {grouping.summary()}"
            + (f"  INVALID: {broken[0]}" if broken else "")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
