"""The series planner's vocabulary: a season of evenings, its specialists and groups, a plan.

A season (series) has several evenings, each covering some sites. Specialists practise at one
or more sites; a specialist *anchors* a table at the evenings the plan gives them, among the
evenings they said yes to, at most ``max_evenings`` of them. Primary-care groups belong to a
department; a group *attends* the evenings the plan gives it (``evenings`` of them, one by
default) among the evenings it may attend: by default every evening covering one of the sites
its clinicians practise at, so a group at a site covered by a single evening has no choice
and a group of a department that spans sites may have several.

A *shared-patient pair* is one primary-care clinician and one specialist who practises at
that clinician's site (and whose track the clinician's group may visit: ``track_allows``).
It *meets this season* when the specialist anchors an evening that the clinician's group
attends. Within an evening the per-evening solver decides which tables a group visits, so
"meets" here means "is at the same evening": the figure is an upper bound on the table
visits that will actually happen (``docs/solver-format.md``, "The series planner").

Nothing here imports Django or the apps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from rotations.solver.problem import Track, track_allows


@dataclass(frozen=True, slots=True)
class Evening:
    id: str
    # The sites whose clinicians the evening is for.
    sites: tuple[str, ...]
    # How many specialists can anchor a table there.
    tables: int
    # How organizers name it, e.g. "North, 12 March (Quincy)".
    label: str = ""


@dataclass(frozen=True, slots=True)
class Specialist:
    id: str
    specialty: str
    # The sites where the specialist practises (sees patients).
    sites: tuple[str, ...]
    track: Track = Track.ALL_AGES
    # The evenings the specialist said yes to; None: every evening covering one of ``sites``.
    available_evenings: frozenset[str] | None = None
    # The most evenings the specialist anchors in the season.
    max_evenings: int = 1
    name: str = ""


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    # The specialties each of its groups needs to meet at the evening it attends.
    needs: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class Group:
    """A primary-care group: clinicians of one department who travel together."""

    id: str
    department: str
    # (site, number of the group's clinicians who practise there); a group of a department
    # that spans sites names several.
    clinicians: tuple[tuple[str, int], ...]
    track: Track = Track.ALL_AGES
    # The evenings the group may attend; None: every evening covering one of its sites.
    available_evenings: frozenset[str] | None = None
    # How many evenings the group attends (fewer if it may attend fewer).
    evenings: int = 1
    name: str = ""

    @property
    def size(self) -> int:
        return sum(count for _, count in self.clinicians)


@dataclass(frozen=True, slots=True)
class SeriesProblem:
    name: str
    evenings: tuple[Evening, ...]
    specialists: tuple[Specialist, ...]
    groups: tuple[Group, ...]
    departments: tuple[Department, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Anchor:
    """A specialist anchors a table at an evening."""

    specialist: str
    evening: str


@dataclass(frozen=True, slots=True, order=True)
class Attendance:
    """A group attends an evening."""

    group: str
    evening: str


@dataclass(frozen=True, slots=True, order=True)
class Need:
    """A group's department needs the specialty; unmet when no specialist of it anchors at
    an evening the group attends."""

    group: str
    specialty: str


class PlanStatus(StrEnum):
    # Both levels (needs met, then pairs meeting) proved best.
    OPTIMAL = "optimal"
    # A valid plan, not proved best (the time limit or a stop request came first).
    FEASIBLE = "feasible"


@dataclass(frozen=True, slots=True)
class SeriesPlan:
    status: PlanStatus
    anchors: tuple[Anchor, ...]
    attendance: tuple[Attendance, ...]
    # Clinician-level pairs (primary-care clinician, specialist at their site).
    shared_patient_pairs: int
    pairs_meeting: int
    # No plan that meets at least as many needs has more pairs meeting.
    upper_bound: int
    # (group, specialty) needs: all of them, met, and at most how many any plan meets.
    needs: int
    needs_met: int
    needs_upper_bound: int
    unmet_needs: tuple[Need, ...] = ()
    # Groups with no evening they may attend (their pairs cannot meet).
    unplaced_groups: tuple[str, ...] = ()
    solve_seconds: float = 0.0
    # True when should_stop() ended the search early; the plan is still valid.
    stopped: bool = False

    @property
    def share(self) -> float:
        """The share of shared-patient pairs that meet (1.0 when there are none)."""
        return _share(self.pairs_meeting, self.shared_patient_pairs)

    @property
    def share_upper_bound(self) -> float:
        return _share(self.upper_bound, self.shared_patient_pairs)

    def summary(self) -> str:
        """The plan's figure in words, e.g. "86% of shared-patient pairs meet this season; at
        most 91% can"."""
        met = _percent(self.pairs_meeting, self.shared_patient_pairs)
        bound = _percent(self.upper_bound, self.shared_patient_pairs)
        text = f"{met} of shared-patient pairs meet this season"
        if self.upper_bound > self.pairs_meeting:
            text += f"; at most {bound} can"
        else:
            text += " (the most that can)"
        if self.needs:
            text += f"; {self.needs_met:,} of {self.needs:,} needs met"
        return text


