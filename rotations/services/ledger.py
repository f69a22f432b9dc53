"""Who met whom at an evening, for the connection ledger (``connections``): read from the
event's published schedule and its check-ins when the event is finished, and rebuilt for
every finished event by ``manage.py rebuild_connections``.

At an evening, a traveller meets each anchor of every table their group visits, in that
round: (traveller, anchor, round). Travellers of the same group, or of two groups sharing a
table, are not counted as meeting each other here (they came together, or sat at the same
table without being introduced); the ledger records the introductions the evening is for.

Only those who were there count:

- the version is the one published at the end (a re-plan on the day publishes a version that
  keeps the rounds before it as they happened, so it holds the whole evening);
- when check-in was used at the event (anyone checked in), those checked in were there;
  otherwise everyone but the no-shows (a clinician without an attendance row included);
- an anchor is at their table only in the rounds they were not absent from (late arrivals,
  early departures: ``Anchor.absent_rounds``); a group visits only in its present rounds, so
  the schedule already says when its travellers were there.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from connections.models import Meeting
from connections.services import forget_gathering, record_gathering
from events.models import Anchor, Attendance, Event, GroupMember
from rotations.models import Visit


def evening_meetings(*, event: Event) -> list[tuple[int, int, int]]:
    """The meetings of ``event`` as (traveller id, anchor id, round), sorted: empty when no
    version is published. Reads only; five queries."""
    statuses = dict(Attendance.objects.filter(event=event).values_list("clinician_id", "status"))
    checked_in = any(status == Attendance.Status.CHECKED_IN for status in statuses.values())

    def there(clinician: int) -> bool:
        status = statuses.get(clinician)
        if checked_in:
            return status == Attendance.Status.CHECKED_IN
        return status != Attendance.Status.NO_SHOW

    travellers: dict[int, list[int]] = defaultdict(list)
    for group, clinician in GroupMember.objects.filter(event=event).values_list(
        "group_id", "clinician_id"
    ):
        if there(clinician):
            travellers[group].append(clinician)
    anchors: dict[int, list[tuple[int, set[int]]]] = defaultdict(list)
    for table, clinician, absent in Anchor.objects.filter(event=event).values_list(
        "table_id", "clinician_id", "absent_rounds"
    ):
        if there(clinician):
            anchors[table].append((clinician, set(absent)))
    visits = Visit.objects.filter(schedule__event=event, schedule__is_published=True)
    return sorted(
        (traveller, anchor, round_)
        for round_, group, table in visits.values_list("round", "group_id", "table_id")
        for anchor, absent in anchors[table]
        if round_ not in absent
        for traveller in travellers[group]
    )


def record_event_connections(*, event: Event) -> int:
    """Write who met whom at ``event`` into the connection ledger, in one transaction: the
    event's earlier ledger rows are replaced (so recording it again changes nothing) and
    every touched pair's first meeting is derived again (``connections.services``). An event
    that is not finished has no meetings: its rows are removed. Returns how many meetings."""
    meetings = evening_meetings(event=event) if event.status == Event.Status.FINISHED else []
    return record_gathering(
        kind=Meeting.Kind.EVENING, gathering=event.pk, date=event.date, meetings=meetings
    )


def rebuild_connections() -> tuple[int, int]:
    """The evenings of the ledger written again from every finished event, oldest first, in
    one transaction; rows of evenings that are no longer finished events are removed.
    Returns (events, meetings)."""
    with transaction.atomic():
        finished = list(Event.objects.filter(status=Event.Status.FINISHED).order_by("date", "pk"))
        stale = (
            Meeting.objects.filter(kind=Meeting.Kind.EVENING)
            .exclude(gathering__in=[event.pk for event in finished])
            .values_list("gathering", flat=True)
            .distinct()
        )
        for gathering in list(stale):
            forget_gathering(kind=Meeting.Kind.EVENING, gathering=gathering)
        meetings = sum(record_event_connections(event=event) for event in finished)
    return len(finished), meetings
