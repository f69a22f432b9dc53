"""The one adapter between Django and the solver: an event becomes a solver ``Problem``
(ids "T<table pk>", "G<group pk>"), and a ``Solution`` becomes a new schedule version written
in one transaction. Nothing else in Rounds touches both worlds."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Max, Prefetch

from connections.queries import last_met_by_department_and_specialty
from events.models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup

# table_label: "table 7 (Neonatology)", the one mid-sentence name of a table (re-exported).
from events.queries import table_label
from rotations.models import Schedule, SolveRun, Visit
from rotations.solver import (
    MET_BEFORE_FULL,
    Group,
    Problem,
    Solution,
    Track,
    problem_to_json,
    track_allows,
)
from rotations.solver import Table as SolverTable
from rotations.solver import Visit as SolverVisit

VISIT_BATCH = 500


# --- Event -> Problem -------------------------------------------------------------------


def table_id(table: Table | int) -> str:
    """The solver id of a table: "T<pk>"."""
    return f"T{table if isinstance(table, int) else table.pk}"


def group_id(group: TravelGroup | int) -> str:
    """The solver id of a travelling group: "G<pk>"."""
    return f"G{group if isinstance(group, int) else group.pk}"


def _pk(solver_id: str, prefix: str) -> int:
    if not solver_id.startswith(prefix) or not solver_id[1:].isdigit():
        raise ValueError(f"{solver_id!r} is not a {prefix}<number> id")
    return int(solver_id[1:])


@dataclass(frozen=True, slots=True)
class _EventRows:
    event: Event
    tables: list[Table]
    groups: list[TravelGroup]


def _load_event(event: Event) -> _EventRows:
    """Tables with specialty, anchors and anchors' sites; groups with site and size: four
    queries whatever the event's size."""
    anchors = Anchor.objects.select_related("clinician").prefetch_related("clinician__sites")
    tables = list(
        Table.objects.filter(event=event)
        .select_related("specialty")
        .prefetch_related(Prefetch("anchors", queryset=anchors))
        .order_by("number")
    )
    groups = list(
        TravelGroup.objects.filter(event=event)
        .select_related("department__site")
        .annotate(member_count=Count("memberships"))
        .order_by("name", "pk")
    )
    return _EventRows(event=event, tables=tables, groups=groups)


def _rounds_or_none(rounds: set[int], total: int) -> frozenset[int] | None:
    # None is the solver's "every round", as in the JSON format where the field is left out.
    return None if rounds >= set(range(1, total + 1)) else frozenset(rounds)


