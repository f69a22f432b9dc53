"""Advice after a solve, in an organizer's words: where the evening's time is idle (groups
sitting out rounds while they are there, empty seats at tables) and which change to the
event would help most, found by solving what-ifs with the real solver.

Pure apart from the clock: it reads a ``Problem`` and the ``Solution`` (the schedule) that was
chosen for it, and returns an ``Advice``; no Django. The what-ifs are the problem changed
with ``dataclasses.replace``:

- one more table of each track, seating as many groups a round as the busiest table, and
  for the tracks of the worst-served groups as many more (up to three) as they sit out rounds
  (a group visits a table once, so one table gives it one visit at most);
- one more round;
- the two smallest groups of a track merged into one;
- one more seat a round at the fullest table the worst-served groups may visit.

Each is solved with a small time limit, the whole advice within ``time_limit_s``; a what-if is
reported only when it gives some group more visits without costing the worst-served groups
any, and the what-ifs are ranked by the visits they give the worst-served groups (those
sitting out the most rounds), then by all the visits they add.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from rotations.solver import (
    MET_BEFORE_FULL,
    Group,
    Problem,
    Solution,
    Table,
    Track,
    Visit,
    may_visit,
    solve,
    track_allows,
)

# Each what-if gets at most this long; small events are solved exactly well within it.
WHAT_IF_TIME_LIMIT_S = 3.0
# All the advice (what-ifs included) within this long.
ADVICE_TIME_LIMIT_S = 20.0
# Below this much time left, no further what-if is started.
MIN_WHAT_IF_S = 0.5
# Lines of idle groups and of empty seats shown before "and N more".
MAX_LINES = 6
# What-ifs reported, best first.
MAX_CHANGES = 4
# A list of more names than this reads as "5 adult groups".
MAX_NAMES = 3
# At most this many more tables of a track are tried at once.
MAX_EXTRA_TABLES = 3
NUMBER_WORDS = {1: "One", 2: "Two", 3: "Three"}

TRACK_WORDS = {Track.ADULT: "adult", Track.PEDIATRIC: "pediatric", Track.ALL_AGES: "all-ages"}


@dataclass(frozen=True, slots=True)
class Change:
    """A what-if that helps: the sentence, what kind of change it is, the visits it adds in
    all and those it gives the worst-served groups."""

    text: str
    kind: str
    visits_gained: int
    worst_gained: int


@dataclass(frozen=True, slots=True)
class Advice:
    # Groups sitting out rounds while they are there, most idle first.
    idle: tuple[str, ...]
    # Tables with empty seats, most empty first.
    empty_seats: tuple[str, ...]
    # What would help, best first.
    changes: tuple[Change, ...]
    # One sentence on the what-ifs: none needed, none helped, or some not tried for time.
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "idle": list(self.idle),
            "empty_seats": list(self.empty_seats),
            "changes": [
                {
                    "text": c.text,
                    "kind": c.kind,
                    "visits_gained": c.visits_gained,
                    "worst_gained": c.worst_gained,
                }
                for c in self.changes
            ],
            "note": self.note,
        }


def advise(
    problem: Problem,
    solution: Solution,
    *,
    time_limit_s: float = ADVICE_TIME_LIMIT_S,
    what_if_time_limit_s: float = WHAT_IF_TIME_LIMIT_S,
    seed: int = 0,
    clock: Callable[[], float] = time.monotonic,
) -> Advice:
    """The advice for ``solution``, a schedule of ``problem`` (a solve from scratch, not a
    re-plan): idle groups and empty seats from the schedule itself, and the what-ifs that
    help, each solved within ``what_if_time_limit_s`` and all within ``time_limit_s``."""
    started = clock()
    counts = _visit_counts(problem, solution.visits)
    present = {g.id: _rounds(g.available_rounds, problem.rounds) for g in problem.groups}
    idle = {g.id: len(present[g.id]) - counts[g.id] for g in problem.groups}
    idle_lines = _idle_lines(problem, idle, present)
    seat_lines = _empty_seat_lines(problem, solution.visits)

    most_idle = max(idle.values(), default=0)
    if most_idle <= 0:
        return Advice(
            idle=idle_lines,
            empty_seats=seat_lines,
            changes=(),
            note="Every group is at a table in every round it is there.",
        )
    worst = {group_id for group_id, n in idle.items() if n == most_idle}

    found: list[tuple[tuple[int, int, int], Change, dict[str, int]]] = []
    skipped = 0
    what_ifs = _what_ifs(problem, solution, worst, most_idle)
    for order, (kind, words, changed, merged) in enumerate(what_ifs):
        left = time_limit_s - (clock() - started)
        if left < MIN_WHAT_IF_S:
            skipped += 1
            continue
        result = solve(
            changed, time_limit_s=min(what_if_time_limit_s, left), seed=seed, num_workers=1
        )
        if not result.visits:
            continue
        after = _visit_counts(problem, result.visits, merged=merged)
        gains = {g.id: after[g.id] - counts[g.id] for g in problem.groups}
        worst_gained = sum(gains[g] for g in worst)
        visits_gained = sum(gains.values())
        gained = _gains_text(problem, gains)
        if visits_gained <= 0 or worst_gained < 0 or not gained:
            continue
        text = f"{words} {_verb(kind)} {gained}."
        change = Change(
            text=text, kind=kind, visits_gained=visits_gained, worst_gained=worst_gained
        )
        found.append(((-worst_gained, -visits_gained, order), change, gains))

    found.sort(key=lambda item: item[0])
    changes = _combine_tables(problem, [(change, gains) for _key, change, gains in found])
    if changes:
        note = ""
    else:
        note = (
            "No single change tried (one more table, one more round, merging the smallest "
            "groups, one more seat at the fullest table) gives any group more visits."
        )
    if skipped:
        note = (note + " " if note else "") + (
            f"{skipped} more change{'' if skipped == 1 else 's'} could not be tried in the time "
            "allowed."
        )
    return Advice(
        idle=idle_lines, empty_seats=seat_lines, changes=tuple(changes[:MAX_CHANGES]), note=note
    )


# --- What the schedule leaves idle ----------------------------------------------------------


def _rounds(available: frozenset[int] | None, total: int) -> frozenset[int]:
    return frozenset(range(1, total + 1)) if available is None else available


def _visit_counts(
    problem: Problem, visits: Iterable[Visit], *, merged: dict[str, tuple[str, ...]] | None = None
) -> dict[str, int]:
    """Visits per group id; a merged group's visits count for each group it was made of."""
    counts: dict[str, int] = defaultdict(int)
    for visit in visits:
        for group_id in (merged or {}).get(visit.group, (visit.group,)):
            counts[group_id] += 1
    return {g.id: counts[g.id] for g in problem.groups}