def _share(part: int, whole: int) -> float:
    return 1.0 if whole == 0 else part / whole


def _percent(part: int, whole: int) -> str:
    """A percentage that never rounds up to 100% nor down to 0% unless it is exactly that."""
    if whole == 0 or part == whole:
        return "100%"
    if part == 0:
        return "0%"
    value = round(100 * part / whole)
    return f"{min(99, max(1, value))}%"


class SeriesIndex:
    """Derived facts of a ``SeriesProblem`` by position: the evenings each specialist may
    anchor and each group may attend, the shared-patient pairs and the needs. The planner,
    its bounds and ``evaluate`` all read them from here, so the rules have one home."""

    def __init__(self, problem: SeriesProblem) -> None:
        self.problem = problem
        self.evening_ids = [evening.id for evening in problem.evenings]
        self.evening_at = {evening_id: e for e, evening_id in enumerate(self.evening_ids)}
        self.tables = [evening.tables for evening in problem.evenings]
        covering: dict[str, list[int]] = {}
        for e, evening in enumerate(problem.evenings):
            for site in evening.sites:
                covering.setdefault(site, []).append(e)

        def allowed(sites: Iterable[str], available: frozenset[str] | None) -> tuple[int, ...]:
            if available is not None:
                return tuple(sorted(self.evening_at[e] for e in available if e in self.evening_at))
            return tuple(sorted({e for site in sites for e in covering.get(site, [])}))

        # Evenings each specialist may anchor, and how many at most.
        self.anchor_options = [
            allowed(specialist.sites, specialist.available_evenings)
            for specialist in problem.specialists
        ]
        self.max_evenings = [max(0, specialist.max_evenings) for specialist in problem.specialists]
        # Evenings each group may attend, and how many it attends.
        self.attend_options = [
            allowed((site for site, _ in group.clinicians), group.available_evenings)
            for group in problem.groups
        ]
        self.attends = [
            min(max(0, group.evenings), len(options))
            for group, options in zip(problem.groups, self.attend_options, strict=True)
        ]

        # Shared-patient pairs: (group, specialist) -> clinicians of the group at a site where
        # the specialist practises, for specialists whose track the group may visit.
        at_site: dict[str, list[int]] = {}
        for p, specialist in enumerate(problem.specialists):
            for site in set(specialist.sites):
                at_site.setdefault(site, []).append(p)
        self.pairs: list[dict[int, int]] = []
        for group in problem.groups:
            weights: dict[int, int] = {}
            for site, count in group.clinicians:
                for p in at_site.get(site, []):
                    if track_allows(group.track, problem.specialists[p].track):
                        weights[p] = weights.get(p, 0) + count
            self.pairs.append(weights)
        # The same pairs by specialist: (group, clinicians).
        self.pairs_by_specialist: list[list[tuple[int, int]]] = [[] for _ in problem.specialists]
        for g, weights in enumerate(self.pairs):
            for p, weight in weights.items():
                self.pairs_by_specialist[p].append((g, weight))
        self.shared_patient_pairs = sum(sum(weights.values()) for weights in self.pairs)

        # Needs: for each group, the specialties its department needs, in order.
        needs_of: Mapping[str, tuple[str, ...]] = {
            department.id: tuple(dict.fromkeys(department.needs))
            for department in problem.departments
        }
        self.needs = [needs_of.get(group.department, ()) for group in problem.groups]
        self.specialists_of: dict[str, list[int]] = {}
        for p, specialist in enumerate(problem.specialists):
            self.specialists_of.setdefault(specialist.specialty, []).append(p)

    def coverable(self, g: int, specialty: str) -> bool:
        """Some plan meets this need: one of the group's evenings has tables and a specialist
        of the specialty who may anchor it."""
        options = {e for e in self.attend_options[g] if self.tables[e] > 0}
        return self.attends[g] > 0 and any(
            self.max_evenings[p] > 0 and not options.isdisjoint(self.anchor_options[p])
            for p in self.specialists_of.get(specialty, [])
        )


@dataclass(frozen=True, slots=True)
class Figures:
    pairs_meeting: int
    needs_met: int
    unmet_needs: tuple[Need, ...]