@dataclass(frozen=True, slots=True)
class Availability:
    """Who is there in which round: the one rule for the solver's problem, the checks on hand
    moves and the grid's hatching.

    A table is open in the rounds where at least one anchor is present (none without an
    anchor); a group in every round but its absent rounds. In a version re-planned from
    round ``from_round``, the no-shows (``gone``) count only before that round: a no-show
    anchor no longer keeps a table open, and a group whose members all did not come is gone.

    Late arrivals: a group's absent rounds at the start of the event (1, 2, ... in a row) say
    it was expected late. Once one of its members is checked in (``arrived``) it is here, so
    in a re-plan those absent rounds from ``from_round`` on no longer count; absent rounds
    after a present one (leaving early) still do.
    """

    total: int
    from_round: int = 0
    gone: frozenset[int] = frozenset()
    members: Mapping[int, Sequence[int]] = field(default_factory=dict)  # group pk -> clinicians
    arrived: frozenset[int] = frozenset()

    @classmethod
    def load(cls, *, event: Event, replan_from_round: int | None = None) -> Availability:
        """The availability of ``event``; for a re-plan, two queries read who did not come."""
        if replan_from_round is None:
            return cls(total=event.rounds)
        members: dict[int, list[int]] = defaultdict(list)
        for group, clinician in GroupMember.objects.filter(event=event).values_list(
            "group_id", "clinician_id"
        ):
            members[group].append(clinician)
        gone: set[int] = set()
        arrived: set[int] = set()
        for clinician, status in Attendance.objects.filter(
            event=event, status__in=[Attendance.Status.NO_SHOW, Attendance.Status.CHECKED_IN]
        ).values_list("clinician_id", "status"):
            (gone if status == Attendance.Status.NO_SHOW else arrived).add(clinician)
        return cls(
            total=event.rounds,
            from_round=replan_from_round,
            gone=frozenset(gone),
            members=members,
            arrived=frozenset(arrived),
        )

    def anchors_there(self, table: Table) -> list[Anchor]:
        """The table's anchors who count from the re-plan on (all of them otherwise)."""
        return [anchor for anchor in table.anchors.all() if anchor.clinician_id not in self.gone]

    def present(self, clinician_id: int, round_: int) -> bool:
        """Whether a clinician counts in ``round_``: a no-show only before the re-plan."""
        return clinician_id not in self.gone or round_ < self.from_round

    def anchor_rounds(self, anchor: Anchor) -> set[int]:
        """Rounds in which ``anchor`` is at their table."""
        return {
            number
            for number in anchor.present_rounds(self.total)
            if self.present(anchor.clinician_id, number)
        }

    def anchor_rounds_of(self, clinician_id: int, absent_rounds: Iterable[int]) -> set[int]:
        """``anchor_rounds`` from an anchor's plain values (its clinician and absent rounds)."""
        absent = set(absent_rounds)
        return {
            number
            for number in range(1, self.total + 1)
            if number not in absent and self.present(clinician_id, number)
        }

    def table_rounds(self, table: Table) -> set[int]:
        """Rounds in which at least one anchor is at ``table`` (its anchors prefetched)."""
        present: set[int] = set()
        for anchor in table.anchors.all():
            present.update(self.anchor_rounds(anchor))
        return present

    def group_rounds(self, group: TravelGroup) -> set[int]:
        absent = set(group.absent_rounds)
        if self.group_arrived(group):
            late = 0
            while late + 1 in absent:
                late += 1
            absent -= set(range(self.from_round, late + 1))
        rounds = set(range(1, self.total + 1)) - absent
        if self.group_gone(group):
            rounds = {number for number in rounds if number < self.from_round}
        return rounds

    def group_size(self, group: TravelGroup, member_count: int) -> int:
        """Members still there; at least 1, as the instance format asks."""
        if not self.gone:
            return max(1, member_count)
        return max(1, sum(1 for pk in self.members.get(group.pk, ()) if pk not in self.gone))

    def group_arrived(self, group: TravelGroup) -> bool:
        """In a re-plan: at least one member of ``group`` is checked in."""
        return bool(self.from_round) and any(
            pk in self.arrived for pk in self.members.get(group.pk, ())
        )

    def group_gone(self, group: TravelGroup) -> bool:
        # An empty group was never somebody, so it does not go missing.
        members = self.members.get(group.pk, ())
        return bool(members) and all(pk in self.gone for pk in members)


# How much a department's last meeting with a specialty still counts when the next event is
# solved, by the complete months between that meeting and the event: (fewer than this many
# months, weight). Weight MET_BEFORE_FULL (4) takes away the whole new-table bonus of a visit,
# 3 three quarters of it, 2 half, 1 a quarter; from 36 months on the meeting no longer counts
# and the specialty is as new as one never met (docs/solver-format.md, "value").
MET_BEFORE_WEIGHTS: tuple[tuple[int, int], ...] = ((6, MET_BEFORE_FULL), (12, 3), (24, 2), (36, 1))


def met_before_weight(met: datetime.date, day: datetime.date) -> int:
    """How much a meeting on ``met`` still counts for an event on ``day``
    (``MET_BEFORE_WEIGHTS``): 0 when it no longer does."""
    months = (day.year - met.year) * 12 + day.month - met.month - (day.day < met.day)
    for below, weight in MET_BEFORE_WEIGHTS:
        if months < below:
            return weight
    return 0


# Other apps' memories of meetings (rotations may not import them: layers). Each source is
# called by ``build_problem`` with the event, the departments of its groups and the specialties
# of its tables, and returns {(department id, specialty id): the date they last met before the
# event}; the latest date of all sources and the ledger counts. The series app registers the
# earlier evenings of the same season (``series.apps``).
MetBeforeSource = Callable[[Event, set[int], set[int]], Mapping[tuple[int, int], datetime.date]]
_met_before_sources: list[MetBeforeSource] = []