def _idle_lines(
    problem: Problem, idle: dict[str, int], present: dict[str, frozenset[int]]
) -> tuple[str, ...]:
    buckets: dict[tuple[Track, int, int], list[Group]] = defaultdict(list)
    for group in problem.groups:
        if idle[group.id] > 0:
            buckets[group.track, idle[group.id], len(present[group.id])].append(group)
    lines = []
    for (track, out, there), groups in sorted(
        buckets.items(), key=lambda item: (-item[0][1] / item[0][2], -item[0][1], item[0][0])
    ):
        each = " each" if len(groups) > 1 else ""
        verb = "sit" if len(groups) > 1 else "sits"
        who = _names([g.name for g in groups], TRACK_WORDS[track])
        if len(groups) > MAX_NAMES:
            lines.append(f"{who} sit out {out} of {there} rounds{each}.")
        else:
            lines.append(f"{who} ({TRACK_WORDS[track]}) {verb} out {out} of {there} rounds{each}.")
    return _capped(lines, "more lines of groups sitting out rounds")


def _empty_seat_lines(problem: Problem, visits: Iterable[Visit]) -> tuple[str, ...]:
    used: dict[tuple[str, int], int] = defaultdict(int)
    for visit in visits:
        used[visit.table, visit.round] += 1
    rows = []
    for order, table in enumerate(problem.tables):
        open_rounds = sorted(_rounds(table.available_rounds, problem.rounds))
        free_rounds = [r for r in open_rounds if used[table.id, r] < table.capacity]
        empty = sum(table.capacity - used[table.id, r] for r in free_rounds)
        if empty:
            rows.append((-empty, order, table, empty, free_rounds))
    lines = []
    for _neg, _order, table, empty, free_rounds in sorted(rows, key=lambda row: row[:2]):
        seats = "an empty seat" if empty == 1 else f"{empty} empty seats"
        where = "round" if len(free_rounds) == 1 else "rounds"
        lines.append(f"{_capitalized(_label(table))} has {seats} ({where} {_ranges(free_rounds)}).")
    return _capped(lines, "more tables with empty seats")