def evaluate(
    problem: SeriesProblem,
    anchors: Iterable[Anchor],
    attendance: Iterable[Attendance],
    index: SeriesIndex | None = None,
) -> Figures:
    """The figures of a plan: the shared-patient pairs that meet, and the needs met and unmet.
    The plan is not checked (see ``plan_violations``)."""
    ix = index or SeriesIndex(problem)
    specialist_at = {s.id: p for p, s in enumerate(problem.specialists)}
    group_at = {group.id: g for g, group in enumerate(problem.groups)}
    anchored: list[set[int]] = [set() for _ in problem.specialists]
    specialties_at: list[set[str]] = [set() for _ in problem.evenings]
    for anchor in anchors:
        p, e = specialist_at[anchor.specialist], ix.evening_at[anchor.evening]
        anchored[p].add(e)
        specialties_at[e].add(problem.specialists[p].specialty)
    attended: list[set[int]] = [set() for _ in problem.groups]
    for attendance_ in attendance:
        attended[group_at[attendance_.group]].add(ix.evening_at[attendance_.evening])
    pairs = sum(
        weight
        for g, weights in enumerate(ix.pairs)
        for p, weight in weights.items()
        if not attended[g].isdisjoint(anchored[p])
    )
    unmet = tuple(
        Need(group=group.id, specialty=specialty)
        for g, group in enumerate(problem.groups)
        for specialty in ix.needs[g]
        if not any(specialty in specialties_at[e] for e in attended[g])
    )
    needs = sum(len(needs) for needs in ix.needs)
    return Figures(pairs_meeting=pairs, needs_met=needs - len(unmet), unmet_needs=unmet)


def plan_violations(
    problem: SeriesProblem,
    anchors: Iterable[Anchor],
    attendance: Iterable[Attendance],
    index: SeriesIndex | None = None,
) -> list[str]:
    """Every rule the plan breaks, one sentence each (empty for a valid plan): a specialist
    anchors only evenings they may (said yes to) and at most ``max_evenings``; an evening
    holds at most ``tables`` anchors; a group attends only evenings it may, exactly as many as
    it attends (``SeriesIndex.attends``); unknown ids."""
    ix = index or SeriesIndex(problem)
    specialist_at = {s.id: p for p, s in enumerate(problem.specialists)}
    group_at = {group.id: g for g, group in enumerate(problem.groups)}
    problems: list[str] = []
    anchored: dict[int, set[int]] = {}
    per_evening = [0] * len(problem.evenings)
    for anchor in anchors:
        p = specialist_at.get(anchor.specialist)
        e = ix.evening_at.get(anchor.evening)
        if p is None or e is None:
            problems.append(f"{anchor}: unknown specialist or evening")
            continue
        if e in anchored.setdefault(p, set()):
            problems.append(f'specialist "{anchor.specialist}" anchors "{anchor.evening}" twice')
            continue
        anchored[p].add(e)
        per_evening[e] += 1
        if e not in ix.anchor_options[p]:
            problems.append(
                f'specialist "{anchor.specialist}" anchors "{anchor.evening}", not one of '
                "the evenings they may anchor"
            )
    for p, evenings in anchored.items():
        if len(evenings) > ix.max_evenings[p]:
            problems.append(
                f'specialist "{problem.specialists[p].id}" anchors {len(evenings)} evenings, '
                f"more than their {ix.max_evenings[p]}"
            )
    for e, count in enumerate(per_evening):
        if count > ix.tables[e]:
            problems.append(
                f'evening "{ix.evening_ids[e]}" has {count} anchors for {ix.tables[e]} tables'
            )
    attended: dict[int, set[int]] = {g: set() for g in range(len(problem.groups))}
    for attendance_ in attendance:
        g = group_at.get(attendance_.group)
        e = ix.evening_at.get(attendance_.evening)
        if g is None or e is None:
            problems.append(f"{attendance_}: unknown group or evening")
            continue
        if e not in ix.attend_options[g]:
            problems.append(
                f'group "{attendance_.group}" attends "{attendance_.evening}", not one of the '
                "evenings it may attend"
            )
        attended[g].add(e)
    for g, evenings in attended.items():
        if len(evenings) != ix.attends[g]:
            problems.append(
                f'group "{problem.groups[g].id}" attends {len(evenings)} evenings, not '
                f"{ix.attends[g]}"
            )
    return problems


def evening_pairs(
    problem: SeriesProblem, plan: SeriesPlan, index: SeriesIndex | None = None
) -> dict[str, list[tuple[str, str, int]]]:
    """For each evening, the shared-patient pairs the plan brings there: (group, specialist,
    clinicians of the group at the specialist's sites), for the evening's solve as affinity
    (a specialist's table gets the weight). A pair that shares two evenings is listed at both."""
    ix = index or SeriesIndex(problem)
    specialist_at = {s.id: p for p, s in enumerate(problem.specialists)}
    at: dict[str, list[int]] = {}
    for anchor in plan.anchors:
        at.setdefault(anchor.evening, []).append(specialist_at[anchor.specialist])
    group_at = {group.id: g for g, group in enumerate(problem.groups)}
    pairs: dict[str, list[tuple[str, str, int]]] = {evening.id: [] for evening in problem.evenings}
    for attendance in plan.attendance:
        weights = ix.pairs[group_at[attendance.group]]
        for p in at.get(attendance.evening, []):
            if p in weights:
                pairs[attendance.evening].append(
                    (attendance.group, problem.specialists[p].id, weights[p])
                )
    return pairs