def register_met_before_source(source: MetBeforeSource) -> None:
    """Add ``source`` to the meetings ``build_problem`` reads (once; registering it again does
    nothing)."""
    if source not in _met_before_sources:
        _met_before_sources.append(source)


# The value of a visit (docs/solver-format.md, "Value"): 2 x its affinity, plus the new-table
# bonus of 1 that a meeting of weight w (``MET_BEFORE_WEIGHTS``) cuts to (4 - w) / 4. Affinity
# is 1 for each of the table's anchors who practises at the site of the group's department
# (they share patients), so such a visit (2) always beats a new table without (1), whatever
# was met before. Other apps may add affinity (rotations may not import them: layers): each
# source is called by ``build_problem`` with the event and returns {(group id, table id):
# extra weight}; the extras of all sources add up, for the visits the tracks allow. The
# series app registers its evenings (``series.planning.SHARED_PATIENT_PAIR_WEIGHT``: one more
# per clinician x specialist pair who share patients, which also reaches a group formed of
# several departments).
AffinitySource = Callable[[Event], Mapping[tuple[int, int], int]]
_affinity_sources: list[AffinitySource] = []


def register_affinity_source(source: AffinitySource) -> None:
    """Add ``source`` to the extra affinity ``build_problem`` reads (once; registering it
    again does nothing)."""
    if source not in _affinity_sources:
        _affinity_sources.append(source)


def _last_met(
    event: Event, departments: set[int], specialties: set[int]
) -> dict[tuple[int, int], datetime.date]:
    """The connection ledger's last meetings, and any registered source's later ones."""
    last_met = dict(
        last_met_by_department_and_specialty(
            departments=departments, specialties=specialties, before=event.date
        )
    )
    for source in _met_before_sources:
        for key, met in source(event, departments, specialties).items():
            if met < event.date and (key not in last_met or last_met[key] < met):
                last_met[key] = met
    return last_met


