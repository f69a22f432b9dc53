"""The survey's rules, in one place: when an event's survey is open (and the close date an
organizer may choose), who may answer it, and what they may choose from (the people the
connection ledger says they met, the tables they visited)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from clinicians.models import Clinician
from connections.models import Meeting
from events.models import Attendance, Event, GroupMember, Table
from rotations.models import Visit

from .models import SurveySettings

# Unless the organizer chooses another day (``SurveySettings``), the survey closes this many
# days after the event's day (at the end of that day).
SURVEY_OPEN_DAYS = 14
# The latest close date an organizer may choose, in days after the event (a guard against a
# mistyped year, not a policy).
LATEST_CLOSE_DAYS = 366
# Automatic reminders to those who have not answered: reminder n is due this many days
# after the event, and at the latest the day before the survey closes, so a short survey
# still gets its reminders (``services.send_due_survey_reminders``); the organizer's button
# sends each person their next one, up to the last.
REMINDER_DAYS = (2, 7)
MAX_REMINDERS = len(REMINDER_DAYS)


@dataclass(frozen=True)
class SurveyState:
    """Where an event's survey stands: ``opens`` (not yet: the event is not over), ``open``
    or ``closed``, with the last day answers are taken."""

    state: str
    closes_on: datetime.date

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def default_closes_on(event: Event) -> datetime.date:
    return event.date + datetime.timedelta(days=SURVEY_OPEN_DAYS)


def effective_closes_on(event: Event, chosen: datetime.date | None) -> datetime.date:
    """The organizer's close date ``chosen`` (None: not chosen), else the default. A chosen
    date the event has since moved past (the event's date changed) no longer applies."""
    if chosen is None or chosen < event.date:
        return default_closes_on(event)
    return chosen


def closes_on(event: Event) -> datetime.date:
    """The last day ``event``'s survey takes answers (one query)."""
    chosen = SurveySettings.objects.filter(event=event).values_list("closes_on", flat=True).first()
    return effective_closes_on(event, chosen)


def closing_dates(events: list[Event] | list[tuple[int, datetime.date]]) -> dict:
    """Event id -> the last day its survey takes answers, for many events in one query;
    ``events`` are events or (id, date) pairs."""
    pairs = [(e.pk, e.date) if isinstance(e, Event) else e for e in events]
    chosen = dict(
        SurveySettings.objects.filter(event_id__in=[pk for pk, _ in pairs]).values_list(
            "event_id", "closes_on"
        )
    )
    return {pk: effective_closes_on(Event(pk=pk, date=date), chosen.get(pk)) for pk, date in pairs}


def validate_close_date(event: Event, value: datetime.date) -> None:
    """The close date an organizer may choose: from the event's day (a survey that closes
    the same evening) to ``LATEST_CLOSE_DAYS`` after it. The form and the service both call
    this; raises ``ValidationError`` naming the problem."""
    if value < event.date:
        raise ValidationError(
            f"The survey cannot close before the event: choose {event.date:%-d %B %Y} "
            "(the event's day) or later.",
            code="before_event",
        )
    latest = event.date + datetime.timedelta(days=LATEST_CLOSE_DAYS)
    if value > latest:
        raise ValidationError(
            f"The survey would stay open more than a year after the event: choose "
            f"{latest:%-d %B %Y} or earlier.",
            code="too_late",
        )


def reminder_due_on(event: Event, number: int, *, closes: datetime.date) -> datetime.date:
    """The day reminder ``number`` (1-based) is due: ``REMINDER_DAYS`` after the event, but
    no later than the day before the survey closes."""
    due = event.date + datetime.timedelta(days=REMINDER_DAYS[number - 1])
    return min(due, closes - datetime.timedelta(days=1))


def survey_state(event: Event, *, now: datetime.datetime | None = None) -> SurveyState:
    """The survey opens when the event is finished or its last round has ended (the event's
    local time), and closes at the end of ``closes_on`` (the organizer's date, or
    ``SURVEY_OPEN_DAYS`` after the event)."""
    local = timezone.localtime(now or timezone.now()).replace(tzinfo=None)
    last = closes_on(event)
    if local.date() > last:
        return SurveyState("closed", last)
    if is_over(event, now=now):
        return SurveyState("open", last)
    return SurveyState("opens", last)


def is_over(event: Event, *, now: datetime.datetime | None = None) -> bool:
    """The event is finished or its last round has ended (the event's local time); no
    query, so pages of upcoming events can skip ``survey_state``'s."""
    local = timezone.localtime(now or timezone.now()).replace(tzinfo=None)
    ended = datetime.datetime.combine(event.date, event.end_time) <= local
    return event.status == Event.Status.FINISHED or ended


def check_in_used(event: Event) -> bool:
    return Attendance.objects.filter(event=event, status=Attendance.Status.CHECKED_IN).exists()


def was_there(attendance: Attendance, *, checked_in_used: bool) -> bool:
    """The ledger's rule (rotations' ``evening_meetings``): when check-in was used at the
    event, those checked in were there; otherwise everyone but the no-shows."""
    if checked_in_used:
        return attendance.status == Attendance.Status.CHECKED_IN
    return attendance.status != Attendance.Status.NO_SHOW


def met_at(attendance: Attendance) -> list[Clinician]:
    """Whom the ledger says ``attendance``'s clinician met at its event, by name."""
    me = attendance.clinician_id
    pairs = Meeting.objects.filter(
        Q(clinician_a=me) | Q(clinician_b=me),
        kind=Meeting.Kind.EVENING,
        gathering=attendance.event_id,
    ).values_list("clinician_a", "clinician_b")
    others = {b if a == me else a for a, b in pairs}
    return list(
        Clinician.objects.filter(pk__in=others)
        .select_related("specialty", "department__site")
        .order_by("last_name", "first_name")
    )


def tables_visited(attendance: Attendance) -> list[Table]:
    """The tables the clinician's group visited in the published version (empty for
    anchors: their table came to them)."""
    group = (
        GroupMember.objects.filter(
            event_id=attendance.event_id, clinician_id=attendance.clinician_id
        )
        .values_list("group_id", flat=True)
        .first()
    )
    if group is None:
        return []
    table_ids = Visit.objects.filter(
        schedule__event_id=attendance.event_id, schedule__is_published=True, group_id=group
    ).values("table_id")
    return list(
        Table.objects.filter(pk__in=table_ids).select_related("specialty").order_by("number")
    )
