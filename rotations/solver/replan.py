"""Re-planning a published schedule on the day, from round ``replan_from_round`` (N) on.

Rounds before N happened. ``base_problem`` makes that hold by construction: their published
visits become pins, and each table and group is there in a round before N only if it has
a published visit in it, so no visit can be added to those rounds (a group there is busy at
its published table; a group not there cannot come). Rounds from N on keep the problem's
availability, which already says who did not come or came late.

Two strategies for the rounds from N (see ``Strategy``):

- fewest changes (``fewest_changes``): every published visit from N that is still valid
  stays; only the open slots (a group there in a round, with no visit left in it) get new
  visits, at tables with a free seat, chosen by an exact CP-SAT model over those slots only,
  level by level: fairness, visits, value, mixing. No kept visit moves.
- best (``stable_problem`` + ``keep_rounds``): the rounds from N are solved again as
  ``solve`` does; published pairs break ties inside level 3 (value), and afterwards a group's
  visits are re-timed back to their published rounds where that leaves levels 1-5 unchanged.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from itertools import combinations

from ortools.sat.python import cp_model

from rotations.solver.bounds import build_relaxation, fairness_bound, visits_bound
from rotations.solver.checks import frozen_visits
from rotations.solver.cpsat import run
from rotations.solver.indexed import Indexed, bits, index_problem
from rotations.solver.metrics import figures, to_solution
from rotations.solver.problem import Problem, Progress, Solution, Status, may_visit

Triple = tuple[int, int, int]

# The share of a best re-plan's time left after the search for ``keep_rounds``.
KEEP_ROUNDS_SHARE = 0.1


def base_problem(problem: Problem) -> Problem:
    """``problem`` as a plain problem whose every schedule keeps the rounds before N exactly
    as published: those visits pinned, tables and groups before N there only where they have
    one. Pins from N on stay; pins before N are the published visits (``pin_conflicts``
    reports any other)."""
    start = problem.replan_from_round
    assert start is not None
    frozen = frozen_visits(problem)
    past: dict[str, set[int]] = defaultdict(set)
    for visit in frozen:
        past[visit.group].add(visit.round)
        past[visit.table].add(visit.round)

    def window(item_id: str, available: frozenset[int] | None) -> frozenset[int]:
        later = range(start, problem.rounds + 1) if available is None else available
        return frozenset(past[item_id] | {r for r in later if r >= start})

    return replace(
        problem,
        tables=tuple(
            replace(table, available_rounds=window(table.id, table.available_rounds))
            for table in problem.tables
        ),
        groups=tuple(
            replace(group, available_rounds=window(group.id, group.available_rounds))
            for group in problem.groups
        ),
        pinned=tuple(sorted({*frozen, *(pin for pin in problem.pinned if pin.round >= start)})),
        previous=(),
        replan_from_round=None,
    )


def stable_problem(problem: Problem, base: Problem) -> Problem:
    """``base`` with values that break ties in favour of published pairs: each visit's value
    becomes K times its value plus 1 for a published (group, table) pair from N on, with K
    above the number of such pairs, so a schedule with a higher value still always wins.

    Written as affinity and met-before (value = 2 x weight + 1 unless met before): K is
    even, every pair gets weight K x value / 2, and exactly the published pairs are new."""
    start = problem.replan_from_round
    assert start is not None
    ix = index_problem(base)
    prefer = {(v.group, v.table) for v in problem.previous if v.round >= start}
    k = 2 * (len(prefer) + 1)
    affinity = []
    met_before = set()
    for g, group in enumerate(base.groups):
        for t, table in enumerate(base.tables):
            weight = k * ix.pair_value(g, t) // 2
            if weight:
                affinity.append((group.id, table.id, weight))
            if (group.id, table.id) not in prefer:
                met_before.add((group.id, table.id))
    return replace(
        base, affinity=tuple(affinity), met_before=frozenset(met_before), met_before_weights=()
    )


def restate(
    problem: Problem,
    base: Problem,
    solution: Solution,
    *,
    keep: bool,
    deadline: float = math.inf,
    should_stop: Callable[[], bool] | None = None,
) -> Solution:
    """``solution`` of ``stable_problem`` with its figures on the real values; with ``keep``,
    its visits first re-timed by ``keep_rounds`` until ``deadline`` or ``should_stop``
    (which, as in every phase, leaves the schedule ``stopped`` and not ``OPTIMAL``)."""
    if solution.status is Status.INFEASIBLE:
        return solution
    ix = index_problem(base)
    triples = [(v.round, ix.group_index[v.group], ix.table_index[v.table]) for v in solution.visits]
    stopped = False
    if keep:
        triples, stopped = keep_rounds(
            ix, triples, _published(problem, ix), deadline=deadline, should_stop=should_stop
        )
    fig = figures(ix, triples, build_relaxation(ix).possible)
    return replace(
        solution,
        status=Status.FEASIBLE if stopped else solution.status,
        visits=tuple(sorted(ix.visit(*key) for key in triples)),
        affinity=fig.affinity,
        met_before_revisits=fig.met_before_revisits,
        repeated_pairs=fig.repeated_pairs,
        table_spread=fig.table_spread,
        stopped=solution.stopped or stopped,
    )


def keep_rounds(
    ix: Indexed,
    triples: list[Triple],
    published: set[Triple],
    *,
    deadline: float = math.inf,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[list[Triple], bool]:
    """Swap the rounds of two of a group's visits (neither pinned) when that puts one of them
    back in its published round, the rules allow it and repeated pairs do not grow. Tables
    keep their visits, so levels 1-3 and 5 are unchanged.

    Passes over the schedule until one swaps nothing, counting repeated pairs incrementally
    (the meetings a swap removes and adds). Before each swap it tries, it stops at
    ``deadline`` or once ``should_stop`` returns True, keeping the swaps made so far:
    (triples, True if ``should_stop`` ended it)."""
    pinned = set(ix.pins)
    published_round = {(g, t): r for r, g, t in published}
    schedule = set(triples)
    load = Counter((r, t) for r, _, t in schedule)
    at = {(r, g): t for r, g, t in schedule}
    hosted: defaultdict[tuple[int, int], set[int]] = defaultdict(set)  # (round, table): groups
    for r, g, t in schedule:
        hosted[r, t].add(g)
    meetings: Counter[tuple[int, int]] = Counter()  # group pair: (round, table)s shared
    for groups in hosted.values():
        meetings.update(combinations(sorted(groups), 2))

    def move(g: int, t: int, r_from: int, r_to: int, changes: Counter[tuple[int, int]]) -> None:
        """The meetings that change when g's visit to t moves from round r_from to r_to."""
        for h in hosted[r_from, t]:
            if h != g:
                changes[min(g, h), max(g, h)] -= 1
        for h in hosted[r_to, t]:
            if h != g:
                changes[min(g, h), max(g, h)] += 1

    improved = True
    while improved:
        improved = False
        for r_now, g, t in sorted(schedule):
            if (r_now, g, t) not in schedule:
                continue
            r_old = published_round.get((g, t))
            if r_old is None or r_old == r_now or (r_now, g, t) in pinned:
                continue
            other = at.get((r_old, g))
            if other is not None and (r_old, g, other) in pinned:
                continue
            if not ix.group_mask[g] >> r_old & 1 or not ix.table_mask[t] >> r_old & 1:
                continue
            if load[r_old, t] >= ix.capacity[t]:
                continue
            if other is not None and (
                not ix.table_mask[other] >> r_now & 1 or load[r_now, other] >= ix.capacity[other]
            ):
                continue
            if time.monotonic() > deadline:
                return sorted(schedule), False
            if should_stop is not None and should_stop():
                return sorted(schedule), True
            changes: Counter[tuple[int, int]] = Counter()
            move(g, t, r_now, r_old, changes)
            if other is not None:
                move(g, other, r_old, r_now, changes)
            added = sum(
                (meetings[pair] + delta >= 2) - (meetings[pair] >= 2)
                for pair, delta in changes.items()
            )
            if added > 0:
                continue
            # Keep going through this pass with the swap applied.
            for pair, delta in changes.items():
                meetings[pair] += delta
            swapped = [(r_now, r_old, t)] + ([] if other is None else [(r_old, r_now, other)])
            del at[r_now, g]
            for r_from, r_to, table in swapped:
                schedule.remove((r_from, g, table))
                schedule.add((r_to, g, table))
                load[r_from, table] -= 1
                load[r_to, table] += 1
                hosted[r_from, table].remove(g)
                hosted[r_to, table].add(g)
                at[r_to, g] = table
            improved = True
    return sorted(schedule), False