def _capped(lines: list[str], what: str) -> tuple[str, ...]:
    if len(lines) <= MAX_LINES:
        return tuple(lines)
    return (*lines[: MAX_LINES - 1], f"And {len(lines) - MAX_LINES + 1} {what}.")


# --- What-ifs -------------------------------------------------------------------------------


def _what_ifs(
    problem: Problem, solution: Solution, worst: set[str], most_idle: int
) -> list[tuple[str, str, Problem, dict[str, tuple[str, ...]]]]:
    """(kind, the change in words, the changed problem, merged group id -> the ids it
    replaces), in the order they are tried."""
    per_table: dict[str, int] = defaultdict(int)
    for visit in solution.visits:
        per_table[visit.table] += 1
    busiest = max(problem.tables, key=lambda t: (per_table[t.id], t.capacity), default=None)
    capacity = busiest.capacity if busiest is not None else 1
    found: list[tuple[str, str, Problem, dict[str, tuple[str, ...]]]] = []

    by_id = {g.id: g for g in problem.groups}
    worst_tracks = {by_id[g].track for g in worst if g in by_id}
    for track in (Track.ALL_AGES, Track.PEDIATRIC, Track.ADULT):
        counts = [1]
        # A group visits a table at most once, so one table gives it one visit: for the
        # tracks of the worst-served groups also try as many tables as they sit out rounds.
        extra = min(most_idle, MAX_EXTRA_TABLES)
        if extra > 1 and any(track_allows(t, track) for t in worst_tracks):
            counts.append(extra)
        for count in counts:
            new = tuple(
                Table(
                    id=f"advice-new-{track.value}-{n}",
                    specialty=f"a new {TRACK_WORDS[track]} table",
                    track=track,
                    capacity=capacity,
                    label=f"a new {TRACK_WORDS[track]} table",
                )
                for n in range(1, count + 1)
            )
            found.append(
                (
                    _table_kind(count, track, capacity),
                    _tables_words(count, [track], capacity),
                    replace(problem, tables=(*problem.tables, *new)),
                    {},
                )
            )

    found.append(("round", "One more round", replace(problem, rounds=problem.rounds + 1), {}))

    for track in (Track.PEDIATRIC, Track.ALL_AGES, Track.ADULT):
        of_track = sorted(
            (g for g in problem.groups if g.track is track), key=lambda g: (g.size, g.name, g.id)
        )
        if len(of_track) < 2:
            continue
        first, second = of_track[:2]
        merged_problem, merged = _merge(problem, first, second)
        found.append(
            (
                f"merge:{first.id}:{second.id}",
                f"Merging {first.name} and {second.name} (the two smallest "
                f"{TRACK_WORDS[track]} groups, {first.size} and {second.size} people)",
                merged_problem,
                merged,
            )
        )

    candidates = [
        t for t in problem.tables if any(may_visit(by_id[g], t) for g in worst if g in by_id)
    ]
    if candidates:
        fullest = max(candidates, key=lambda t: per_table[t.id] / t.capacity)
        bigger = replace(fullest, capacity=fullest.capacity + 1)
        found.append(
            (
                f"capacity:{fullest.id}",
                f"Seating {fullest.capacity + 1} groups a round at {_label(fullest)} instead "
                f"of {fullest.capacity}",
                replace(
                    problem,
                    tables=tuple(bigger if t.id == fullest.id else t for t in problem.tables),
                ),
                {},
            )
        )
    return found


