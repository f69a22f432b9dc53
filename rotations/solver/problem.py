"""The solver's vocabulary: plain frozen dataclasses in, plain frozen dataclasses out.

Nothing here imports Django or the apps. ``rotations/services/adapter.py`` turns an event into a
``Problem`` and writes a ``Solution`` back; the command line reads and writes the JSON of
``docs/solver-format.md`` (see ``rotations/solver/instance.py``).

Locations (multi-location events, e.g. a regional event held in several hospitals at once):
a table or group may name the ``location`` it belongs to. A hard rule beside rules 1-6 of
``docs/solver-format.md``: when a group and a table both name a location, the group visits the
table only if it is the same one. ``None`` (the default) is at no particular location and
meets everyone the other rules allow. ``sites`` and ``site`` are where people practise, not
where the event happens; they only feed affinity and never restrict a visit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# The weight of a meeting that still counts fully (``Problem.met_before_weights``): such a
# visit earns no new-table bonus; weight w keeps (MET_BEFORE_FULL - w) / MET_BEFORE_FULL of it.
MET_BEFORE_FULL = 4


class Track(StrEnum):
    """The patients a table's specialty serves, or a group sees."""

    ADULT = "adult"
    PEDIATRIC = "pediatric"
    ALL_AGES = "all-ages"


def track_allows(group_track: Track, table_track: Track) -> bool:
    """Hard rule 4: adult groups visit adult and all-ages tables, pediatric groups pediatric
    and all-ages tables, all-ages groups any table."""
    if group_track is Track.ALL_AGES or table_track is Track.ALL_AGES:
        return True
    return group_track is table_track


def location_allows(group_location: str | None, table_location: str | None) -> bool:
    """The location rule: a group and a table that both name a location meet only if it is
    the same; one without a location meets any."""
    return group_location is None or table_location is None or group_location == table_location


def may_visit(group: Group, table: Table) -> bool:
    """Tracks and locations allow ``group`` to visit ``table`` (windows aside)."""
    return track_allows(group.track, table.track) and location_allows(
        group.location, table.location
    )


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    specialty: str
    track: Track
    capacity: int = 1
    # None means every round of the event.
    available_rounds: frozenset[int] | None = None
    sites: tuple[str, ...] = ()
    # How an organizer names the table in messages, e.g. "table 7 (Neonatology)".
    label: str = ""
    # Where the table stands at a multi-location event; None: no particular location.
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    track: Track
    size: int = 1
    site: str | None = None
    # None means every round of the event.
    available_rounds: frozenset[int] | None = None
    # The location the group attends at a multi-location event; None: no particular one.
    location: str | None = None


@dataclass(frozen=True, slots=True, order=True)
class Visit:
    """One group at one table in one round."""

    round: int
    group: str
    table: str


@dataclass(frozen=True, slots=True)
class Problem:
    name: str
    rounds: int
    tables: tuple[Table, ...]
    groups: tuple[Group, ...]
    round_minutes: int = 10
    # (group id, table id) -> extra value of that visit.
    affinity: tuple[tuple[str, str, int], ...] = ()
    # (group id, table id) pairs that met at an earlier event.
    met_before: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    # (group id, table id, weight): how much an earlier meeting of a ``met_before`` pair still
    # counts, 1 (long ago) .. ``MET_BEFORE_FULL`` (recently); a ``met_before`` pair not listed
    # counts fully, and an entry for a pair outside ``met_before`` is ignored.
    met_before_weights: tuple[tuple[str, str, int], ...] = ()
    # Visits the organizer fixed by hand; the solver keeps them.
    pinned: tuple[Visit, ...] = ()
    # A re-plan on the day: the published schedule, and the first round planned again. The
    # rounds before it happened: their visits of ``previous`` are kept exactly and no other
    # visit is added to them. ``previous`` is ignored while ``replan_from_round`` is None.
    previous: tuple[Visit, ...] = ()
    replan_from_round: int | None = None


class Strategy(StrEnum):
    """How a re-plan treats the rounds from ``replan_from_round`` on."""

    # Keep every published visit that is still valid; give the open seats to the groups
    # that lost a visit (or are newly there), moving nobody else.
    FEWEST_CHANGES = "fewest-changes"
    # Plan those rounds again for the best schedule; kept visits only break ties.
    BEST = "best"


class Level(StrEnum):
    """Levels 1-4 of what makes a schedule better (``docs/solver-format.md``), as named in
    ``Solution.proved_levels``."""

    FAIRNESS = "fairness"
    VISITS = "visits"
    VALUE = "value"
    MIXING = "mixing"


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"


@dataclass(frozen=True, slots=True)
class Progress:
    """What the solver reports while it works, for a progress bar."""

    fraction: float  # 0.0 .. 1.0, an estimate
    message: str
    visits: int | None = None
    visits_upper_bound: int | None = None


@dataclass(frozen=True, slots=True)
class Solution:
    status: Status
    visits: tuple[Visit, ...]
    # Upper bounds proved by the solver (max-flow over the hard rules).
    visits_upper_bound: int
    min_share_upper_bound: float
    # Figures of the schedule, in the order of what makes a schedule better.
    min_share: float
    affinity: int
    met_before_revisits: int
    repeated_pairs: int
    # For an infeasible problem: why, in words an organizer understands.
    reasons: tuple[str, ...] = ()
    solve_seconds: float = 0.0
    # True when should_stop() ended the search early; the visits are still valid.
    stopped: bool = False
    # Balance (level 5): the sum over tables of their visits squared; at equal visits, lower
    # is more even.
    table_spread: int = 0
    # A re-plan's changes against ``Problem.previous`` from ``replan_from_round`` on: the
    # (round, group) slots whose table changed, appeared or disappeared; the groups with at
    # least one such slot; and the published visits of those rounds that are still there.
    changed_visits: int = 0
    changed_groups: int = 0
    kept_visits: int = 0
    # The levels proved optimal, from the top: a level counts only if every level above it
    # is proved too. ``OPTIMAL`` has at least fairness, visits and value; small events get
    # mixing too (``exact.py``). Empty for an infeasible, stopped or cut-short solve.
    proved_levels: tuple[Level, ...] = ()
