"""The figures of a schedule, in the order of what makes a schedule better."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

from rotations.solver.bounds import share_of
from rotations.solver.indexed import Indexed
from rotations.solver.problem import Solution, Status, Visit


@dataclass(frozen=True, slots=True)
class Figures:
    min_share: Fraction
    visits: int
    value: int
    affinity: int
    met_before_revisits: int
    repeated_pairs: int
    # Spread over tables (level 5): sum of squared visits per table, lower is more even.
    table_spread: int

    def key(self) -> tuple[Fraction, int, int, int, int]:
        """Larger is better, level by level."""
        return (self.min_share, self.visits, self.value, -self.repeated_pairs, -self.table_spread)


def repeated_pairs(triples: list[tuple[int, int, int]]) -> int:
    """Unordered group pairs that share a table (in the same round) in two or more rounds."""
    together: dict[tuple[int, int], list[int]] = {}
    for r, g, t in triples:
        together.setdefault((t, r), []).append(g)
    meetings: Counter[tuple[int, int]] = Counter()
    for hosted in together.values():
        for pair in combinations(sorted(hosted), 2):
            meetings[pair] += 1
    return sum(1 for count in meetings.values() if count > 1)


def figures(ix: Indexed, triples: list[tuple[int, int, int]], possible: list[int]) -> Figures:
    counts = [0] * len(ix.groups)
    per_table = [0] * len(ix.tables)
    for _, g, t in triples:
        counts[g] += 1
        per_table[t] += 1
    return Figures(
        min_share=share_of(counts, possible),
        visits=len(triples),
        value=sum(ix.pair_value(g, t) for _, g, t in triples),
        affinity=sum(ix.weight.get((g, t), 0) for _, g, t in triples),
        met_before_revisits=sum(1 for _, g, t in triples if (g, t) in ix.met_before),
        repeated_pairs=repeated_pairs(triples),
        table_spread=sum(n * n for n in per_table),
    )


def to_solution(
    visits: tuple[Visit, ...],
    fig: Figures,
    *,
    bound: int,
    share_bound: float,
    proved: bool,
    stopped: bool,
    seconds: float,
) -> Solution:
    """The ``Solution`` of a schedule of ``visits`` with figures ``fig``: ``OPTIMAL`` when
    levels 1-3 are proved best and no stop cut the search short."""
    return Solution(
        status=Status.OPTIMAL if proved and not stopped else Status.FEASIBLE,
        visits=visits,
        visits_upper_bound=bound,
        min_share_upper_bound=share_bound,
        min_share=float(fig.min_share),
        affinity=fig.affinity,
        met_before_revisits=fig.met_before_revisits,
        repeated_pairs=fig.repeated_pairs,
        solve_seconds=seconds,
        stopped=stopped,
        table_spread=fig.table_spread,
    )
