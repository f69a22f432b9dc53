"""Forming the dinner groups: ``form_groups`` is the entry point.

Regions never share a group, so each region is formed on its own, smallest first, each with a
share of the time left by its size. A region of at most ``EXACT_MAX`` sign-ups is searched
exhaustively (a dynamic programme over subsets), so its groups are proved best. A larger one:

1. **Evenings.** The evening most of the region's people suit opens first and takes the most
   people who can be split into groups of ``min_size``..``max_size`` (a count like 9 for
   groups of 6 to 8 cannot: one is left over), those with the fewest other evenings first;
   then the next evening among the people left, until no evening has ``min_size`` of them.
2. **Filling.** Each evening's people go into as few groups as the sizes allow (so groups are
   large and even): one volunteer host each first where there are enough, then each person
   into the group with room where their pairs lose the least against pairs of new colleagues
   of different departments, specialties and sites, keeping "not with" apart. A large evening
   is filled ``PART_GROUPS`` groups at a time, each from its share of the evening's people in
   random order. A group left under ``min_size`` takes people from the larger ones or is
   dissolved.
3. **Improving.** Moves of one person to another group and swaps of two people between groups
   (across evenings too, when both suit the group's evening), whenever the value grows, until
   none does or the time is up. Each person's pair weight with each group is kept up to date
   as people move, so a move or swap is valued in a few look-ups, and a person looks again
   only at the groups that changed since they last looked. A region of more than
   ``PART_PEOPLE`` sign-ups is improved in parts of ``PART_GROUPS`` groups (one evening's
   groups together, then evenings mixed, in turn), each part until nothing improves, in
   rounds of new parts until a round adds little: a move is valued against 32 groups, not
   hundreds, and each part's people and groups are few.
4. **Placing more** (before and after step 3): people still unplaced join a group with room
   they fit, or one where a member can move to another group with room, or form a new group
   on a common evening, topped up from groups above ``min_size``.

A region of fewer than ``RESTART_PEOPLE / 2`` sign-ups is formed several times from different
random starts, keeping the best.

The random baseline is steps 1 and 2 with each person put into a random group with room
instead of the best (then any group with room they fit), no steps 3 and 4: a random valid
grouping of the same people by the same rules and nearly the same sizes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from rotations.solver.dinners.limits import check_dinners
from rotations.solver.dinners.problem import (
    MIX_DEPARTMENT,
    MIX_SITE,
    MIX_SPECIALTY,
    NEW,
    VOLUNTEER,
    DinnerGroup,
    DinnerIndex,
    DinnerProblem,
    Grouping,
    GroupingStatus,
    HostWish,
    Unplaced,
    count_pairs,
)
from rotations.solver.problem import Progress

# Regions of at most this many sign-ups are searched exhaustively.
EXACT_MAX = 10
# A region of fewer than RESTART_PEOPLE / 2 sign-ups is formed several times (at most
# RESTARTS, while the time lasts) from different random starts, keeping the best.
RESTARTS = 16
RESTART_PEOPLE = 400
# In a pass, a person tries moves to every group and swaps with the members of the few groups
# where their pairs are worth most.
SWAP_GROUPS = 16
# A region of more than PART_PEOPLE sign-ups is improved PART_GROUPS groups at a time (a move
# is valued against every group of the part), in at most PART_ROUNDS rounds of parts, until a
# round adds less than 1 / PART_GAIN to the value.
PART_PEOPLE = 600
PART_GROUPS = 32
PART_ROUNDS = 6
PART_GAIN = 100_000

# The most a pair is worth: new colleagues of different departments, specialties and sites.
FULL = NEW + MIX_DEPARTMENT + MIX_SPECIALTY + MIX_SITE

_HOST_RANK = {HostWish.YES: 0, HostWish.IF_NEEDED: 1, HostWish.NO: 2}


def form_groups(
    problem: DinnerProblem,
    *,
    time_limit_s: float = 30.0,
    seed: int = 0,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    exact_max: int = EXACT_MAX,
) -> Grouping:
    """Form the season's dinner groups.

    Every group lies in one region, has ``min_size``..``max_size`` members who all suit its
    evening, and keeps "not with" pairs apart (``problem.grouping_violations``). Groupings
    are compared on the people placed, then on ``grouping_value``: pairs of new colleagues
    (met pairs count for less, by their weight), mixed departments, specialties and sites, and
    a volunteer host per group. Each group gets a host (``_host``). People who cannot be placed
    are listed with the reason in words.

    ``new_pairs_upper_bound`` is true: no valid grouping has more pairs who never met.
    ``OPTIMAL`` means every region was searched exhaustively (``exact_max`` sign-ups or fewer).
    The time limit holds overall; ``should_stop`` is polled during the search, and once it
    returns True the regions left keep their starting groups (``stopped=True``). The same
    problem and seed give the same groups unless the time limit or a stop cuts a search
    short. ``on_progress`` hears after each region.

    A problem over the limits of ``dinners/limits.py`` raises ``DinnersTooLarge``.
    """
    started = time.monotonic()
    # What follows the search (describing the groups, the reasons) gets a small share.
    deadline = started + time_limit_s * 0.95
    check_dinners(problem)
    ix = DinnerIndex(problem)
    bound = new_pairs_bound(ix)
    regions = sorted(ix.regions.items(), key=lambda item: (len(item[1]), item[0]))
    left = sum(len(people) for _, people in regions) or 1
    blocks: list[list[int]] = []
    random_blocks: list[list[int]] = []
    exact = True
    stopped = False
    for number, (region, people) in enumerate(regions, start=1):
        now = time.monotonic()
        region_deadline = now + max(0.0, deadline - now) * len(people) / max(1, left)
        left -= len(people)
        rng = random.Random(f"{seed}:{region}")
        # The baseline first, so that the search's deadline covers it.
        baseline = _construct(ix, people, problem.min_size, problem.max_size, rng, best=False)
        baseline.insert_unplaced(rng, best=False)
        random_blocks.extend(group for group in baseline.groups if group)
        if len(people) <= exact_max:
            blocks.extend(_exact(ix, people, problem.min_size, problem.max_size))
        else:
            exact = False
            found: tuple[int, int, list[list[int]]] | None = None
            for attempt in range(max(1, min(RESTARTS, RESTART_PEOPLE // len(people)))):
                if attempt and (stopped or time.monotonic() > region_deadline):
                    break
                state = _construct(ix, people, problem.min_size, problem.max_size, rng, best=True)
                state.place_more(rng)
                if not stopped:
                    improve = _improve if len(people) <= PART_PEOPLE else _improve_in_parts
                    stopped = improve(state, rng, region_deadline, should_stop)
                state.place_more(rng)
                formed = [group for group in state.groups if group]
                count = sum(len(group) for group in formed)
                value = sum(ix.block_value(group) for group in formed)
                if found is None or (count, value) > found[:2]:
                    found = (count, value, formed)
            assert found is not None
            blocks.extend(found[2])
        if on_progress is not None:
            on_progress(
                Progress(
                    fraction=number / len(regions),
                    message=f'Region "{region}": {len(people):,} sign-ups grouped',
                )
            )

    groups = _describe(ix, blocks)
    placed = {i for block in blocks for i in block}
    unplaced = tuple(
        Unplaced(person=problem.people[i].id, reason=_reason(ix, i, blocks))
        for i in range(ix.n)
        if i not in placed
    )
    pairs, new_pairs = count_pairs(ix, blocks)
    random_pairs, random_new_pairs = count_pairs(ix, random_blocks)
    return Grouping(
        status=GroupingStatus.OPTIMAL if exact and not stopped else GroupingStatus.FEASIBLE,
        groups=groups,
        unplaced=unplaced,
        pairs=pairs,
        new_pairs=new_pairs,
        random_pairs=random_pairs,
        random_new_pairs=random_new_pairs,
        new_pairs_upper_bound=bound,
        value=sum(ix.block_value(block) for block in blocks),
        solve_seconds=time.monotonic() - started,
        stopped=stopped,
    )


def feasible_count(count: int, min_size: int, max_size: int) -> bool:
    """Whether ``count`` people split into groups of ``min_size``..``max_size``."""
    groups = -(-count // max_size)
    return count > 0 and groups * min_size <= count


def new_pairs_bound(ix: DinnerIndex) -> int:
    """At most this many pairs who never met share a group in any valid grouping: each person
    is in at most ``max_size - 1`` pairs, and only with people of their region who share an
    evening with them, never met them, and are not on their "not with" list."""
    most = ix.problem.max_size - 1
    masks = ix.mask
    total = 0
    for people in ix.regions.values():
        members = set(people)
        by_mask: dict[int, int] = {}
        for i in people:
            by_mask[masks[i]] = by_mask.get(masks[i], 0) + 1
        # Everyone of the region sharing an evening with each evening mask, themselves too.
        sharing = {
            mask: sum(count for other, count in by_mask.items() if other & mask) for mask in by_mask
        }
        for i in people:
            mask = masks[i]
            partners = sharing[mask] - 1
            met = ix.met_value[i]
            for j in met:
                if masks[j] & mask and j in members:
                    partners -= 1
            for j in ix.not_with[i]:
                if j not in met and masks[j] & mask and j in members:
                    partners -= 1
            total += min(most, max(0, partners))
    return total // 2


def _exact(ix: DinnerIndex, people: Sequence[int], min_size: int, max_size: int) -> list[list[int]]:
    """The best grouping of a few people, by a dynamic programme over subsets: the first
    person of each subset is either unplaced or in a group with some of the others."""
    n = len(people)
    block_cache: dict[int, int | None] = {}

    def block_value(block: int) -> int | None:
        if block not in block_cache:
            members = [people[b] for b in range(n) if block >> b & 1]
            valid = ix.common_mask(members) != 0 and not any(
                j in ix.not_with[i] for i in members for j in members
            )
            block_cache[block] = ix.block_value(members) if valid else None
        return block_cache[block]

    best: dict[int, tuple[int, int, tuple[int, ...]]] = {0: (0, 0, ())}

    def solve(mask: int) -> tuple[int, int, tuple[int, ...]]:
        if mask in best:
            return best[mask]
        low = mask & -mask
        rest = mask ^ low
        placed, value, blocks = solve(rest)
        result = (placed, value, blocks)
        sub = rest
        while sub:
            size = sub.bit_count() + 1
            if min_size <= size <= max_size:
                block = sub | low
                worth = block_value(block)
                if worth is not None:
                    placed, value, blocks = solve(mask ^ block)
                    candidate = (placed + size, value + worth, (block, *blocks))
                    if candidate[:2] > result[:2]:
                        result = candidate
            sub = (sub - 1) & rest
        best[mask] = result
        return result

    _, _, chosen = solve((1 << n) - 1)
    return [[people[b] for b in range(n) if block >> b & 1] for block in chosen]


class _State:
    """A region's groups as lists of people (positions), with each person's group."""

    def __init__(self, ix: DinnerIndex, people: Sequence[int], min_size: int, max_size: int):
        self.ix = ix
        self.people = list(people)
        self.min_size = min_size
        self.max_size = max_size
        self.groups: list[list[int]] = []
        self.group_of: dict[int, int] = {}
        self.unplaced: list[int] = []

    def gain(self, i: int, members: Sequence[int], without: int = -1) -> int:
        """The weight of ``i``'s pairs with ``members`` (less ``without`` and ``i``)."""
        ix = self.ix
        met = ix.met_value[i]
        department, specialty, site = ix.department, ix.specialty, ix.site
        d, s, t = department[i], specialty[i], site[i]
        total = 0
        for m in members:
            if m in (i, without):
                continue
            total += met.get(m, NEW)
            if department[m] != d:
                total += MIX_DEPARTMENT
            if specialty[m] != s:
                total += MIX_SPECIALTY
            if site[m] != t:
                total += MIX_SITE
        return total

    def fits(self, i: int, members: Sequence[int], without: int = -1) -> bool:
        """Whether ``i`` may join ``members`` (less ``without``): a common evening, and nobody
        on their "not with" list."""
        ix = self.ix
        mask = ix.mask[i]
        avoid = ix.not_with[i]
        for m in members:
            if m in (i, without):
                continue
            mask &= ix.mask[m]
            if avoid and m in avoid:
                return False
        return mask != 0

    def volunteers(self, members: Sequence[int], without: int = -1, plus: int = -1) -> bool:
        volunteer = self.ix.volunteer
        return (plus >= 0 and volunteer[plus]) or any(volunteer[m] for m in members if m != without)

    def place(self, i: int, g: int) -> None:
        self.groups[g].append(i)
        self.group_of[i] = g

    def remove(self, i: int) -> None:
        self.groups[self.group_of.pop(i)].remove(i)

    def choose(
        self,
        i: int,
        options: Sequence[int],
        rng: random.Random,
        best: bool,
        *,
        by_loss: bool = False,
    ) -> int | None:
        """The group of ``options`` that ``i`` joins: the one where their pairs are worth the
        most (fewer members first among equals), or a random one. ``by_loss``: the one where
        their pairs lose the least against pairs of new colleagues of other departments,
        specialties and sites -- when the groups' sizes are set, so that the value of larger
        groups (more pairs) does not count twice."""
        if not options:
            return None
        if not best:
            return options[rng.randrange(len(options))]
        full = FULL if by_loss else 0

        def worth(g: int) -> tuple[int, int]:
            members = self.groups[g]
            bonus = VOLUNTEER if self.ix.volunteer[i] and not self.volunteers(members) else 0
            return (self.gain(i, members) - full * len(members) + bonus, -len(members))

        return max(options, key=worth)

    def insert_unplaced(self, rng: random.Random, best: bool) -> None:
        """Put each unplaced person into a group with room that they fit, if any."""
        still = []
        for i in self.unplaced:
            options = [
                g
                for g, members in enumerate(self.groups)
                if members and len(members) < self.max_size and self.fits(i, members)
            ]
            g = self.choose(i, options, rng, best)
            if g is None:
                still.append(i)
            else:
                self.place(i, g)
        self.unplaced = still

    def place_more(self, rng: random.Random) -> None:
        """Place unplaced people where a plain insertion cannot: into a group by moving one of
        its members to another group with room, or as a new group of unplaced people on a
        common evening topped up from groups above ``min_size``."""
        progress = True
        while progress and self.unplaced:
            progress = False
            self.insert_unplaced(rng, best=True)
            for i in list(self.unplaced):
                if self._place_by_moving(i):
                    self.unplaced.remove(i)
                    progress = True
            if self._new_group():
                progress = True

    def _place_by_moving(self, i: int) -> bool:
        groups = self.groups
        for g, members in enumerate(groups):
            if not members:
                continue
            for q in members:
                if not self.fits(i, members, without=q):
                    continue
                for h, others in enumerate(groups):
                    if h != g and others and len(others) < self.max_size and self.fits(q, others):
                        self.remove(q)
                        self.place(q, h)
                        self.place(i, g)
                        return True
        return False

    def _new_group(self) -> bool:
        ix = self.ix
        for bit in (1 << e for e in range(len(ix.problem.evenings))):
            block: list[int] = []
            for i in self.unplaced:
                if ix.mask[i] & bit and len(block) < self.max_size and self.fits(i, block):
                    block.append(i)
            if not block:
                continue
            spares = [
                i
                for members in self.groups
                if len(members) > self.min_size
                for i in members
                if ix.mask[i] & bit
            ]
            taken: list[int] = []
            for i in spares:
                if len(block) + len(taken) >= self.min_size:
                    break
                if len(self.groups[self.group_of[i]]) - sum(
                    self.group_of[t] == self.group_of[i] for t in taken
                ) > self.min_size and self.fits(i, block + taken):
                    taken.append(i)
            if len(block) + len(taken) < self.min_size:
                continue
            g = len(self.groups)
            self.groups.append([])
            for i in taken:
                self.remove(i)
            for i in block + taken:
                self.place(i, g)
            self.unplaced = [i for i in self.unplaced if i not in block]
            return True
        return False


