"""Level 4, mixing: fewer pairs of groups that share a table in more than one round.

Local search that only re-times visits (a visit moves to another round of the same table, or
two groups at one table swap rounds), so who meets which table, and with it levels 1-3, stays
exactly as it is. A move is taken only if it lowers the number of repeated pairs.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from itertools import combinations

from rotations.solver.indexed import bits
from rotations.solver.layout import Schedule

Pair = tuple[int, int]


def _pair(a: int, b: int) -> Pair:
    return (a, b) if a < b else (b, a)


def reduce_repeats(
    schedule: Schedule,
    *,
    deadline: float,
    should_stop: Callable[[], bool] | None = None,
    max_passes: int = 30,
) -> bool:
    """Improve mixing in place; True if ``should_stop`` ended it early."""
    ix = schedule.ix
    meetings: Counter[Pair] = Counter()
    for rows in schedule.hosts:
        for hosted in rows:
            for a, b in combinations(hosted, 2):
                meetings[_pair(a, b)] += 1

    def gain(changes: Counter[Pair]) -> int:
        """How many repeated pairs the changes remove (negative: add)."""
        total = 0
        for pair, delta in changes.items():
            before = meetings[pair]
            total += (before >= 2) - (before + delta >= 2)
        return total

    def leave_join(g: int, t: int, r_from: int, r_to: int, skip: int, out: Counter[Pair]) -> None:
        for h in schedule.hosts[t][r_from]:
            if h != g:
                out[_pair(g, h)] -= 1
        for h in schedule.hosts[t][r_to]:
            if h != skip:
                out[_pair(g, h)] += 1

    def apply(changes: Counter[Pair]) -> None:
        for pair, delta in changes.items():
            meetings[pair] += delta

    def try_move(g: int, t: int, r: int) -> bool:
        """Move g's visit to t away from round r, if that lowers the repeats."""
        best: tuple[int, int, int] | None = None  # (gain, round, partner or -1)
        for q in bits(ix.group_mask[g] & ix.table_mask[t]):
            if q == r or schedule.at[g][q] >= 0:
                continue
            hosted = schedule.hosts[t][q]
            if len(hosted) < ix.capacity[t]:
                changes: Counter[Pair] = Counter()
                leave_join(g, t, r, q, -1, changes)
                candidate = (gain(changes), q, -1)
                if candidate[0] > 0 and (best is None or candidate[0] > best[0]):
                    best = candidate
            for k in hosted:
                if schedule.at[k][r] >= 0 or not (ix.group_mask[k] >> r) & 1:
                    continue
                if (q, k, t) in schedule.pinned:
                    continue
                changes = Counter()
                leave_join(g, t, r, q, k, changes)
                leave_join(k, t, q, r, g, changes)
                candidate = (gain(changes), q, k)
                if candidate[0] > 0 and (best is None or candidate[0] > best[0]):
                    best = candidate
        if best is None:
            return swap_own_rounds(g, t, r)
        _, q, k = best
        changes = Counter()
        leave_join(g, t, r, q, k, changes)
        if k >= 0:
            leave_join(k, t, q, r, g, changes)
            schedule.remove(q, k, t)
        schedule.remove(r, g, t)
        schedule.place(q, g, t)
        if k >= 0:
            schedule.place(r, k, t)
        apply(changes)
        return True

    def swap_own_rounds(g: int, t: int, r: int) -> bool:
        """Swap the rounds of g's visit to t in r and another of its visits, if both tables
        have room and it lowers the repeats."""
        for q in bits(ix.group_mask[g] & ix.table_mask[t]):
            other = schedule.at[g][q]
            if q == r or other < 0 or (q, g, other) in schedule.pinned:
                continue
            if not (ix.table_mask[other] >> r) & 1:
                continue
            if len(schedule.hosts[t][q]) >= ix.capacity[t]:
                continue
            if len(schedule.hosts[other][r]) >= ix.capacity[other]:
                continue
            changes: Counter[Pair] = Counter()
            leave_join(g, t, r, q, -1, changes)
            leave_join(g, other, q, r, -1, changes)
            if gain(changes) <= 0:
                continue
            schedule.remove(r, g, t)
            schedule.remove(q, g, other)
            schedule.place(q, g, t)
            schedule.place(r, g, other)
            apply(changes)
            return True
        return False

    for _ in range(max_passes):
        improved = False
        for pair in sorted(p for p, count in meetings.items() if count >= 2):
            if meetings[pair] < 2:
                continue
            if time.monotonic() > deadline:
                return False
            if should_stop is not None and should_stop():
                return True
            a, b = pair
            for r, t in enumerate(schedule.at[a]):
                if t < 0 or b not in schedule.hosts[t][r]:
                    continue
                moved = False
                for g in (a, b):
                    if (r, g, t) not in schedule.pinned and try_move(g, t, r):
                        moved = True
                        break
                if moved:
                    improved = True
                    break
        if not improved:
            break
    return False


