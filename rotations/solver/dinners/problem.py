"""Group formation for Facilitated Dinners: the vocabulary, the rules and the value of a
grouping.

Clinicians sign up for a dinner season: the weekday evenings that suit them, their region,
site, department and specialty, the sites they can reach, whether they would host, and
(privately) people they should not be grouped with. The season's groups of ``min_size`` to
``max_size`` people each dine on one evening, near one member's site (the host's).

A grouping is *valid* (``grouping_violations``) when every group lies within one region, its
members all suit its evening, nobody shares a group with someone on their "not with" list, and
its size is within bounds. A grouping is *better* first when it places more people, then when
its value is higher (``grouping_value``): the sum over pairs of members of ``pair_weight`` --
a new-colleague value that the connection ledger lowers for people who have met, plus smaller
terms for a pair from different departments, specialties and sites -- plus ``VOLUNTEER`` for
each group with at least one volunteer host. Every pair counts, so groups lean towards
``max_size`` (more pairs), as even in size as the numbers allow.

Nothing here imports Django or the apps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

# A pair of members who never met is worth NEW; one with met weight w, NEW * (1 - w), rounded.
NEW = 100
# A pair from different departments / specialties / sites is worth this much more.
MIX_DEPARTMENT = 10
MIX_SPECIALTY = 5
MIX_SITE = 10
# A group with at least one volunteer host is worth this much more.
VOLUNTEER = 50


class HostWish(StrEnum):
    # Volunteers to host (book the table, claim the stipend).
    YES = "yes"
    # Would host if nobody in the group volunteers.
    IF_NEEDED = "if-needed"
    # Would rather not; hosts only a group where nobody else can.
    NO = "no"


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    region: str
    # The evenings (e.g. weekdays) that suit them; one of ``DinnerProblem.evenings`` each.
    evenings: frozenset[str]
    site: str = ""
    department: str = ""
    specialty: str = ""
    # The sites they can get to for a dinner; None: any site of their region.
    reach: frozenset[str] | None = None
    host: HostWish = HostWish.IF_NEEDED
    name: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Met:
    """Two people who met before: ``weight`` in (0, 1] says how strongly or recently (1 for
    last season's dinner group, less for one speed-networking evening long ago)."""

    a: str
    b: str
    weight: float


@dataclass(frozen=True, slots=True)
class DinnerProblem:
    name: str
    people: tuple[Person, ...]
    # The season's evenings in the order organizers name them, e.g. ("tue", "wed", "thu").
    evenings: tuple[str, ...]
    met: tuple[Met, ...] = ()
    # Pairs never to be grouped together (either asked for it).
    not_with: tuple[tuple[str, str], ...] = ()
    min_size: int = 6
    max_size: int = 8


@dataclass(frozen=True, slots=True)
class DinnerGroup:
    id: str
    region: str
    evening: str
    members: tuple[str, ...]
    host: str
    # The host's site: where the group dines.
    dinner_site: str = ""
    # Members whose ``reach`` leaves out the dinner site (none when the host was reachable).
    out_of_reach: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Unplaced:
    person: str
    reason: str


class GroupingStatus(StrEnum):
    # Proved best: every region was small enough to search exhaustively.
    OPTIMAL = "optimal"
    # Valid, not proved best.
    FEASIBLE = "feasible"


@dataclass(frozen=True, slots=True)
class Grouping:
    status: GroupingStatus
    groups: tuple[DinnerGroup, ...]
    unplaced: tuple[Unplaced, ...]
    # Pairs of members in the groups, and those among them who never met (met weight 0).
    pairs: int
    new_pairs: int
    # The same figures for a random valid grouping of the same people (the baseline).
    random_pairs: int
    random_new_pairs: int
    # No valid grouping has more new-colleague pairs.
    new_pairs_upper_bound: int
    # ``grouping_value`` of the groups.
    value: int
    solve_seconds: float = 0.0
    # True when should_stop() ended the search early; the grouping is still valid.
    stopped: bool = False

    @property
    def members(self) -> int:
        return sum(len(group.members) for group in self.groups)

    def summary(self) -> str:
        """The figure in words: "412 of 430 pairs in your groups are new colleagues; a random
        grouping gives 180"."""
        text = (
            f"{self.new_pairs:,} of {self.pairs:,} pairs in your groups are new colleagues; "
            f"a random grouping gives {self.random_new_pairs:,}"
        )
        if self.random_pairs != self.pairs:
            text += f" of {self.random_pairs:,}"
        if self.unplaced:
            text += f"; {len(self.unplaced):,} not placed"
        return text


class DinnerIndex:
    """Derived facts of a ``DinnerProblem`` by position: each person's region, evenings as a
    bit mask, met values and "not with" partners, and ``pair_weight``. The solver, the
    exhaustive search and ``grouping_value`` all read them from here."""

    def __init__(self, problem: DinnerProblem) -> None:
        self.problem = problem
        people = problem.people
        self.n = len(people)
        self.at = {person.id: i for i, person in enumerate(people)}
        self.evening_bit = {evening: 1 << e for e, evening in enumerate(problem.evenings)}
        self.mask = [
            sum(self.evening_bit.get(evening, 0) for evening in person.evenings)
            for person in people
        ]
        self.regions: dict[str, list[int]] = {}
        for i, person in enumerate(people):
            self.regions.setdefault(person.region, []).append(i)

        def ids(values: Iterable[str]) -> list[int]:
            table: dict[str, int] = {}
            return [table.setdefault(value, len(table)) for value in values]

        self.department = ids(person.department for person in people)
        self.specialty = ids(person.specialty for person in people)
        self.site = ids(person.site for person in people)
        self.volunteer = [person.host is HostWish.YES for person in people]
        # met_value[i][j]: the new-colleague value of the pair when they met (absent: NEW).
        self.met_value: list[dict[int, int]] = [{} for _ in people]
        at, met_value = self.at, self.met_value
        # The value of each weight, worked out once (a ledger uses a few weights many times).
        values: dict[float, int] = {}
        for met in problem.met:
            weight = met.weight
            # Weight 0 is "never met"; a pair listed twice counts with its stronger weight.
            if weight <= 0:
                continue
            i = at[met.a]
            j = at[met.b]
            if i == j:
                continue
            value = values.get(weight)
            if value is None:
                value = values[weight] = 0 if weight >= 1 else round(NEW * (1 - weight))
            row = met_value[i]
            old = row.get(j)
            if old is None or value < old:
                row[j] = met_value[j][i] = value
        self.not_with: list[set[int]] = [set() for _ in people]
        for a, b in problem.not_with:
            i, j = self.at[a], self.at[b]
            if i != j:
                self.not_with[i].add(j)
                self.not_with[j].add(i)

    def pair_weight(self, i: int, j: int) -> int:
        return (
            self.met_value[i].get(j, NEW)
            + (MIX_DEPARTMENT if self.department[i] != self.department[j] else 0)
            + (MIX_SPECIALTY if self.specialty[i] != self.specialty[j] else 0)
            + (MIX_SITE if self.site[i] != self.site[j] else 0)
        )

    def is_new(self, i: int, j: int) -> bool:
        return j not in self.met_value[i]

    def common_mask(self, members: Sequence[int]) -> int:
        mask = -1
        for i in members:
            mask &= self.mask[i]
        return mask

    def block_value(self, members: Sequence[int]) -> int:
        """The value of one group: its pairs' weights, plus ``VOLUNTEER`` if one volunteers."""
        value = sum(
            self.pair_weight(members[a], members[b])
            for a in range(len(members))
            for b in range(a + 1, len(members))
        )
        if any(self.volunteer[i] for i in members):
            value += VOLUNTEER
        return value


def grouping_value(problem: DinnerProblem, groups: Iterable[Iterable[str]]) -> int:
    """The value of a grouping (people by id); the grouping is not checked."""
    ix = DinnerIndex(problem)
    return sum(ix.block_value([ix.at[person] for person in group]) for group in groups)


def count_pairs(ix: DinnerIndex, groups: Iterable[Sequence[int]]) -> tuple[int, int]:
    """(pairs, new-colleague pairs) of groups given by position."""
    pairs = new = 0
    for members in groups:
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                pairs += 1
                new += ix.is_new(members[a], members[b])
    return pairs, new


def grouping_violations(problem: DinnerProblem, groups: Iterable[DinnerGroup]) -> list[str]:
    """Every rule the groups break, one sentence each (empty for a valid grouping): unknown or
    repeated people, a size out of bounds, members of other regions, a member who does not
    suit the group's evening, a "not with" pair together, a host who is not a member."""
    ix = DinnerIndex(problem)
    problems: list[str] = []
    seen: dict[str, str] = {}
    for group in groups:
        members = []
        for person in group.members:
            if person not in ix.at:
                problems.append(f'group "{group.id}": "{person}" is not one of the people')
                continue
            if person in seen:
                problems.append(f'"{person}" is in groups "{seen[person]}" and "{group.id}"')
            seen[person] = group.id
            members.append(ix.at[person])
        size = len(group.members)
        if not problem.min_size <= size <= problem.max_size:
            problems.append(
                f'group "{group.id}" has {size} members, outside '
                f"{problem.min_size}..{problem.max_size}"
            )
        for i in members:
            member = problem.people[i]
            if member.region != group.region:
                problems.append(
                    f'group "{group.id}" (region "{group.region}"): "{member.id}" is in region '
                    f'"{member.region}"'
                )
            if group.evening not in member.evenings:
                problems.append(
                    f'group "{group.id}" dines on "{group.evening}", which does not suit '
                    f'"{member.id}"'
                )
        for a, i in enumerate(members):
            for j in members[a + 1 :]:
                if j in ix.not_with[i]:
                    problems.append(
                        f'group "{group.id}": "{problem.people[i].id}" and '
                        f'"{problem.people[j].id}" are not to be grouped together'
                    )
        if group.host not in group.members:
            problems.append(f'group "{group.id}": host "{group.host}" is not a member')
    return problems
