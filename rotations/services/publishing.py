"""Publishing: ``publish_schedule`` makes a version the one clinicians see (only a version
that keeps every hard rule), and ``changed_itineraries`` lists whose itinerary changed between
two versions. ``check_version`` and its helpers run the solver's one rule checker
(``rotations.solver.check_schedule``) over a version, for publishing and for hand edits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import display_name, record_audit
from events.models import Anchor, Event, GroupMember
from rotations.models import Schedule
from rotations.services.adapter import build_problem, group_id, table_id
from rotations.solver import Problem, check_schedule
from rotations.solver import Visit as SolverVisit
from rotations.solver.names import group_name

# Audit log actions written by rotations.
SCHEDULE_PUBLISHED = "schedule.published"
SCHEDULE_CHANGED = "schedule.changed"

# --- The hard rules of a version -------------------------------------------------------


def version_problem(*, schedule: Schedule) -> Problem:
    """The solver's problem a version must satisfy: its event as ``build_problem`` sees it,
    with the availability of its re-plan (if any) and its own pins (for a re-plan, also every
    visit before the re-planned round: those rounds happened). Reads only."""
    return build_problem(
        event=schedule.event,
        pinned_from=schedule,
        replan_from_round=schedule.replan_from_round,
    )


def solver_visits(rows: Iterable[tuple[int, int, int]]) -> list[SolverVisit]:
    """(round, group pk, table pk) rows as the solver's visits."""
    return [
        SolverVisit(round=round_, group=group_id(group), table=table_id(table))
        for round_, group, table in rows
    ]


def rules_in_words(problem: Problem, messages: Iterable[str]) -> list[str]:
    """``check_schedule``'s messages as an organizer reads them: groups by their name (the
    solver says "group G12 (Pediatrics North)"), each a sentence. Tables already carry the
    organizer's label ("table 7 (Neonatology)")."""
    names = sorted(
        ((group_name(group), group.name) for group in problem.groups if group.name),
        key=lambda pair: -len(pair[0]),
    )
    words = []
    for message in messages:
        for solver_name, name in names:
            message = message.replace(solver_name, name)
        words.append(message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."))
    return words


def check_version(*, schedule: Schedule) -> list[str]:
    """Every hard rule ``schedule`` breaks, in the organizer's words; empty when it keeps them
    all. Reads only."""
    problem = version_problem(schedule=schedule)
    rows = schedule.visits.values_list("round", "group_id", "table_id")
    return rules_in_words(problem, check_schedule(problem, solver_visits(rows)))


# --- Publishing -------------------------------------------------------------------------


def _visit_sets(
    schedule: Schedule | None,
) -> tuple[dict[int, set[tuple[int, int]]], dict[int, set[tuple[int, int]]]]:
    by_group: dict[int, set[tuple[int, int]]] = defaultdict(set)
    by_table: dict[int, set[tuple[int, int]]] = defaultdict(set)
    if schedule is not None:
        for round_, group, table in schedule.visits.values_list("round", "group_id", "table_id"):
            by_group[group].add((round_, table))
            by_table[table].add((round_, group))
    return by_group, by_table


def changed_itineraries(*, old: Schedule | None, new: Schedule) -> list[int]:
    """Ids of the clinicians whose itinerary differs between ``old`` and ``new`` (sorted): the
    members of each group whose set of (round, table) changed, and the anchors of each table
    whose set of (round, group) changed. With no ``old``, everyone with a visit in ``new``.
    Reads only; four queries."""
    old_groups, old_tables = _visit_sets(old)
    new_groups, new_tables = _visit_sets(new)
    groups = {g for g in old_groups.keys() | new_groups.keys() if old_groups[g] != new_groups[g]}
    tables = {t for t in old_tables.keys() | new_tables.keys() if old_tables[t] != new_tables[t]}
    travellers = GroupMember.objects.filter(group_id__in=groups).values_list(
        "clinician_id", flat=True
    )
    anchors = Anchor.objects.filter(table_id__in=tables).values_list("clinician_id", flat=True)
    return sorted(set(travellers) | set(anchors))


def publish_schedule(*, schedule: Schedule, by: AbstractBaseUser | None) -> Schedule:
    """Make ``schedule`` the one version clinicians see, in one transaction: the previously
    published version of its event is unpublished, this one published, the event set to
    published, and an audit entry (SCHEDULE_PUBLISHED) records the previous version and the
    clinicians whose itinerary changed (to reprint). Publishing the published version again
    changes nothing.

    The event row and then the schedule row are locked first (the order every edit of a
    version takes, see ``rotations.editing``), and the whole version is checked against the
    hard rules inside the lock: a version that breaks one is refused with a
    ``ValidationError`` listing every broken rule in words, and nothing changes."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=schedule.event_id)
        locked = Schedule.objects.select_for_update().get(pk=schedule.pk)
        locked.event = event
        if locked.is_published:
            schedule.refresh_from_db()
            return schedule
        broken = check_version(schedule=locked)
        if broken:
            raise ValidationError(broken)
        previous = Schedule.objects.filter(event=event, is_published=True).first()
        if previous is not None:
            # First, so the one-published-per-event constraint holds at every statement.
            Schedule.objects.filter(pk=previous.pk).update(is_published=False)
        changed = changed_itineraries(old=previous, new=schedule)
        schedule.is_published = True
        schedule.published_at = timezone.now()
        schedule.published_by = by if by is not None and by.is_authenticated else None
        schedule.save(update_fields=["is_published", "published_at", "published_by"])
        if event.status != Event.Status.PUBLISHED:
            event.status = Event.Status.PUBLISHED
            event.save(update_fields=["status", "updated_at"])
        record_audit(
            actor=by,
            action=SCHEDULE_PUBLISHED,
            target=f"{event.name}, version {schedule.version}",
            message=_published_words(by, event, schedule, previous, len(changed)),
            details={
                "event": event.pk,
                "schedule": schedule.pk,
                "version": schedule.version,
                "previous_version": previous.version if previous else None,
                "changed_clinicians": changed,
                "changed_count": len(changed),
            },
        )
    return schedule


def _published_words(
    by: AbstractBaseUser | None, event: Event, schedule: Schedule, previous, changed: int
) -> str:
    who = display_name(by)
    if previous is None:
        return f"{who} published version {schedule.version} of {event.name}: {changed} itineraries."
    return (
        f"{who} published version {schedule.version} of {event.name} in place of version "
        f"{previous.version}: {changed} itinerar{'y' if changed == 1 else 'ies'} changed."
    )
