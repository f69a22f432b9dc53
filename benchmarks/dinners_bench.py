"""Benchmark of dinner group formation: synthetic seasons of 100, 1,000 and 3,000 sign-ups in
regions of about 500, and 3,000 all in one region.

``python -m benchmarks.dinners_bench [--time-limit S] [--sizes 100,1000,3000,3000/1] [--seed N]
[--region-size N] [--regions R]`` (``make bench-dinners``). A size ``N/R`` puts ``N`` sign-ups
in ``R`` regions (``3000/1``: all in one, a much harder season of about 800,000 met pairs);
a plain ``N`` uses regions of ``--region-size``, or ``--regions`` regions when given. Not a
test: it prints one line a season: the sign-ups, regions and met pairs, the forming time, the
groups and people placed, the new-colleague pairs against all pairs, the random baseline and
the upper bound, the grouping's value, and the figure in words. A line ends in ``INVALID`` if a
rule is broken (it never should be).
"""

from __future__ import annotations

import argparse
import time

from benchmarks.dinners_synthetic import dinner_season
from rotations.solver.dinners import form_groups, grouping_violations

SIZES = "100,1000,3000,3000/1"


def cases(sizes: str, region_size: int, regions: int | None) -> list[tuple[int, int]]:
    """(sign-ups, people per region) for each of ``sizes``: "N" or "N/R" (R regions)."""
    found = []
    for value in sizes.split(","):
        people, _, count = value.strip().partition("/")
        size = int(people)
        parts = int(count) if count else regions
        found.append((size, -(-size // parts) if parts else region_size))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dinners_bench")
    parser.add_argument("--time-limit", type=float, default=30.0, metavar="S")
    parser.add_argument("--sizes", default=SIZES, help='sign-ups, "N" or "N/R" in R regions')
    parser.add_argument("--seed", type=int, default=0, metavar="N")
    parser.add_argument("--region-size", type=int, default=500, metavar="N")
    parser.add_argument("--regions", type=int, default=None, metavar="R")
    args = parser.parse_args(argv)

    print(
        f"{'sign-ups':>8} {'regions':>7} {'met':>8} {'seconds':>8} {'groups':>6} "
        f"{'placed':>6} {'new/pairs':>13} {'random':>13} {'bound':>6} {'value':>10} "
        "status   figure"
    )
    for size, region_size in cases(args.sizes, args.region_size, args.regions):
        problem = dinner_season(args.seed, people=size, region_size=region_size)
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
            f"{grouping.new_pairs_upper_bound:>6,} {grouping.value:>10,} "
            f"{grouping.status.value:<8} {grouping.summary()}"
            + (f"  INVALID: {broken[0]}" if broken else ""),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
