"""Exact when small: one CP-SAT model of the whole problem, solved level by level.

For a small event (at most ``MAX_TRIPLES`` eligible (round, group, table) triples and
``MAX_MEETINGS`` possible meetings of two groups at a shared table) the schedule of the fast
path (flows, layout, search, mixing) is the hint of an exact model over every eligible
triple. Levels 1-4 -- fairness, visits, value, mixing -- are optimised one after another,
each with the levels above it fixed at their proved optimum, so a level counts as proved only
when every level above it is. A level whose value already meets a bound (the flow bounds of
levels 1 and 2, no repeated pair for level 4) is fixed without a search, and levels 1-3 of a
fast path that proved them (status ``OPTIMAL``) are fixed as they are.

The search uses one CP-SAT worker: a multi-worker search is only reproducible with
``interleave_search``, which made these models several times slower, while one worker
proves them in about the same time as several and gives the same schedule for the same seed
(unless the time limit cuts it short). Level 5 (balance) is improved afterwards by
``mixing.balance_tables``, which keeps levels 1-4 as they are.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import combinations

from ortools.sat.python import cp_model

from rotations.solver.bounds import build_relaxation, fairness_bound, visits_bound
from rotations.solver.cpsat import eligible_triples, run
from rotations.solver.indexed import Indexed, bits, index_problem
from rotations.solver.layout import Schedule
from rotations.solver.metrics import Figures, figures
from rotations.solver.mixing import balance_tables
from rotations.solver.problem import Level, Problem, Progress, Solution, Status

Triple = tuple[int, int, int]

# The largest model solved exactly: eligible (round, group, table) triples, and possible
# meetings (two groups at one table with room for both, in a round both can be there).
# Measured (``make bench``, windowed events of ``benchmarks/synthetic.py``): up to about
# 1,300 triples and 4,300 meetings (practice-140, 15 tables x 20 groups x 8 rounds) levels
# 1-4 are proved in 0.5-2 s with one worker; at 3,100-3,600 triples and 25,000-33,000
# meetings (20 tables x 30 groups x 12 rounds) value or mixing is still unproved after 10 s.
MAX_TRIPLES = 1_500
MAX_MEETINGS = 6_000

LEVELS = (Level.FAIRNESS, Level.VISITS, Level.VALUE, Level.MIXING)


def size(ix: Indexed) -> tuple[int, int]:
    """(eligible triples, possible meetings) of ``ix``, counted without building either."""
    triples = 0
    per_table: list[list[int]] = [[] for _ in ix.tables]
    for g, tables in enumerate(ix.eligible):
        for t in tables:
            triples += (ix.group_mask[g] & ix.table_mask[t]).bit_count()
            if ix.capacity[t] > 1:
                per_table[t].append(g)
    meetings = 0
    for t, groups in enumerate(per_table):
        for r in bits(ix.table_mask[t]):
            here = sum(1 for g in groups if (ix.group_mask[g] >> r) & 1)
            meetings += here * (here - 1) // 2
    return triples, meetings


def is_small(ix: Indexed) -> bool:
    """``ix`` fits the exact model (see ``MAX_TRIPLES`` and ``MAX_MEETINGS``). A large event is
    told at once: counting stops past ``MAX_TRIPLES`` (a full count at 40,000 clinicians
    takes seconds)."""
    triples = 0
    for g, tables in enumerate(ix.eligible):
        triples += sum((ix.group_mask[g] & ix.table_mask[t]).bit_count() for t in tables)
        if triples > MAX_TRIPLES:
            return False
    triples, meetings = size(ix)
    return triples <= MAX_TRIPLES and meetings <= MAX_MEETINGS


def proved_levels(solution: Solution) -> tuple[Level, ...]:
    """The levels a fast-path ``solution`` proves: levels 1-3 when it is ``OPTIMAL``, and
    mixing too when it has no repeated pair (nothing can have fewer)."""
    if solution.status is not Status.OPTIMAL or solution.stopped:
        return ()
    if solution.repeated_pairs == 0:
        return LEVELS
    return LEVELS[:3]


def settle(solution: Solution) -> Solution:
    """``solution`` as ``solve`` returns it: no proved level once stopped or infeasible, and
    those of ``proved_levels`` where the phases before set none."""
    if solution.stopped or solution.status is Status.INFEASIBLE:
        return replace(solution, proved_levels=())
    if solution.proved_levels:
        return solution
    return replace(solution, proved_levels=proved_levels(solution))


@dataclass(slots=True)
class Outcome:
    triples: list[Triple]
    # How many of levels 1-4, from the top, are proved optimal.
    proved: int
    stopped: bool


def finish(
    problem: Problem,
    solution: Solution,
    *,
    deadline: float,
    seed: int,
    indexed: Indexed | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Solution:
    """``solution`` of ``problem`` (not a re-plan) from the fast path, with ``proved_levels``
    set; for a small problem first improved by the exact model until every level 1-4 is
    proved, ``deadline`` or ``should_stop`` (which leaves it ``stopped``). ``indexed`` is the
    problem as the fast path indexed it, if it did (indexing a large event takes seconds)."""
    if solution.status is Status.INFEASIBLE or solution.stopped:
        return solution
    fast = proved_levels(solution)
    ix = indexed if indexed is not None else index_problem(problem)
    if len(fast) == len(LEVELS) or not is_small(ix):
        return replace(solution, proved_levels=fast)
    started = time.monotonic()
    relaxation = build_relaxation(ix)
    possible = relaxation.possible
    start = sorted(
        (v.round, ix.group_index[v.group], ix.table_index[v.table]) for v in solution.visits
    )
    bounds = (fairness_bound(ix, relaxation), visits_bound(ix, relaxation))
    outcome = improve(
        ix,
        possible,
        start,
        proved=len(fast),
        bounds=bounds,
        deadline=deadline,
        seed=seed,
        should_stop=should_stop,
    )
    schedule = Schedule.empty(ix)
    for r, g, t in outcome.triples:
        if (r, g, t) not in schedule.pinned:
            schedule.place(r, g, t)
    stopped = outcome.stopped or balance_tables(
        schedule, deadline=deadline, should_stop=should_stop
    )
    triples = schedule.triples()
    fig = figures(ix, triples, possible)
    proved = () if stopped else LEVELS[: outcome.proved]
    if on_progress is not None:
        on_progress(
            Progress(
                1.0,
                f"{fig.visits} of at most {solution.visits_upper_bound} visits; "
                f"proved: {', '.join(proved) or 'none'}",
                fig.visits,
                solution.visits_upper_bound,
            )
        )
    return replace(
        solution,
        status=Status.OPTIMAL if len(proved) >= 3 else Status.FEASIBLE,
        visits=tuple(sorted(ix.visit(*key) for key in triples)),
        min_share=float(fig.min_share),
        affinity=fig.affinity,
        met_before_revisits=fig.met_before_revisits,
        repeated_pairs=fig.repeated_pairs,
        table_spread=fig.table_spread,
        solve_seconds=solution.solve_seconds + time.monotonic() - started,
        stopped=stopped,
        proved_levels=proved,
    )


def improve(
    ix: Indexed,
    possible: list[int],
    start: list[Triple],
    *,
    proved: int = 0,
    bounds: tuple[Fraction, int] | None = None,
    deadline: float,
    seed: int,
    should_stop: Callable[[], bool] | None = None,
) -> Outcome:
    """The best schedule of levels 1-4, one level at a time, from the valid schedule
    ``start`` whose first ``proved`` levels are known to be optimal. ``bounds`` (min share,
    visits) are upper bounds of levels 1 and 2: a level that meets its bound is fixed without
    a search. Each search is hinted with the best schedule so far, so a cut-short search
    still leaves a valid one."""
    model, x, by_group, by_table_round = _hard_rules(ix, eligible_triples(ix))

    # Level 1: min share = z / scale exactly, scale a multiple of every possible count.
    scale = math.lcm(*(p for p in possible if p > 0)) if any(possible) else 1
    z = model.new_int_var(0, scale, "share")
    for g, p in enumerate(possible):
        if p > 0:
            model.add(scale * sum(by_group.get(g, [])) >= p * z)
    visits = sum(x.values())
    value = sum(ix.pair_value(g, t) * var for (_, g, t), var in x.items())

    def levels(fig: Figures) -> tuple[int, int, int, int]:
        """Levels 1-4 of a schedule as the model's objectives (the last to minimise)."""
        return (int(fig.min_share * scale), fig.visits, fig.value, fig.repeated_pairs)

    best = list(start)
    current = levels(figures(ix, best, possible))
    top = (math.floor(bounds[0] * scale), bounds[1]) if bounds is not None else (scale, len(x))
    objectives: list[cp_model.LinearExprT] = [z, visits, value]
    done = 0
    stopped = False
    for level in range(len(LEVELS)):
        if level == 3:
            # Level 4 only now: its many extra bools would slow the searches above.
            objectives.append(_repeated_pairs(model, ix, x, by_table_round))
        objective = objectives[level]
        at_bound = (
            level < proved
            or (level < 2 and current[level] >= top[level] and done == level)
            or (level == 3 and current[3] == 0 and done == level)
        )
        if not at_bound:
            left = deadline - time.monotonic()
            if left <= 0.05:
                break
            found = None
            if level == 3:
                # First re-time the visits of the best schedule alone (a much smaller model):
                # often enough for no repeated pair, which nothing can beat.
                retimed = _retime(ix, best, left / 2, seed, should_stop)
                if retimed is not None:
                    candidate = levels(figures(ix, retimed[0], possible))
                    if _better(candidate, current):
                        best, current = retimed[0], candidate
                    if current[3] == 0 or retimed[1]:
                        found = (best, current[3] == 0, retimed[1])
                left = deadline - time.monotonic()
            if found is None:
                found = _search(model, x, objective, level == 3, best, left, seed, should_stop)
            if found is None:
                break
            triples, optimal, stopped = found
            candidate = levels(figures(ix, triples, possible))
            if _better(candidate, current):
                best, current = triples, candidate
            if not optimal or stopped:
                break
        if isinstance(objective, int):
            pass  # no pair can repeat: nothing to fix
        elif level == 3:
            model.add(objective <= current[level])
        else:
            model.add(objective >= current[level])
        if done == level:
            done += 1
    return Outcome(sorted(best), done, stopped)