def _pools(
    ix: DinnerIndex, people: Sequence[int], min_size: int, max_size: int
) -> tuple[list[list[int]], list[int]]:
    """Each opened evening's people, and the people left over (step 1 of the module)."""
    left = set(people)
    bits = [1 << e for e in range(len(ix.problem.evenings))]
    pools: list[list[int]] = []
    while bits:
        counts = [sum(1 for i in left if ix.mask[i] & bit) for bit in bits]
        most = max(counts)
        if most < min_size:
            break
        bit = bits[counts.index(most)]
        bits.remove(bit)
        still_open = sum(bits)
        candidates = sorted(
            (i for i in left if ix.mask[i] & bit),
            key=lambda i: ((ix.mask[i] & still_open).bit_count(), i),
        )
        take = next(
            (t for t in range(len(candidates), 0, -1) if feasible_count(t, min_size, max_size)),
            0,
        )
        pools.append(candidates[:take])
        left.difference_update(candidates[:take])
    return pools, sorted(left)


def _construct(
    ix: DinnerIndex,
    people: Sequence[int],
    min_size: int,
    max_size: int,
    rng: random.Random,
    best: bool,
) -> _State:
    """Steps 1 and 2 of the module: best-value filling, or random for the baseline."""
    state = _State(ix, people, min_size, max_size)
    pools, left = _pools(ix, people, min_size, max_size)
    state.unplaced.extend(left)
    for pool in pools:
        count = -(-len(pool) // max_size)
        first = len(state.groups)
        slots = list(range(first, first + count))
        state.groups.extend([] for _ in slots)
        targets = {g: len(pool) // count + (k < len(pool) % count) for k, g in enumerate(slots)}
        shuffled = list(pool)
        rng.shuffle(shuffled)
        # A large evening is filled PART_GROUPS groups at a time, each from its share of the
        # evening's people (in random order, so a random grouping still for the baseline).
        parts = max(1, round(count / PART_GROUPS))
        start = 0
        for k in range(parts):
            chosen = slots[k * count // parts : (k + 1) * count // parts]
            end = start + sum(targets[g] for g in chosen)
            _fill(state, shuffled[start:end], chosen, targets, rng, best)
            start = end
        _repair(state, slots, rng, best)
    return state


def _fill(
    state: _State,
    people: Sequence[int],
    slots: Sequence[int],
    targets: dict[int, int],
    rng: random.Random,
    best: bool,
) -> None:
    """Step 2 for one evening's ``people`` (in random order) and empty groups ``slots``: one
    volunteer host a group first, then the rest, those with "not with" wishes first, each into
    the group with room where their pairs lose the least (or a random one), up to its target
    size if they can, else up to ``max_size``; the unplaced wait."""
    ix = state.ix
    volunteers = [i for i in people if ix.volunteer[i]]
    others = [i for i in people if not ix.volunteer[i]]
    ordered = volunteers + others
    seeds, rest = ordered[: len(slots)], ordered[len(slots) :]
    # The most constrained first: people with "not with" wishes.
    rest.sort(key=lambda i: -len(ix.not_with[i]))
    for g, i in zip(slots, seeds, strict=False):
        state.place(i, g)
    groups = state.groups
    for i in rest:
        options = [
            g for g in slots if len(groups[g]) < targets[g] and state.fits(i, groups[g])
        ] or [g for g in slots if len(groups[g]) < state.max_size and state.fits(i, groups[g])]
        chosen = state.choose(i, options, rng, best, by_loss=True)
        if chosen is None:
            state.unplaced.append(i)
        else:
            state.place(i, chosen)


def _repair(state: _State, slots: Sequence[int], rng: random.Random, best: bool) -> None:
    """Bring each of ``slots`` under ``min_size`` up to it with people unplaced or from the
    larger groups; dissolve it when that fails."""
    groups = state.groups
    for g in slots:
        while 0 < len(groups[g]) < state.min_size:
            unplaced = [i for i in state.unplaced if state.fits(i, groups[g])]
            if unplaced:
                i = unplaced[0] if best else unplaced[rng.randrange(len(unplaced))]
                state.unplaced.remove(i)
                state.place(i, g)
                continue
            donors = [
                i
                for h in slots
                if h != g and len(groups[h]) > state.min_size
                for i in groups[h]
                if state.fits(i, groups[g])
            ]
            if donors:
                i = donors[0] if best else donors[rng.randrange(len(donors))]
                state.remove(i)
                state.place(i, g)
                continue
            members = list(groups[g])
            for i in members:
                state.remove(i)
            for i in members:
                options = [
                    h
                    for h in slots
                    if 0 < len(groups[h]) < state.max_size and state.fits(i, groups[h])
                ]
                h = state.choose(i, options, rng, best)
                if h is None:
                    state.unplaced.append(i)
                else:
                    state.place(i, h)


def _improve(
    state: _State,
    rng: random.Random,
    deadline: float,
    should_stop: Callable[[], bool] | None,
) -> bool:
    """Step 3 of the module: moves and swaps while the value grows. True when should_stop()
    ended it.

    ``gain[i][g]`` holds the weight of person ``i``'s pairs with the members of group ``g``
    (without ``i``), kept up to date as people move, so a move or swap is valued in a few
    look-ups; only the rules (``_State.fits``) read the members."""
    groups = state.groups
    group_of = state.group_of
    ix = state.ix
    volunteer = ix.volunteer
    min_size, max_size = state.min_size, state.max_size
    live = [g for g, members in enumerate(groups) if members]
    placed = sorted(group_of)
    gain = _gains(state, placed)
    common = [ix.common_mask(members) for members in groups]
    volunteers = [sum(volunteer[m] for m in members) for members in groups]
    department, specialty, site, met_value = ix.department, ix.specialty, ix.site, ix.met_value

    def move(i: int, g: int) -> None:
        h = group_of[i]
        state.remove(i)
        state.place(i, g)
        met, d, s, t = met_value[i], department[i], specialty[i], site[i]
        for x in placed:
            # pair_weight(x, i), inline: this loop is most of the search's time.
            w = met.get(x, NEW)
            if department[x] != d:
                w += MIX_DEPARTMENT
            if specialty[x] != s:
                w += MIX_SPECIALTY
            if site[x] != t:
                w += MIX_SITE
            row = gain[x]
            row[h] -= w
            row[g] += w
        # i's own row counted the pair (i, i) above; it has none.
        gain[i][h] += NEW
        gain[i][g] -= NEW
        common[h] = ix.common_mask(groups[h])
        common[g] = ix.common_mask(groups[g])
        volunteers[h] -= volunteer[i]
        volunteers[g] += volunteer[i]

    # A person looked at after the groups last changed looks again only at the groups that
    # changed since: a move or swap between two unchanged groups is worth what it was worth.
    changes = 0
    changed = [0] * len(groups)
    looked = dict.fromkeys(placed, -1)
    checks = 0
    while True:
        improved = False
        order = list(placed)
        rng.shuffle(order)
        for p in order:
            a = group_of[p]
            since = looked[p]
            looked[p] = changes
            if changed[a] > since:
                candidates = live
            else:
                candidates = [b for b in live if changed[b] > since]
                if not candidates:
                    continue
            checks += 1
            if checks % 16 == 0:
                if should_stop is not None and should_stop():
                    return True
                if time.monotonic() > deadline:
                    return False
            row = gain[p]
            gain_a = row[a]
            mask = ix.mask[p]
            # Gaining or losing a group's volunteer host, when p is the only one / the first.
            leave_a = VOLUNTEER if volunteer[p] and volunteers[a] == 1 else 0
            best_delta, best_move = 0, (-1, -1)
            if len(groups[a]) > min_size:
                for b in candidates:
                    if b == a or len(groups[b]) >= max_size or not mask & common[b]:
                        continue
                    delta = row[b] - gain_a - leave_a
                    if volunteer[p] and volunteers[b] == 0:
                        delta += VOLUNTEER
                    if delta > best_delta and state.fits(p, groups[b]):
                        best_delta, best_move = delta, (b, -1)
            top = sorted(candidates, key=row.__getitem__, reverse=True)[: SWAP_GROUPS + 1]
            met, d, s, t = met_value[p], department[p], specialty[p], site[p]
            for b in top:
                if b == a:
                    continue
                base = row[b] - gain_a
                for q in groups[b]:
                    gain_q = gain[q]
                    # pair_weight(p, q), inline as in move().
                    w = met.get(q, NEW)
                    if department[q] != d:
                        w += MIX_DEPARTMENT
                    if specialty[q] != s:
                        w += MIX_SPECIALTY
                    if site[q] != t:
                        w += MIX_SITE
                    delta = base + gain_q[a] - gain_q[b] - 2 * w
                    if volunteer[p] != volunteer[q]:
                        change = volunteer[q] - volunteer[p]
                        delta += VOLUNTEER * (
                            ((volunteers[a] + change) > 0)
                            - (volunteers[a] > 0)
                            + ((volunteers[b] - change) > 0)
                            - (volunteers[b] > 0)
                        )
                    if (
                        delta > best_delta
                        and state.fits(p, groups[b], without=q)
                        and state.fits(q, groups[a], without=p)
                    ):
                        best_delta, best_move = delta, (b, q)
            b, q = best_move
            if b >= 0:
                move(p, b)
                if q >= 0:
                    move(q, a)
                changes += 1
                changed[a] = changed[b] = changes
                improved = True
        if not improved:
            return False


def _improve_in_parts(
    state: _State,
    rng: random.Random,
    deadline: float,
    should_stop: Callable[[], bool] | None,
) -> bool:
    """Step 3 for a large region: ``_improve`` on parts of about ``PART_GROUPS`` groups at a
    time, every part in turn, in rounds with other parts, until a round gains nothing, after
    ``PART_ROUNDS`` rounds, or when the time is up. Even rounds take groups of one evening
    together (people move between them), odd ones mix evenings (people who suit two can change
    evening). A move within a part is a move within the region, so the rules hold throughout.
    True when should_stop() ended it."""
    groups, group_of, ix = state.groups, state.group_of, state.ix
    for number in range(PART_ROUNDS):
        live = [g for g, members in enumerate(groups) if members]
        rng.shuffle(live)
        if number % 2 == 0:
            live.sort(key=lambda g: _first_evening(ix.common_mask(groups[g])))
        parts = max(1, round(len(live) / PART_GROUPS))
        gained = 0
        for k in range(parts):
            chosen = live[k * len(live) // parts : (k + 1) * len(live) // parts]
            part = _State(ix, [], state.min_size, state.max_size)
            part.groups = [groups[g] for g in chosen]
            part.group_of = {i: n for n, members in enumerate(part.groups) for i in members}
            before = sum(ix.block_value(members) for members in part.groups)
            stopped = _improve(part, rng, deadline, should_stop)
            gained += sum(ix.block_value(members) for members in part.groups) - before
            for g, members in zip(chosen, part.groups, strict=True):
                groups[g] = members
                for i in members:
                    group_of[i] = g
            if stopped:
                return True
            if time.monotonic() > deadline:
                return False
        if gained * PART_GAIN <= sum(ix.block_value(groups[g]) for g in live):
            break
    return False


def _first_evening(mask: int) -> int:
    return mask & -mask


def _gains(state: _State, people: Sequence[int]) -> dict[int, list[int]]:
    """For each of ``people``, the weight of their pairs with each group's members (without
    themselves): from the count of each department, specialty and site in the group, less
    what the connection ledger takes off for those they met."""
    ix = state.ix
    full = FULL
    counts = []
    for members in state.groups:
        departments: dict[int, int] = {}
        specialties: dict[int, int] = {}
        sites: dict[int, int] = {}
        for m in members:
            departments[ix.department[m]] = departments.get(ix.department[m], 0) + 1
            specialties[ix.specialty[m]] = specialties.get(ix.specialty[m], 0) + 1
            sites[ix.site[m]] = sites.get(ix.site[m], 0) + 1
        counts.append((len(members), departments, specialties, sites))
    group_of = state.group_of
    gains = {}
    for i in people:
        d, s, t = ix.department[i], ix.specialty[i], ix.site[i]
        row = [
            size * full
            - MIX_DEPARTMENT * departments.get(d, 0)
            - MIX_SPECIALTY * specialties.get(s, 0)
            - MIX_SITE * sites.get(t, 0)
            for size, departments, specialties, sites in counts
        ]
        # Their own group counted them once, with every count equal.
        if i in group_of:
            row[group_of[i]] -= NEW
        met = ix.met_value[i]
        if len(met) <= len(group_of):
            for j, value in met.items():
                if j in group_of:
                    row[group_of[j]] -= NEW - value
        else:
            # A part of a large region: fewer people in the groups than this person met.
            for j, g in group_of.items():
                if j in met:
                    row[g] -= NEW - met[j]
        gains[i] = row
    return gains


def _describe(ix: DinnerIndex, blocks: Sequence[Sequence[int]]) -> tuple[DinnerGroup, ...]:
    """The groups in words: by region (as people list them), evening, then first member;
    each with its evening (the first common one), host and dinner site."""
    problem = ix.problem
    region_order = {region: r for r, region in enumerate(ix.regions)}

    def key(block: Sequence[int]) -> tuple[int, int, int]:
        mask = ix.common_mask(block)
        return (region_order[problem.people[block[0]].region], mask & -mask, min(block))

    groups = []
    for number, block in enumerate(sorted((sorted(b) for b in blocks), key=key), start=1):
        mask = ix.common_mask(block)
        evening = problem.evenings[(mask & -mask).bit_length() - 1]
        host, out = _host(ix, block)
        groups.append(
            DinnerGroup(
                id=f"G{number}",
                region=problem.people[block[0]].region,
                evening=evening,
                members=tuple(problem.people[i].id for i in block),
                host=problem.people[host].id,
                dinner_site=problem.people[host].site,
                out_of_reach=tuple(problem.people[i].id for i in out),
            )
        )
    return tuple(groups)


def _host(ix: DinnerIndex, block: Sequence[int]) -> tuple[int, list[int]]:
    """The group's host and the members who cannot reach the host's site: among members who
    do not decline, the one whose site the most members can reach, volunteers first among
    equals, then the first listed; someone who declines hosts only a group of decliners."""
    people = ix.problem.people

    def out_of_reach(h: int) -> list[int]:
        site = people[h].site
        out = []
        for i in block:
            reach = people[i].reach
            if reach is not None and site not in reach:
                out.append(i)
        return out

    def key(h: int) -> tuple[bool, int, int, int]:
        return (
            people[h].host is HostWish.NO,
            len(out_of_reach(h)),
            _HOST_RANK[people[h].host],
            h,
        )

    host = min(block, key=key)
    return host, out_of_reach(host)


def _reason(ix: DinnerIndex, i: int, blocks: Sequence[Sequence[int]]) -> str:
    """Why person ``i`` is in no group, in words."""
    problem = ix.problem
    person = problem.people[i]
    region = ix.regions[person.region]
    min_size, max_size = problem.min_size, problem.max_size
    if len(region) < min_size:
        return (
            f'region "{person.region}" has {len(region)} sign-up'
            f"{'s' if len(region) != 1 else ''}, fewer than a group's {min_size}"
        )
    if ix.mask[i] == 0:
        return "no evening suits them"
    most = max(
        sum(1 for j in region if ix.mask[j] & bit)
        for bit in (1 << e for e in range(len(problem.evenings)))
        if ix.mask[i] & bit
    )
    if most < min_size:
        return (
            f'fewer than {min_size} sign-ups in region "{person.region}" suit any of their evenings'
        )
    near = [
        block
        for block in blocks
        if problem.people[block[0]].region == person.region and ix.common_mask(block) & ix.mask[i]
    ]
    if not near:
        return "too few sign-ups were left on their evenings to make another group"
    with_room = [block for block in near if len(block) < max_size]
    if not with_room:
        return f"the groups on their evenings are full ({max_size} each)"
    return (
        "the groups with room on their evenings each have someone they are not to be grouped "
        "with, or no evening in common with them"
    )