def fewest_changes(
    problem: Problem,
    base: Problem,
    *,
    deadline: float,
    seed: int,
    num_workers: int,
    on_progress: Callable[[Progress], None] | None,
    should_stop: Callable[[], bool] | None,
) -> Solution:
    """The fewest-changes re-plan of ``problem`` (``base`` from ``base_problem``): the valid
    published visits from N kept, the open slots filled best. Status ``OPTIMAL`` means no
    better fill exists; the upper bounds are those of a re-plan free to move everyone."""
    started = time.monotonic()
    ix = index_problem(base)
    rel = build_relaxation(ix)
    fixed = _kept(problem, ix)
    busy = {(r, g) for r, g, _ in fixed}
    met = {(g, t) for _, g, t in fixed}
    load = Counter((r, t) for r, _, t in fixed)
    candidates = [
        (r, g, t)
        for g in range(len(ix.groups))
        for r in bits(ix.group_mask[g])
        if (r, g) not in busy
        for t in ix.eligible[g]
        if ix.table_mask[t] >> r & 1 and (g, t) not in met and load[r, t] < ix.capacity[t]
    ]
    if on_progress is not None:
        on_progress(Progress(0.1, f"{len(fixed)} visits kept; filling the open seats"))
    added, proved, stopped = _fill(
        ix,
        rel.possible,
        fixed,
        candidates,
        deadline=deadline,
        seed=seed,
        num_workers=num_workers,
        should_stop=should_stop,
    )
    triples = sorted(fixed + added)
    fig = figures(ix, triples, rel.possible)
    bound = visits_bound(ix, rel)
    if on_progress is not None:
        on_progress(Progress(1.0, f"{fig.visits} of at most {bound} visits", fig.visits, bound))
    return to_solution(
        tuple(ix.visit(*key) for key in triples),
        fig,
        bound=bound,
        share_bound=float(fairness_bound(ix, rel, should_stop)),
        proved=proved,
        stopped=stopped,
        seconds=time.monotonic() - started,
    )