def _hard_rules(
    ix: Indexed, keys: list[Triple]
) -> tuple[
    cp_model.CpModel,
    dict[Triple, cp_model.IntVar],
    dict[int, list[cp_model.IntVar]],
    dict[tuple[int, int], list[Triple]],
]:
    """A model of rules 1-3 and 6 over ``keys``, a bool per (round, group, table): (model,
    the bools, the bools of each group, the triples of each (table, round))."""
    model = cp_model.CpModel()
    x = {key: model.new_bool_var("") for key in keys}
    by_group_round: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    by_table_round: dict[tuple[int, int], list[Triple]] = {}
    by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    by_group: dict[int, list[cp_model.IntVar]] = {}
    for (r, g, t), var in x.items():
        by_group_round.setdefault((g, r), []).append(var)
        by_table_round.setdefault((t, r), []).append((r, g, t))
        by_pair.setdefault((g, t), []).append(var)
        by_group.setdefault(g, []).append(var)
    for group_vars in by_group_round.values():
        model.add_at_most_one(group_vars)
    for pair_vars in by_pair.values():
        model.add_at_most_one(pair_vars)
    for (t, _), seat in by_table_round.items():
        if len(seat) > ix.capacity[t]:
            model.add(sum(x[key] for key in seat) <= ix.capacity[t])
    for pin in ix.pins:
        if pin in x:
            model.add(x[pin] == 1)
    return model, x, by_group, by_table_round


