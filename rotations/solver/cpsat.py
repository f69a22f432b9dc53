"""Exact improvement of small problems with CP-SAT, one objective level at a time.

Used only when the flow phases leave a level below its bound (windows that keep chosen pairs
apart, pins) and the model is small: one bool per eligible (group, table, round) triple.
``run`` is also how ``lns.py`` solves its sub-models.
Each level is solved with the levels above it fixed at their best value and hinted with the
best schedule so far, so a stopped or timed-out search still leaves a valid schedule.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from ortools.sat.python import cp_model

from rotations.solver.bounds import build_relaxation, visits_bound
from rotations.solver.indexed import Indexed, bits

# Above this many triples the model takes too long to build and solve to be worth it;
# larger parts get a large-neighbourhood search (``lns.py``).
MAX_TRIPLES = 40_000

# Up to this many triples a model is searched with one worker (see ``improve``); it is the
# size ``exact.py`` solves exactly.
ONE_WORKER_TRIPLES = 6_000

Triple = tuple[int, int, int]


@dataclass(slots=True)
class Outcome:
    triples: list[Triple]
    # For each level (share, visits, value): proved optimal.
    proved: tuple[bool, bool, bool]
    stopped: bool


def eligible_triples(ix: Indexed, pairs: set[tuple[int, int]] | None = None) -> list[Triple]:
    """Every (round, group, table) that rules 3-5 allow; only of ``pairs`` if given."""
    return [
        (r, g, t)
        for g in range(len(ix.groups))
        for t in ix.eligible[g]
        if pairs is None or (g, t) in pairs
        for r in bits(ix.group_mask[g] & ix.table_mask[t])
    ]


def count_triples(ix: Indexed) -> int:
    """How many triples ``eligible_triples(ix)`` has, without building them."""
    return sum(
        (ix.group_mask[g] & ix.table_mask[t]).bit_count()
        for g, tables in enumerate(ix.eligible)
        for t in tables
    )


# How often ``should_stop`` is polled during a search, in seconds.
POLL_S = 0.1


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_solution: Callable[[], None]):
        super().__init__()
        self._on_solution = on_solution

    def on_solution_callback(self) -> None:
        self._on_solution()


def run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    should_stop: Callable[[], bool] | None,
    on_solution: Callable[[], None] | None = None,
) -> tuple[cp_model.CpSolverStatus, bool]:
    """Solve, calling ``should_stop`` every ``POLL_S`` seconds from a helper thread and stopping
    the search once it returns True: (status, stopped). Solutions come only every so often, so
    polling in a solution callback alone could leave a cancel unanswered for the whole limit."""
    stopped = threading.Event()
    done = threading.Event()

    def watch() -> None:
        assert should_stop is not None
        while not done.wait(POLL_S):
            if should_stop():
                stopped.set()
                solver.stop_search()
                return

    watcher = None
    if should_stop is not None:
        if should_stop():
            return cp_model.UNKNOWN, True
        watcher = threading.Thread(target=watch, name="cp-sat-stop", daemon=True)
        watcher.start()
    try:
        if on_solution is None:
            status = solver.solve(model)
        else:
            status = solver.solve(model, _Reporter(on_solution))
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    return status, stopped.is_set()


def improve(
    ix: Indexed,
    possible: list[int],
    start: list[Triple],
    *,
    deadline: float,
    seed: int,
    num_workers: int,
    should_stop: Callable[[], bool] | None,
    on_solution: Callable[[], None],
    triples: list[Triple] | None = None,
    share_cap: Fraction | None = None,
) -> Outcome:
    """Lexicographically best schedule (share, then visits, then value) within the time left.

    ``triples`` restricts the model to those (round, group, table) choices, which must hold
    ``start`` and the pins; a restricted search proves nothing about the whole problem.
    ``share_cap`` caps level 1 at that share: a min share above it is worth no more than it
    (a part of a problem whose other parts keep the min share at most that; see ``parts.py``).
    """
    # ``triples`` may be every eligible triple (``solve.py`` passes them, having counted
    # them): that search is not restricted and proves its levels.
    restricted = triples is not None and len(triples) < count_triples(ix)
    triples = eligible_triples(ix) if triples is None else triples
    model = cp_model.CpModel()
    x = {key: model.new_bool_var(f"x{key}") for key in triples}
    by_group_round: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    by_table_round: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    by_group: dict[int, list[cp_model.IntVar]] = {}
    for (r, g, t), var in x.items():
        by_group_round.setdefault((g, r), []).append(var)
        by_table_round.setdefault((t, r), []).append(var)
        by_pair.setdefault((g, t), []).append(var)
        by_group.setdefault(g, []).append(var)
    for group_vars in by_group_round.values():
        model.add_at_most_one(group_vars)
    for pair_vars in by_pair.values():
        model.add_at_most_one(pair_vars)
    for (t, _), table_vars in by_table_round.items():
        if len(table_vars) > ix.capacity[t]:
            model.add(sum(table_vars) <= ix.capacity[t])
    for pin in ix.pins:
        model.add(x[pin] == 1)
    counts = {g: sum(by_group.get(g, [])) for g in range(len(ix.groups))}
    # min share = z / scale, exactly, because scale is a multiple of every possible count.
    scale = math.lcm(*(p for p in possible if p > 0)) if any(possible) else 1
    top = scale if share_cap is None else min(scale, math.ceil(share_cap * scale))
    z = model.new_int_var(0, top, "share")
    for g, p in enumerate(possible):
        if p > 0:
            model.add(scale * counts[g] >= p * z)
    visits = sum(x.values())
    value = sum(ix.pair_value(g, t) * var for (_, g, t), var in x.items())
    start_set = set(start)

    best = list(start)
    proved = [False, False, False]
    stopped = False
    # Levels 1 and 2 of ``start`` at their bounds (z at its top, the visits at their flow
    # bound) are fixed without a search: each search of a level costs as much as a proof.
    have = [0] * len(possible)
    for _, g, _ in start:
        have[g] += 1
    at_top = [
        min((scale * have[g] // p for g, p in enumerate(possible) if p > 0), default=top) >= top,
        not restricted and len(start) >= visits_bound(ix, build_relaxation(ix)),
    ]
    for level, objective in enumerate((z, visits, value)):
        if level < 2 and at_top[level] and (level == 0 or proved[0]):
            proved[level] = True
            model.add(objective >= (top if level == 0 else len(start)))
            continue
        left = deadline - time.monotonic()
        if left <= 0.05 or stopped:
            break
        model.clear_hints()  # type: ignore[no-untyped-call]
        for key, var in x.items():
            model.add_hint(var, key in start_set)
        model.maximize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.random_seed = seed
        # Interleaved workers make a multi-worker search reproducible, but they made small
        # models several times slower than one worker, which is just as reproducible. The
        # deterministic limit keeps the result independent of machine load while the wall
        # limit is kept.
        workers = 1 if len(x) <= ONE_WORKER_TRIPLES else max(1, num_workers)
        solver.parameters.num_workers = workers
        solver.parameters.interleave_search = workers > 1
        solver.parameters.max_deterministic_time = left
        solver.parameters.max_time_in_seconds = left
        status, stopped = run(solver, model, should_stop, on_solution)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        found = [key for key, var in x.items() if solver.boolean_value(var)]
        if status == cp_model.OPTIMAL and not restricted:
            proved[level] = True
        best = found
        start_set = set(found)
        # Keep this level at its value while optimising the next.
        model.add(objective >= int(solver.objective_value))
        if status != cp_model.OPTIMAL:
            break
    return Outcome(triples=sorted(best), proved=(proved[0], proved[1], proved[2]), stopped=stopped)