def balance_tables(
    schedule: Schedule,
    *,
    deadline: float,
    should_stop: Callable[[], bool] | None = None,
    max_passes: int = 10,
) -> bool:
    """Level 5, balance: move visits from busier to quieter tables in place; True if
    ``should_stop`` ended it early.

    A visit moves to another table in the same round only if the group has not visited it,
    the pair is worth the same (so affinity and met-before visits stay as they are, with
    levels 1-3) and no pair of groups is newly repeated (level 4 cannot get worse). Each move
    lowers the sum of squared visits per table, so the pass ends.
    """
    ix = schedule.ix
    load = [sum(len(hosted) for hosted in rows) for rows in schedule.hosts]
    meetings: Counter[Pair] = Counter()
    for rows in schedule.hosts:
        for hosted in rows:
            for a, b in combinations(hosted, 2):
                meetings[_pair(a, b)] += 1
    eligible = [set(tables) for tables in ix.eligible]
    for _ in range(max_passes):
        moved = False
        # Quietest first; loads change during a pass, so this order is only where to look.
        quiet = sorted(range(len(load)), key=lambda t: (load[t], t))
        # Per round, the tables with room, quietest first (a full event has none: no work).
        roomy = [
            [
                u
                for u in quiet
                if (ix.table_mask[u] >> r) & 1 and len(schedule.hosts[u][r]) < ix.capacity[u]
            ]
            for r in range(ix.rounds + 1)
        ]
        for t in reversed(quiet):
            for r in range(1, ix.rounds + 1):
                if not roomy[r]:
                    continue
                for g in list(schedule.hosts[t][r]):
                    if time.monotonic() > deadline:
                        return False
                    if should_stop is not None and should_stop():
                        return True
                    if (r, g, t) in schedule.pinned:
                        continue
                    if _move_to_quieter(schedule, load, meetings, roomy[r], eligible[g], g, t, r):
                        moved = True
        if not moved:
            break
    return False


def _move_to_quieter(
    schedule: Schedule,
    load: list[int],
    meetings: Counter[Pair],
    roomy: list[int],
    eligible: set[int],
    g: int,
    t: int,
    r: int,
) -> bool:
    ix = schedule.ix
    value = ix.pair_value(g, t)
    for other in roomy:
        if load[other] + 1 >= load[t]:
            return False
        if (
            other not in eligible
            or other in schedule.visited[g]
            or len(schedule.hosts[other][r]) >= ix.capacity[other]
            or ix.pair_value(g, other) != value
        ):
            continue
        changes: Counter[Pair] = Counter()
        for h in schedule.hosts[t][r]:
            if h != g:
                changes[_pair(g, h)] -= 1
        for h in schedule.hosts[other][r]:
            changes[_pair(g, h)] += 1
        if any(meetings[pair] + delta >= 2 > meetings[pair] for pair, delta in changes.items()):
            continue
        schedule.remove(r, g, t)
        schedule.place(r, g, other)
        for pair, delta in changes.items():
            meetings[pair] += delta
        load[t] -= 1
        load[other] += 1
        return True
    return False