def build_problem(
    *,
    event: Event,
    pinned_from: Schedule | None = None,
    replan_from_round: int | None = None,
) -> Problem:
    """The solver's ``Problem`` for ``event``. Reads only; a fixed number of queries.

    - Tables: id "T<pk>", label "table 7 (Neonatology)", track of the specialty, available in
      the rounds where at least one anchor is present (a table without anchors: no round),
      sites where its anchors practise.
    - Groups: id "G<pk>", size = number of members (at least 1: an empty group still takes a
      seat), site = the department's site, available in every round but its absent rounds.
    - Affinity: weight 1 for each anchor of the table who practises at the group's site (the
      specialist already shares patients with that site), for tables the group may visit,
      plus what a registered ``AffinitySource`` adds (the evenings of a series: one per
      clinician x specialist pair who share patients that the visit brings together).
    - Met before, graded by how long ago (``met_before_weight``): a group whose department met
      the table's specialty before the event's date, from the connection ledger (clinicians of
      the department who sat with a specialist of the specialty at a finished event, or any
      other gathering the ledger holds, or a registered ``MetBeforeSource`` such as the
      earlier evenings of a series). A visit to a specialty met recently is worth the
      least, one met long ago more, and one never met (or not for three years) the most.
    - Pinned: the pinned visits of ``pinned_from``, if given.

    A re-plan (``replan_from_round`` N, with ``pinned_from`` the published schedule) plans
    rounds N.. again around who is missing; rounds before N happened and stay as they are:

    - ``previous`` holds every visit of ``pinned_from`` and ``replan_from_round`` is N: the
      solver freezes rounds < N (exactly those visits, nothing added) and counts the changes
      from N against them; the organizer's pins from N on stay pins while their group and
      table are still there in their round;
    - no-show members no longer count in their group's size; a group whose members are all
      no-shows is unavailable from round N; a late group with a member checked in is
      available from N (see ``Availability``);
    - a no-show anchor no longer makes the table available from round N (nor counts for
      its sites or affinity), so a table with no anchor left is unavailable from N.

    Groups cannot go back to tables they visited before N: those visits are frozen, and a
    table at most once per group is a hard rule over the whole event.
    """
    if replan_from_round is not None and pinned_from is None:
        raise ValueError("a re-plan keeps the rounds before it from pinned_from")
    rows = _load_event(event)
    total = event.rounds
    there = Availability.load(event=event, replan_from_round=replan_from_round)

    tables = tuple(
        SolverTable(
            id=table_id(table),
            specialty=table.specialty.name,
            track=Track(table.specialty.track),
            capacity=table.capacity,
            available_rounds=_rounds_or_none(there.table_rounds(table), total),
            sites=tuple(
                sorted(
                    {
                        site.name
                        for anchor in there.anchors_there(table)
                        for site in anchor.clinician.sites.all()
                    }
                )
            ),
            label=table_label(table),
        )
        for table in rows.tables
    )
    groups = tuple(
        Group(
            id=group_id(group),
            name=group.name,
            track=Track(group.track),
            size=there.group_size(group, group.member_count),
            site=group.department.site.name if group.department else None,
            available_rounds=_rounds_or_none(there.group_rounds(group), total),
        )
        for group in rows.groups
    )

    extra: dict[tuple[int, int], int] = defaultdict(int)
    for source in _affinity_sources:
        for key, value in source(event).items():
            extra[key] += max(0, value)
    affinity = []
    for group in rows.groups:
        site_id = group.department.site_id if group.department is not None else None
        for table in rows.tables:
            if not track_allows(Track(group.track), Track(table.specialty.track)):
                continue
            weight = extra.get((group.pk, table.pk), 0)
            if site_id is not None:
                weight += sum(
                    1
                    for anchor in there.anchors_there(table)
                    if any(site.pk == site_id for site in anchor.clinician.sites.all())
                )
            if weight:
                affinity.append((group_id(group), table_id(table), weight))

    last_met = _last_met(
        event,
        {group.department_id for group in rows.groups if group.department_id},
        {table.specialty_id for table in rows.tables},
    )
    met_weights = []
    for group in rows.groups:
        for table in rows.tables:
            met = last_met.get((group.department_id, table.specialty_id))
            weight = met_before_weight(met, event.date) if met is not None else 0
            if weight:
                met_weights.append((group_id(group), table_id(table), weight))
    met_before = frozenset((group, table) for group, table, _weight in met_weights)

    pinned: tuple[SolverVisit, ...] = ()
    previous: tuple[SolverVisit, ...] = ()
    if pinned_from is not None:
        held = [
            (SolverVisit(round=round_, group=group_id(group), table=table_id(table)), is_pin)
            for round_, group, table, is_pin in pinned_from.visits.values_list(
                "round", "group_id", "table_id", "pinned"
            )
        ]
        pins = [visit for visit, is_pin in held if is_pin]
        if replan_from_round is not None:
            previous = tuple(sorted(visit for visit, _pin in held))
            # Rounds before N are frozen by the solver; a later pin stays only if its group
            # and table are still there in its round.
            available = {item.id: item.available_rounds for item in (*tables, *groups)}

            def present(solver_id: str, round_: int) -> bool:
                rounds = available.get(solver_id)
                return rounds is None or round_ in rounds

            pins = [
                pin
                for pin in pins
                if pin.round >= replan_from_round
                and present(pin.group, pin.round)
                and present(pin.table, pin.round)
            ]
        pinned = tuple(sorted(pins))

    return Problem(
        name=event.name,
        rounds=total,
        tables=tables,
        groups=groups,
        round_minutes=event.round_minutes,
        affinity=tuple(affinity),
        met_before=met_before,
        met_before_weights=tuple(entry for entry in met_weights if entry[2] < MET_BEFORE_FULL),
        pinned=pinned,
        previous=previous,
        replan_from_round=replan_from_round,
    )