def _merge(
    problem: Problem, first: Group, second: Group
) -> tuple[Problem, dict[str, tuple[str, ...]]]:
    """``problem`` with ``first`` and ``second`` one group: there in the rounds both are there,
    with the affinity of both and the tables either met before; their pins are dropped."""
    merged_id = f"advice-merged-{first.id}-{second.id}"
    if first.available_rounds is None:
        rounds = second.available_rounds
    elif second.available_rounds is None:
        rounds = first.available_rounds
    else:
        rounds = first.available_rounds & second.available_rounds
    merged = replace(
        first,
        id=merged_id,
        name=f"{first.name} and {second.name}",
        size=first.size + second.size,
        available_rounds=rounds,
    )
    old = {first.id, second.id}
    groups = tuple(g for g in problem.groups if g.id not in old)
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for group_id, table_id, weight in problem.affinity:
        weights[merged_id if group_id in old else group_id, table_id] += weight
    return (
        replace(
            problem,
            groups=(*groups, merged),
            affinity=tuple((g, t, w) for (g, t), w in weights.items()),
            met_before=frozenset((merged_id if g in old else g, t) for g, t in problem.met_before),
            met_before_weights=_merged_weights(problem, old, merged_id),
            pinned=tuple(v for v in problem.pinned if v.group not in old),
        ),
        {merged_id: (first.id, second.id)},
    )


def _merged_weights(
    problem: Problem, old: set[str], merged_id: str
) -> tuple[tuple[str, str, int], ...]:
    """``problem.met_before_weights`` with the groups of ``old`` as ``merged_id``: a table
    either group met counts as strongly as the stronger meeting (unlisted: fully)."""
    listed = {(g, t): w for g, t, w in problem.met_before_weights}
    strongest: dict[tuple[str, str], int] = {}
    for g, t in problem.met_before:
        key = (merged_id if g in old else g, t)
        strongest[key] = max(strongest.get(key, 0), listed.get((g, t), MET_BEFORE_FULL))
    return tuple((g, t, w) for (g, t), w in sorted(strongest.items()) if w < MET_BEFORE_FULL)


def _combine_tables(problem: Problem, found: list[tuple[Change, dict[str, int]]]) -> list[Change]:
    """One sentence for tables of several tracks that would give exactly the same visits:
    "One more pediatric or all-ages table gives ..."."""
    changes: list[Change] = []
    merged_into: dict[tuple[object, ...], int] = {}
    for change, gains in found:
        if not change.kind.startswith("table"):
            changes.append(change)
            continue
        count, _track, capacity = _parse_table_kind(change.kind)
        key = (count, capacity, _gains_text(problem, gains))
        if key not in merged_into:
            merged_into[key] = len(changes)
            changes.append(change)
            continue
        index = merged_into[key]
        kind = f"{changes[index].kind},{change.kind}"
        tracks = [_parse_table_kind(k)[1] for k in kind.split(",")]
        words = _tables_words(count, tracks, capacity)
        changes[index] = replace(
            changes[index], kind=kind, text=f"{words} {_verb(kind)} {_gains_text(problem, gains)}."
        )
    # More tables are worth saying only when they do more for the worst-served than one.
    one_table = max(
        (c.worst_gained for c in changes if c.kind.startswith("table") and _one_table(c.kind)),
        default=0,
    )
    return [
        c
        for c in changes
        if not c.kind.startswith("table") or _one_table(c.kind) or c.worst_gained > one_table
    ]