def with_changes(problem: Problem, solution: Solution) -> Solution:
    """``solution`` with ``changed_visits``, ``changed_groups`` and ``kept_visits`` against
    the published schedule, from ``replan_from_round`` on (see ``Solution``)."""
    start = problem.replan_from_round
    if start is None:
        return solution
    before: dict[tuple[int, str], set[str]] = defaultdict(set)
    after: dict[tuple[int, str], set[str]] = defaultdict(set)
    for visit in problem.previous:
        if visit.round >= start:
            before[visit.round, visit.group].add(visit.table)
    for visit in solution.visits:
        if visit.round >= start:
            after[visit.round, visit.group].add(visit.table)
    changed = {slot for slot in before.keys() | after.keys() if before[slot] != after[slot]}
    kept = {v for v in problem.previous if v.round >= start} & set(solution.visits)
    return replace(
        solution,
        changed_visits=len(changed),
        changed_groups=len({group for _, group in changed}),
        kept_visits=len(kept),
    )


def _published(problem: Problem, ix: Indexed) -> set[Triple]:
    start = problem.replan_from_round
    assert start is not None
    return {
        (v.round, ix.group_index[v.group], ix.table_index[v.table])
        for v in problem.previous
        if v.round >= start and v.group in ix.group_index and v.table in ix.table_index
    }


def _kept(problem: Problem, ix: Indexed) -> list[Triple]:
    """The pins (the published rounds before N among them), then each published visit from N
    that is still valid beside them: group and table there, tracks and locations allow it,
    the group free in that round and new to that table, a seat left. On a conflict the pin
    wins, then the earlier published visit."""
    fixed = sorted(set(ix.pins))
    busy = {(r, g) for r, g, _ in fixed}
    met = {(g, t) for _, g, t in fixed}
    load = Counter((r, t) for r, _, t in fixed)
    for r, g, t in sorted(_published(problem, ix)):
        if (
            ix.group_mask[g] >> r & 1
            and ix.table_mask[t] >> r & 1
            and may_visit(ix.groups[g], ix.tables[t])
            and (r, g) not in busy
            and (g, t) not in met
            and load[r, t] < ix.capacity[t]
        ):
            fixed.append((r, g, t))
            busy.add((r, g))
            met.add((g, t))
            load[r, t] += 1
    return fixed