def _retime(
    ix: Indexed,
    best: list[Triple],
    left: float,
    seed: int,
    should_stop: Callable[[], bool] | None,
) -> tuple[list[Triple], bool] | None:
    """``best`` with its visits in the rounds that repeat the fewest group pairs, every
    (group, table) pair of it met exactly once, so levels 1-3 stay as they are: (triples,
    stopped), or None if nothing was found."""
    pairs = {(g, t) for _, g, t in best}
    keys = [(r, g, t) for r, g, t in eligible_triples(ix, pairs)]
    model, x, _, by_table_round = _hard_rules(ix, keys)
    by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for (_, g, t), var in x.items():
        by_pair.setdefault((g, t), []).append(var)
    for pair_vars in by_pair.values():
        model.add_exactly_one(pair_vars)
    repeated = _repeated_pairs(model, ix, x, by_table_round)
    if isinstance(repeated, int):
        return best, False
    found = _search(model, x, repeated, True, best, left, seed, should_stop)
    return None if found is None else (found[0], found[2])


def _better(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return (a[0], a[1], a[2], -a[3]) > (b[0], b[1], b[2], -b[3])


def _repeated_pairs(
    model: cp_model.CpModel,
    ix: Indexed,
    x: dict[Triple, cp_model.IntVar],
    by_table_round: dict[tuple[int, int], list[Triple]],
) -> cp_model.LinearExprT:
    """Level 4 in ``model``: the number of group pairs that share a table in two or more
    rounds. ``met[a, b, t]`` is at least 1 when a and b are at t in one round (each visits t
    at most once, so once); a pair is repeated when its meetings add up to 2 or more."""
    met: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for (t, _), seat in sorted(by_table_round.items()):
        if ix.capacity[t] < 2:
            continue
        for (r, a, _), (_, b, _) in combinations(sorted(seat, key=lambda key: key[1]), 2):
            key = (a, b, t)
            if key not in met:
                met[key] = model.new_bool_var("")
            model.add_bool_or([met[key], ~x[r, a, t], ~x[r, b, t]])
    by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for (a, b, _), var in met.items():
        by_pair.setdefault((a, b), []).append(var)
    flags = []
    for tables in by_pair.values():
        if len(tables) < 2:
            continue
        # Repeated as soon as two of the tables are shared: one clause per two tables is
        # a much tighter model than one sum with a big coefficient.
        flag = model.new_bool_var("")
        for first, second in combinations(tables, 2):
            model.add_bool_or([flag, ~first, ~second])
        flags.append(flag)
    return sum(flags)


def _search(
    model: cp_model.CpModel,
    x: dict[Triple, cp_model.IntVar],
    objective: cp_model.LinearExprT,
    minimise: bool,
    hint: list[Triple],
    left: float,
    seed: int,
    should_stop: Callable[[], bool] | None,
) -> tuple[list[Triple], bool, bool] | None:
    """One level: (triples, proved optimal, stopped), or None if nothing was found."""
    model.clear_hints()  # type: ignore[no-untyped-call]
    chosen = set(hint)
    for key, var in x.items():
        model.add_hint(var, key in chosen)
    if minimise:
        model.minimize(objective)
    else:
        model.maximize(objective)
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 1
    # The deterministic limit keeps the result independent of machine load while the wall
    # limit is kept.
    solver.parameters.max_deterministic_time = left
    solver.parameters.max_time_in_seconds = left
    status, stopped = run(solver, model, should_stop)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    triples = sorted(key for key, var in x.items() if solver.boolean_value(var))
    return triples, status == cp_model.OPTIMAL, stopped