def readiness_problems(*, event: Event, replan_from_round: int | None = None) -> list[str]:
    """Everything that keeps ``event`` from being solved, in the organizer's words; empty when
    it is ready. For a re-plan, a late group counts as there once it has arrived (see
    ``Availability``). Reads only."""
    rows = _load_event(event)
    there = Availability.load(event=event, replan_from_round=replan_from_round)
    problems = []
    if not rows.tables:
        problems.append("The event has no tables.")
    if not rows.groups:
        problems.append("The event has no travelling groups.")
    for table in rows.tables:
        label = str(table)
        if not table.anchors.all():
            problems.append(f"{label} has no anchor.")
        elif not Availability(total=event.rounds).table_rounds(table):
            problems.append(f"{label}: its anchors are absent in every round.")
    for group in rows.groups:
        track = Track(group.track)
        if rows.tables and not any(
            track_allows(track, Track(table.specialty.track)) for table in rows.tables
        ):
            problems.append(
                f"Group {group.name} sees {Track(group.track).value} patients "
                "but no table serves them."
            )
        if not there.group_rounds(group) and not there.group_gone(group):
            problems.append(f"Group {group.name} is absent in every round.")
    return problems


def export_instance(*, event: Event) -> dict[str, Any]:
    """``event`` as a rotation-instance/1 document, with the ids of ``build_problem``."""
    return problem_to_json(build_problem(event=event))


# --- Solution -> Schedule ---------------------------------------------------------------


def apply_solution(
    *,
    event: Event,
    solution: Solution,
    run: SolveRun | None = None,
    by: AbstractBaseUser | None = None,
    based_on: Schedule | None = None,
    note: str = "",
    also_pinned: Iterable[SolverVisit] = (),
    strategy: str = "",
    replan_run: SolveRun | None = None,
) -> Schedule:
    """Write ``solution`` as a new, unpublished schedule version of ``event``, with all its
    visits, in one transaction: either the whole schedule exists afterwards or nothing does.

    The version number is the next one, taken under a lock on the event row so two writers
    cannot take the same. Visits pinned in ``based_on`` stay pinned, and so do those in
    ``also_pinned`` (a re-plan's past rounds). A re-plan's option names its ``strategy`` and
    the ``replan_run`` that wrote it (only one option is the run's own ``solve_run``). The
    published schedule is never touched; a draft event becomes scheduled.
    """
    with transaction.atomic():
        pinned: set[tuple[int, int, int]] = set()
        if based_on is not None:
            pinned = set(
                based_on.visits.filter(pinned=True).values_list("round", "group_id", "table_id")
            )
        pinned.update(
            (visit.round, _pk(visit.group, "G"), _pk(visit.table, "T")) for visit in also_pinned
        )
        source = replan_run or run
        schedule = create_schedule_version(
            event=event,
            by=by,
            solve_run=run,
            based_on=based_on,
            note=note,
            replan_from_round=source.replan_from_round if source is not None else None,
            strategy=strategy,
            replan_run=replan_run,
        )
        visits = []
        for visit in solution.visits:
            key = (visit.round, _pk(visit.group, "G"), _pk(visit.table, "T"))
            visits.append(
                Visit(
                    schedule=schedule,
                    round=key[0],
                    group_id=key[1],
                    table_id=key[2],
                    pinned=key in pinned,
                )
            )
        Visit.objects.bulk_create(visits, batch_size=VISIT_BATCH)
        if schedule.event.status == Event.Status.DRAFT:
            schedule.event.status = Event.Status.SCHEDULED
            schedule.event.save(update_fields=["status", "updated_at"])
            event.status = schedule.event.status
    return schedule


def create_schedule_version(
    *,
    event: Event,
    by: AbstractBaseUser | None,
    based_on: Schedule | None = None,
    solve_run: SolveRun | None = None,
    note: str = "",
    replan_from_round: int | None = None,
    strategy: str = "",
    replan_run: SolveRun | None = None,
) -> Schedule:
    """A new, empty, unpublished version of ``event``, numbered after the last one. Call it
    inside the transaction that writes the visits: the event row stays locked until then, so
    two writers cannot take the same number."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    last = Schedule.objects.filter(event=locked).aggregate(last=Max("version"))["last"] or 0
    return Schedule.objects.create(
        event=locked,
        version=last + 1,
        solve_run=solve_run,
        based_on=based_on,
        note=note[:200],
        replan_from_round=replan_from_round,
        strategy=strategy,
        replan_run=replan_run,
        created_by=by if by is not None and by.is_authenticated else None,
    )
