"""The solver's entry point.

Phases, each leaving a valid schedule behind it:

1. Pins. Only pinned visits can make a problem infeasible; every conflict is reported.
2. Bounds (``bounds.py``). Dropping the round structure leaves a bipartite flow: its maximum
   bounds the visits, and flows with a lower bound per group bound the min share.
3. Pairs (``bounds.py``). A min-cost max-flow with every group at its quota chooses which
   group meets which table, best value first: levels 1-3 of the objective on the relaxation.
4. Rounds (``layout.py``). The pairs are put into rounds, a max-flow per round; what windows
   keep from fitting is repaired with other visits.
5. CP-SAT (``cpsat.py``), only for small problems where phase 4 fell short of a bound.
6. Mixing (``mixing.py``): re-timing visits to lower the repeated pairs, levels 1-3 unchanged.

On the example instances phase 4 places every chosen pair, so levels 1-3 meet their bounds
and are proved optimal without search.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction

from rotations.solver import cpsat
from rotations.solver.bounds import (
    build_relaxation,
    choose_pairs,
    fairness_bound,
    quota,
    visits_bound,
)
from rotations.solver.indexed import Indexed, index_problem
from rotations.solver.layout import Schedule, fill, lay_out
from rotations.solver.metrics import Figures, figures
from rotations.solver.mixing import reduce_repeats
from rotations.solver.problem import Problem, Progress, Solution, Status
from rotations.solver.reasons import pin_conflicts

Triple = tuple[int, int, int]


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 30.0,
    seed: int = 0,
    num_workers: int = 2,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Solution:
    """Schedule ``problem``: the best valid schedule found within ``time_limit_s`` seconds.

    The schedule always keeps hard rules 1-6 of ``instance-format.md``; if the pinned visits
    break one, the status is ``INFEASIBLE``, there are no visits, and ``reasons`` says why.
    Schedules are compared level by level: min share of possible visits, total visits, value
    (affinity, with met-before visits worth less; see ``indexed.visit_value``), then repeated
    group pairs. ``OPTIMAL`` means the first three levels are proved best (each equals its
    flow bound, or CP-SAT proved it); mixing and table balance are improved but not proved.

    ``on_progress`` receives a ``Progress`` after each phase and each better CP-SAT schedule.
    ``should_stop`` is polled between phases and during the search; once it returns True the
    best schedule so far is returned with ``stopped=True``. The same problem, seed and worker
    count give the same schedule unless the time limit or ``should_stop`` cuts a search short.
    """
    started = time.monotonic()
    deadline = started + max(0.0, time_limit_s)

    def report(
        fraction: float, message: str, visits: int | None = None, bound: int | None = None
    ) -> None:
        if on_progress is not None:
            on_progress(Progress(fraction, message, visits, bound))

    def stop_now() -> bool:
        return should_stop is not None and should_stop()

    report(0.0, "checking pinned visits")
    reasons = pin_conflicts(problem)
    if reasons:
        report(1.0, "infeasible: the pinned visits break a hard rule")
        return Solution(
            status=Status.INFEASIBLE,
            visits=(),
            visits_upper_bound=0,
            min_share_upper_bound=0.0,
            min_share=0.0,
            affinity=0,
            met_before_revisits=0,
            repeated_pairs=0,
            reasons=tuple(reasons),
            solve_seconds=time.monotonic() - started,
        )

    ix = index_problem(problem)
    rel = build_relaxation(ix)
    bound = visits_bound(ix, rel)
    share_bound = fairness_bound(ix, rel)
    report(0.1, f"at most {bound} visits", None, bound)

    def finish(triples: list[Triple], proved: bool, stopped: bool) -> Solution:
        fig = figures(ix, triples, rel.possible)
        report(1.0, f"{fig.visits} of at most {bound} visits", fig.visits, bound)
        return _solution(ix, triples, fig, bound, share_bound, proved, stopped, started)

    pins = sorted(ix.pins)
    if stop_now():
        return finish(pins, False, True)

    choice = choose_pairs(ix, rel, share_bound)
    report(0.2, "chose which groups meet which tables", None, bound)
    if stop_now():
        return finish(pins, False, True)

    pairs = [(int(rel.arc_group[a]), int(rel.arc_table[a])) for a in choice.arcs]
    schedule = lay_out(ix, pairs, [rel.free_rounds[a] for a in choice.arcs])
    quotas = [quota(share_bound, p) for p in rel.possible]
    if len(schedule.triples()) < choice.visits:
        fill(schedule, quotas)
    best = schedule.triples()
    fig = figures(ix, best, rel.possible)
    proved = (
        fig.min_share == share_bound and fig.visits == choice.visits and fig.value == choice.value
    )
    report(0.5, f"{fig.visits} of at most {bound} visits in rounds", fig.visits, bound)
    if stop_now():
        return finish(best, proved, True)

    triples = None if proved else _search_space(ix, best, pairs, quotas)
    if triples is not None:
        # Spend most of the time left, keeping some for mixing.
        budget = (deadline - time.monotonic()) * 0.7
        outcome = cpsat.improve(
            ix,
            rel.possible,
            best,
            deadline=time.monotonic() + budget,
            seed=seed,
            num_workers=num_workers,
            should_stop=should_stop,
            on_solution=lambda: report(0.6, "found a better schedule", None, bound),
            triples=triples,
        )
        found = figures(ix, outcome.triples, rel.possible)
        if _levels(found) > _levels(fig):
            best, fig = outcome.triples, found
        proved = _proved(fig, share_bound, choice.visits, choice.value, outcome.proved)
        if outcome.stopped:
            return finish(best, proved, True)
        schedule = _schedule_of(ix, best)

    report(0.8, "mixing the groups", fig.visits, bound)
    stopped = reduce_repeats(schedule, deadline=deadline, should_stop=should_stop)
    return finish(schedule.triples(), proved, stopped)


def _search_space(
    ix: Indexed, best: list[Triple], pairs: list[tuple[int, int]], quotas: list[int]
) -> list[Triple] | None:
    """The triples for CP-SAT: all of them for a small problem; for a larger one only the
    chosen pairs, the scheduled ones, and every pair of the groups short of their quota.
    None when even that is too large to be worth building."""
    everything = cpsat.eligible_triples(ix)
    if len(everything) <= cpsat.MAX_TRIPLES:
        return everything
    keep = set(pairs) | {(g, t) for _, g, t in best}
    counts = [0] * len(ix.groups)
    for _, g, _ in best:
        counts[g] += 1
    for g, count in enumerate(counts):
        if count < quotas[g]:
            keep.update((g, t) for t in ix.eligible[g])
    restricted = cpsat.eligible_triples(ix, keep)
    return restricted if len(restricted) <= cpsat.MAX_RESTRICTED_TRIPLES else None


def _levels(fig: Figures) -> tuple[Fraction, int, int]:
    return fig.min_share, fig.visits, fig.value


def _proved(
    fig: Figures,
    share_bound: Fraction,
    visits_bound: int,
    value_bound: int,
    cpsat_proved: tuple[bool, bool, bool],
) -> bool:
    """Levels 1-3 proved: each at its relaxation bound, or proved optimal by CP-SAT (which
    optimises a level only once the levels above it are at their optimum)."""
    if fig.min_share != share_bound and not cpsat_proved[0]:
        return False
    if fig.visits != visits_bound and not cpsat_proved[1]:
        return False
    return fig.value == value_bound or cpsat_proved[2]


def _schedule_of(ix: Indexed, triples: list[Triple]) -> Schedule:
    schedule = Schedule.empty(ix)
    for r, g, t in triples:
        if (r, g, t) not in schedule.pinned:
            schedule.place(r, g, t)
    return schedule


def _solution(
    ix: Indexed,
    triples: list[Triple],
    fig: Figures,
    bound: int,
    share_bound: Fraction,
    proved: bool,
    stopped: bool,
    started: float,
) -> Solution:
    return Solution(
        status=Status.OPTIMAL if proved and not stopped else Status.FEASIBLE,
        visits=tuple(sorted(ix.visit(r, g, t) for r, g, t in triples)),
        visits_upper_bound=bound,
        min_share_upper_bound=float(share_bound),
        min_share=float(fig.min_share),
        affinity=fig.affinity,
        met_before_revisits=fig.met_before_revisits,
        repeated_pairs=fig.repeated_pairs,
        solve_seconds=time.monotonic() - started,
        stopped=stopped,
    )