def _one_table(kind: str) -> bool:
    return _parse_table_kind(kind.split(",")[0])[0] == 1


def _table_kind(count: int, track: Track, capacity: int) -> str:
    """ "table:all-ages" for one table seating one group a round, else
    "table:all-ages:3x2" (3 tables seating 2 groups)."""
    if (count, capacity) == (1, 1):
        return f"table:{track.value}"
    return f"table:{track.value}:{count}x{capacity}"


def _parse_table_kind(kind: str) -> tuple[int, Track, int]:
    _table, track, *size = kind.split(":")
    count, capacity = (int(n) for n in size[0].split("x")) if size else (1, 1)
    return count, Track(track), capacity


def _tables_words(count: int, tracks: list[Track], capacity: int) -> str:
    """ "One more pediatric or all-ages table", "Three more pediatric tables for 2 groups a
    round"."""
    ordered = sorted(set(tracks), key=[Track.PEDIATRIC, Track.ADULT, Track.ALL_AGES].index)
    kinds = " or ".join(TRACK_WORDS[t] for t in ordered)
    number = NUMBER_WORDS.get(count, str(count))
    tables = "table" if count == 1 else "tables"
    seats = "" if capacity == 1 else f" for {capacity} groups a round"
    return f"{number} more {kinds} {tables}{seats}"


def _verb(kind: str) -> str:
    if kind.startswith("table") and _parse_table_kind(kind.split(",")[0])[0] > 1:
        return "give"
    return "gives"


# --- Words ----------------------------------------------------------------------------------


def _gains_text(problem: Problem, gains: dict[str, int]) -> str:
    """ "Pediatrics North and Pediatrics South 1 more visit each, and 4 adult groups 1 more
    visit each"; "" when no group is better off.

    Groups alike (same track, rounds and location) are interchangeable to the solver, so a
    what-if may move a visit from one to another: such a class is credited only with its net
    gain, "3 adult groups 1 more visit between them", and left out when that is none."""
    tracks = {g.id: g.track for g in problem.groups}
    names = {g.id: g.name for g in problem.groups}
    alike: dict[tuple[object, ...], list[Group]] = defaultdict(list)
    for group in problem.groups:
        alike[group.track, group.available_rounds, group.location].append(group)
    by_gain: dict[int, list[str]] = defaultdict(list)
    pooled: list[tuple[int, str]] = []
    for members in alike.values():
        net = sum(gains[g.id] for g in members)
        if net <= 0:
            continue
        if all(gains[g.id] >= 0 for g in members):
            for group in members:
                if gains[group.id] > 0:
                    by_gain[gains[group.id]].append(group.id)
        else:
            who = _names([g.name for g in members], TRACK_WORDS[members[0].track])
            pooled.append((net, f"{who} {net} more {_visits(net)} between them"))
    parts = []
    for gain, ids in sorted(by_gain.items(), key=lambda item: -item[0]):
        each = " each" if len(ids) > 1 else ""
        common = {tracks[i] for i in ids}
        word = TRACK_WORDS[common.pop()] if len(common) == 1 else ""
        parts.append(f"{_names([names[i] for i in ids], word)} {gain} more {_visits(gain)}{each}")
    parts += [text for _net, text in sorted(pooled, key=lambda item: -item[0])]
    return _and(parts, ", and ")


def _visits(n: int) -> str:
    return "visit" if n == 1 else "visits"


def _names(names: list[str], track_word: str) -> str:
    if len(names) > MAX_NAMES:
        return f"{len(names)} {track_word + ' ' if track_word else ''}groups"
    return _and(names, " and ")


def _and(items: list[str], last: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + last + items[-1]


def _label(table: Table) -> str:
    return table.label or f"table {table.id} ({table.specialty})"


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> "1–3, 5"."""
    parts: list[str] = []
    start = previous = None
    for n in sorted(numbers):
        if previous is not None and n == previous + 1:
            previous = n
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}–{previous}")
        start = previous = n
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}–{previous}")
    return ", ".join(parts)
