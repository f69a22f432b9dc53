"""Large-neighbourhood search for parts too big for one exact CP-SAT model.

Repeatedly free the visits of a few groups (one short of its quota, and the groups that hold
the table slots it could use), solve that small model exactly with CP-SAT, hinted with the
current schedule, and keep the result when it is better. The sub-model's objective is one
weighted sum that ranks, in order: visits counted up to each group's quota for the target
share (so every group brought nearer its quota counts, where the min share itself would move
only once all the worst-off groups move together), then visits, then value. Every freed group
keeps at least the quota of the current min share, so the min share never drops.

Deterministic for a seed: neighbourhoods come from a seeded ``random.Random``, sub-solves use
one worker and a deterministic time limit, and the search ends when its deterministic time
budget is spent, unless the wall-clock deadline or ``should_stop`` comes first.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from ortools.sat.python import cp_model

from rotations.solver.bounds import quota, share_of
from rotations.solver.cpsat import run
from rotations.solver.indexed import Indexed, bits
from rotations.solver.layout import Schedule

Triple = tuple[int, int, int]

# Groups freed at once: starts here, grows while sub-models solve to optimality quickly.
START_GROUPS = 8
MAX_GROUPS = 40
# Deterministic time for one sub-model (about seconds on an idle machine).
SUB_LIMIT = 1.0


@dataclass(slots=True)
class Outcome:
    triples: list[Triple]
    stopped: bool
    rounds: int  # neighbourhoods tried
    accepted: int


def improve(
    ix: Indexed,
    possible: list[int],
    start: list[Triple],
    *,
    target: Fraction,
    visits_bound: int,
    value_bound: int,
    deadline: float,
    seed: int,
    should_stop: Callable[[], bool] | None,
    on_solution: Callable[[], None],
) -> Outcome:
    """Improve ``start`` (which holds the pins) towards min share ``target``, then visits,
    then value, until those reach their bounds, or the time is spent."""
    rng = random.Random(seed)
    schedule = Schedule.empty(ix)
    for r, g, t in start:
        if (r, g, t) not in schedule.pinned:
            schedule.place(r, g, t)
    n_groups = len(ix.groups)
    quotas = [quota(target, p) for p in possible]
    counts = [schedule.count(g) for g in range(n_groups)]
    # Kept up to date as neighbourhoods are accepted: summing it over every visit each time
    # costs more than a small neighbourhood's solve at scale.
    value = sum(ix.pair_value(g, t) for _, g, t in schedule.triples())
    budget = max(0.0, deadline - time.monotonic())
    spent = 0.0
    size = START_GROUPS
    tried = accepted = 0
    stopped = False
    while spent < budget and time.monotonic() < deadline:
        if should_stop is not None and should_stop():
            stopped = True
            break
        short = [g for g in range(n_groups) if counts[g] < quotas[g]]
        visits = sum(counts)
        if not short and visits >= visits_bound and value >= value_bound:
            break
        freed = _neighbourhood(ix, schedule, rng, short, size)
        if not freed:
            break
        floor = share_of(counts, possible)
        result = _solve_neighbourhood(
            ix, schedule, possible, quotas, floor, freed, deadline, seed + tried, should_stop
        )
        tried += 1
        spent += result.deterministic_time
        if result.stopped:
            stopped = True
        if result.optimal and result.deterministic_time < SUB_LIMIT / 4:
            size = min(MAX_GROUPS, size + 2)
        elif not result.optimal:
            size = max(2, size - 2)
        if result.better is not None:
            for g in freed:
                for r, t in enumerate(schedule.at[g]):
                    if t >= 0 and (r, g, t) not in schedule.pinned:
                        schedule.remove(r, g, t)
                        value -= ix.pair_value(g, t)
            for r, g, t in result.better:
                schedule.place(r, g, t)
                value += ix.pair_value(g, t)
            for g in freed:
                counts[g] = schedule.count(g)
            accepted += 1
            on_solution()
        if stopped:
            break
    return Outcome(sorted(schedule.triples()), stopped, tried, accepted)


def _neighbourhood(
    ix: Indexed, schedule: Schedule, rng: random.Random, short: list[int], size: int
) -> list[int]:
    """A group short of its quota (or, once none is, any group with a free round) and the
    groups holding the slots it could use, up to ``size`` groups, ascending."""
    n_groups = len(ix.groups)
    if short:
        seed_group = rng.choice(short)
    else:
        free = [
            g
            for g in range(n_groups)
            if ix.eligible[g] and any(schedule.at[g][r] < 0 for r in bits(ix.group_mask[g]))
        ]
        pool = free or [g for g in range(n_groups) if ix.eligible[g]]
        if not pool:
            return []
        seed_group = rng.choice(pool)
    chosen = {seed_group}
    frontier = [seed_group]
    while frontier and len(chosen) < size:
        g = frontier.pop(0)
        # The groups in the way: at tables g has not visited, in rounds g is free.
        open_rounds = sum(1 << r for r in bits(ix.group_mask[g]) if schedule.at[g][r] < 0)
        holders: set[int] = set()
        for t in ix.eligible[g]:
            if t in schedule.visited[g]:
                continue
            for r in bits(open_rounds & ix.table_mask[t]):
                holders.update(schedule.hosts[t][r])
        # Other groups short of quota are worth freeing too.
        candidates = sorted(holders - chosen) + [h for h in short if h not in chosen][:3]
        rng.shuffle(candidates)
        for h in candidates:
            if len(chosen) >= size:
                break
            if h not in chosen:
                chosen.add(h)
                frontier.append(h)
    return sorted(chosen)


@dataclass(slots=True)
class _Result:
    better: list[Triple] | None  # the freed groups' new visits (pins excluded), if better
    optimal: bool
    deterministic_time: float
    stopped: bool


def _solve_neighbourhood(
    ix: Indexed,
    schedule: Schedule,
    possible: list[int],
    quotas: list[int],
    floor: Fraction,
    freed: list[int],
    deadline: float,
    seed: int,
    should_stop: Callable[[], bool] | None,
) -> _Result:
    freed_set = set(freed)
    model = cp_model.CpModel()
    x: dict[Triple, cp_model.IntVar] = {}
    current: set[Triple] = set()
    for g in freed:
        pinned_tables = {t for r, h, t in schedule.pinned if h == g}
        busy = 0
        for r, t in enumerate(schedule.at[g]):
            if t >= 0:
                if (r, g, t) in schedule.pinned:
                    busy |= 1 << r
                else:
                    current.add((r, g, t))
        for t in ix.eligible[g]:
            if t in pinned_tables:
                continue
            for r in bits(ix.group_mask[g] & ix.table_mask[t] & ~busy):
                fixed = sum(1 for h in schedule.hosts[t][r] if h not in freed_set)
                if fixed < ix.capacity[t]:
                    x[r, g, t] = model.new_bool_var("")
    by_group_round: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    by_slot: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    by_group: dict[int, list[cp_model.IntVar]] = {g: [] for g in freed}
    for (r, g, t), var in x.items():
        by_group_round.setdefault((g, r), []).append(var)
        by_pair.setdefault((g, t), []).append(var)
        by_slot.setdefault((t, r), []).append(var)
        by_group[g].append(var)
    for group_vars in by_group_round.values():
        model.add_at_most_one(group_vars)
    for pair_vars in by_pair.values():
        model.add_at_most_one(pair_vars)
    for (t, r), slot_vars in by_slot.items():
        room = ix.capacity[t] - sum(1 for h in schedule.hosts[t][r] if h not in freed_set)
        if len(slot_vars) > room:
            model.add(sum(slot_vars) <= room)
    pinned_count = {g: schedule.count(g) - sum(1 for _, h, _ in current if h == g) for g in freed}
    up_to_quota = []
    for g in freed:
        count = pinned_count[g] + sum(by_group[g])
        if possible[g] > 0:
            # The min share never drops: every freed group keeps the current floor.
            model.add(count >= quota(floor, possible[g]))
        capped = model.new_int_var(0, max(0, quotas[g]), "")
        model.add(capped <= count)
        up_to_quota.append(capped)
    # Small weights keep the sub-model easy: while a group is short of its quota the value is
    # left out (a candidate that loses value at equal quota and visits is not taken anyway).
    most_visits = sum(bin(ix.group_mask[g]).count("1") for g in freed) + 1
    if any(pinned_count[g] + sum(1 for _, h, _ in current if h == g) < quotas[g] for g in freed):
        model.maximize(most_visits * sum(up_to_quota) + sum(x.values()))
    else:
        top = max((ix.pair_value(g, t) for (_, g, t) in x), default=0)
        model.add(sum(up_to_quota) >= sum(min(quotas[g], schedule.count(g)) for g in freed))
        model.maximize(
            (top * most_visits + 1) * sum(x.values())
            + sum(ix.pair_value(g, t) * var for (_, g, t), var in x.items())
        )
    for key, var in x.items():
        model.add_hint(var, key in current)
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = SUB_LIMIT
    solver.parameters.max_time_in_seconds = max(0.01, deadline - time.monotonic())
    status, stopped = run(solver, model, should_stop)
    det = float(solver.deterministic_time) if status != cp_model.UNKNOWN else SUB_LIMIT / 10
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Result(None, False, det, stopped)
    found = [key for key, var in x.items() if solver.boolean_value(var)]
    before = _score(ix, quotas, pinned_count, current, freed)
    after = _score(ix, quotas, pinned_count, set(found), freed)
    better = sorted(found) if after > before else None
    return _Result(better, status == cp_model.OPTIMAL, det, stopped)


def _score(
    ix: Indexed,
    quotas: list[int],
    pinned_count: dict[int, int],
    triples: set[Triple],
    freed: list[int],
) -> tuple[int, int, int]:
    counts = dict(pinned_count)
    for _, g, _ in triples:
        counts[g] += 1
    return (
        sum(min(counts[g], quotas[g]) for g in freed),
        len(triples),
        sum(ix.pair_value(g, t) for _, g, t in triples),
    )