def _fill(
    ix: Indexed,
    possible: list[int],
    fixed: list[Triple],
    candidates: list[Triple],
    *,
    deadline: float,
    seed: int,
    num_workers: int,
    should_stop: Callable[[], bool] | None,
) -> tuple[list[Triple], bool, bool]:
    """The best set of ``candidates`` to add to ``fixed``, one objective level at a time
    (min share, visits, value, then fewest repeated pairs): (added, levels 1-3 proved,
    stopped). Starts from adding nothing, so a cut-short search still leaves a valid fill."""
    if not candidates:
        return [], True, False
    model = cp_model.CpModel()
    x = {key: model.new_bool_var(f"x{key}") for key in candidates}
    by_slot: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    by_seat: dict[tuple[int, int], list[Triple]] = defaultdict(list)
    by_group: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for (r, g, t), var in x.items():
        by_slot[r, g].append(var)
        by_pair[g, t].append(var)
        by_seat[r, t].append((r, g, t))
        by_group[g].append(var)
    for slot_vars in by_slot.values():
        model.add_at_most_one(slot_vars)
    for pair_vars in by_pair.values():
        model.add_at_most_one(pair_vars)
    load = Counter((r, t) for r, _, t in fixed)
    for (r, t), seat in by_seat.items():
        model.add(sum(x[key] for key in seat) <= ix.capacity[t] - load[r, t])

    # Level 1: min share = z / scale exactly, scale a multiple of every possible count.
    have = Counter(g for _, g, _ in fixed)
    scale = math.lcm(*(p for p in possible if p > 0)) if any(possible) else 1
    z = model.new_int_var(0, scale, "share")
    for g, p in enumerate(possible):
        if p > 0:
            model.add(scale * (have[g] + sum(by_group[g])) >= p * z)
    visits = sum(x.values())
    value = sum(ix.pair_value(g, t) * var for (_, g, t), var in x.items())

    # Level 4: a group pair is repeated once it shares a table in two rounds.
    hosted: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r, g, t in fixed:
        hosted[r, t].append(g)
    meetings: Counter[tuple[int, int]] = Counter()
    for groups in hosted.values():
        meetings.update(combinations(sorted(groups), 2))
    terms: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (r, g, t), var in x.items():
        for h in hosted[r, t]:
            terms[min(g, h), max(g, h)].append(var)
    for seat in by_seat.values():
        for a, b in combinations(seat, 2):
            both = model.new_bool_var("")
            model.add(both >= x[a] + x[b] - 1)
            terms[min(a[1], b[1]), max(a[1], b[1])].append(both)
    repeated = []
    for pair, pair_terms in terms.items():
        if meetings[pair] >= 2:
            continue
        flag = model.new_bool_var("")
        model.add(meetings[pair] + sum(pair_terms) <= 1 + len(pair_terms) * flag)
        repeated.append(flag)

    best: list[Triple] = []
    proved = [False, False, False]
    stopped = False
    objectives = ((z, True), (visits, True), (value, True), (sum(repeated), False))
    for level, (objective, up) in enumerate(objectives):
        left = deadline - time.monotonic()
        if left <= 0.05 or stopped:
            break
        model.clear_hints()  # type: ignore[no-untyped-call]
        chosen = set(best)
        for key, var in x.items():
            model.add_hint(var, key in chosen)
        if up:
            model.maximize(objective)
        else:
            model.minimize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.random_seed = seed
        solver.parameters.num_workers = max(1, num_workers)
        solver.parameters.interleave_search = num_workers > 1
        solver.parameters.max_deterministic_time = left
        solver.parameters.max_time_in_seconds = left
        status, stopped = run(solver, model, should_stop)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        best = [key for key, var in x.items() if solver.boolean_value(var)]
        if level < 3:
            proved[level] = status == cp_model.OPTIMAL
        found = round(solver.objective_value)
        model.add(objective >= found if up else objective <= found)
        if status != cp_model.OPTIMAL:
            break
    return sorted(best), all(proved), stopped
