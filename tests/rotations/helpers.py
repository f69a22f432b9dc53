"""Test helpers: database events built from solver problems (the shapes of real instances in
``benchmarks/instances``, or hard random ones), and schedules from visit rows."""

import datetime
import itertools
import random

from clinicians.models import Clinician, Department, Region, Site, Specialty
from events.models import Anchor, Event, GroupMember, Table, TravelGroup
from rotations.models import Schedule, Visit
from rotations.solver import Group, Problem, Track
from rotations.solver import Table as SolverTable

_numbers = itertools.count(1)


def event_from_problem(problem: Problem, **fields) -> Event:
    """An event with one table and one anchor per problem table (absent where the table is
    not available) and one group per problem group with ``size`` members. Bulk inserts, so a
    1,000-clinician instance takes a moment, not a minute."""
    batch = next(_numbers)
    region, _ = Region.objects.get_or_create(name="Instances")
    fields.setdefault("name", problem.name or f"Instance {batch}")
    fields.setdefault("date", datetime.date.today() + datetime.timedelta(days=30))
    fields.setdefault("venue", "Hall")
    event = Event.objects.create(
        rounds=problem.rounds, round_minutes=problem.round_minutes, **fields
    )
    site_names = {name for table in problem.tables for name in table.sites}
    site_names |= {group.site for group in problem.groups if group.site}
    sites = {name: Site.objects.get_or_create(name=name, region=region)[0] for name in site_names}
    everyone = set(range(1, problem.rounds + 1))

    tables, anchors, specialists = [], [], []
    for number, item in enumerate(problem.tables, start=1):
        specialty, _ = Specialty.objects.get_or_create(
            name=item.specialty or f"Specialty {item.id}", defaults={"track": item.track.value}
        )
        tables.append(
            Table(event=event, number=number, specialty=specialty, capacity=item.capacity)
        )
        specialists.append(
            Clinician(
                first_name="Spec",
                last_name=f"{item.id}-{batch}",
                credentials="MD",
                email=f"spec-{item.id.lower()}-{batch}@example.org",
                role=Clinician.Role.SPECIALIST,
                specialty=specialty,
            )
        )
    Table.objects.bulk_create(tables)
    Clinician.objects.bulk_create(specialists)
    site_links = []
    for item, table, specialist in zip(problem.tables, tables, specialists, strict=True):
        available = everyone if item.available_rounds is None else set(item.available_rounds)
        anchors.append(
            Anchor(
                event=event,
                table=table,
                clinician=specialist,
                absent_rounds=sorted(everyone - available),
            )
        )
        site_links += [
            Clinician.sites.through(clinician_id=specialist.pk, site_id=sites[name].pk)
            for name in item.sites
        ]
    Anchor.objects.bulk_create(anchors)

    groups, members = [], []
    departments: dict[tuple[str, str], Department] = {}
    unsited = Site.objects.get_or_create(name="Instance site", region=region)[0]
    for item in problem.groups:
        site = sites[item.site] if item.site else unsited
        key = (f"Department {item.track.value}", site.name)
        if key not in departments:
            departments[key] = Department.objects.get_or_create(
                name=key[0], site=site, defaults={"track": item.track.value}
            )[0]
        department = departments[key]
        available = everyone if item.available_rounds is None else set(item.available_rounds)
        groups.append(
            TravelGroup(
                event=event,
                name=item.name or item.id,
                department=department,
                track=item.track.value,
                absent_rounds=sorted(everyone - available),
            )
        )
        members += [
            Clinician(
                first_name="Member",
                last_name=f"{item.id}-{index}-{batch}",
                credentials="MD",
                email=f"member-{item.id.lower()}-{index}-{batch}@example.org",
                role=Clinician.Role.PRIMARY_CARE,
                department=department,
            )
            for index in range(item.size)
        ]
    TravelGroup.objects.bulk_create(groups)
    Clinician.objects.bulk_create(members)
    Clinician.sites.through.objects.bulk_create(site_links)
    memberships = []
    members_iter = iter(members)
    for item, group in zip(problem.groups, groups, strict=True):
        memberships += [
            GroupMember(event=event, group=group, clinician=next(members_iter))
            for _ in range(item.size)
        ]
    GroupMember.objects.bulk_create(memberships)
    return event


def hard_problem(*, seed: int = 1, tables: int = 25, groups: int = 50, rounds: int = 12) -> Problem:
    """A problem whose flow phases fall short of the bound, so CP-SAT searches until its time
    limit: random windows for tables and groups (seed 1: about 0.7 of the time limit)."""
    rnd = random.Random(seed)
    return Problem(
        name=f"Hard {seed}",
        rounds=rounds,
        tables=tuple(
            SolverTable(
                id=f"T{i}",
                specialty=f"Hard specialty {i}",
                track=Track.ALL_AGES,
                available_rounds=frozenset(r for r in range(1, rounds + 1) if rnd.random() < 0.6),
            )
            for i in range(tables)
        ),
        groups=tuple(
            Group(
                id=f"G{i}",
                name=f"Hard group {i}",
                track=Track.ALL_AGES,
                available_rounds=frozenset(r for r in range(1, rounds + 1) if rnd.random() < 0.6),
            )
            for i in range(groups)
        ),
    )


def make_schedule(event: Event, visits, *, version=None, published=False, pinned=()):
    """A schedule of ``event`` with visits given as (round, group, table) rows; ``pinned``
    the subset of those rows to pin."""
    if version is None:
        version = Schedule.objects.filter(event=event).count() + 1
    schedule = Schedule.objects.create(event=event, version=version, is_published=published)
    Visit.objects.bulk_create(
        Visit(
            schedule=schedule,
            round=round_,
            group=group,
            table=table,
            pinned=(round_, group, table) in pinned,
        )
        for round_, group, table in visits
    )
    return schedule
