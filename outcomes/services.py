"""Writes of the outcomes app: a clinician's survey answer (saved or deleted through their
personal link), the close date an organizer chooses for an event's survey, and the reminders
to those who have not answered."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.services import display_name, record_audit
from events.models import Attendance, Event
from outbox.models import Email
from outbox.services import EmailDraft, opt_out_url, queue_emails

from .models import SurveyAnswer, SurveySettings
from .survey import (
    MAX_REMINDERS,
    SURVEY_OPEN_DAYS,
    check_in_used,
    closing_dates,
    reminder_due_on,
    survey_state,
    validate_close_date,
    was_there,
)

# The periodic task leaves at least this long between two reminders to one person.
REMINDER_GAP = datetime.timedelta(days=3)


class SurveyClosed(Exception):
    """The event's survey takes no answers now (not open yet, or closed)."""


def save_answer(
    *,
    attendance: Attendance,
    recommend: int,
    contacts: Iterable,
    useful_tables: Iterable,
    comment: str = "",
) -> SurveyAnswer:
    """Create or replace ``attendance``'s answer, in one transaction (the answer row and its
    choices). Raises ``SurveyClosed`` when the survey is not open, ``ValidationError`` when
    the score is not 0–10. The form offers only the people met and tables visited."""
    if not survey_state(attendance.event).is_open:
        raise SurveyClosed
    if not 0 <= int(recommend) <= 10:
        raise ValidationError("The score goes from 0 to 10.")
    with transaction.atomic():
        answer, _ = SurveyAnswer.objects.update_or_create(
            attendance=attendance,
            defaults={"recommend": int(recommend), "comment": comment.strip()},
        )
        answer.contacts.set(list(contacts))
        answer.useful_tables.set(list(useful_tables))
    return answer


def delete_answer(*, attendance: Attendance) -> bool:
    """Delete ``attendance``'s answer (the clinician's own choice, at any time: even after
    the survey closed), in one transaction. Returns whether there was one."""
    with transaction.atomic():
        deleted, _ = SurveyAnswer.objects.filter(attendance=attendance).delete()
    return bool(deleted)


def set_survey_close_date(*, event: Event, closes_on: datetime.date, by) -> SurveySettings:
    """Make ``closes_on`` the last day ``event``'s survey takes answers (a later day reopens a
    closed survey; an earlier one closes it sooner), in one transaction with its audit entry.
    Raises ``ValidationError`` for a day before the event (``survey.validate_close_date``)."""
    validate_close_date(event, closes_on)
    with transaction.atomic():
        before = survey_state(event).closes_on
        settings, _ = SurveySettings.objects.update_or_create(
            event=event, defaults={"closes_on": closes_on}
        )
        record_audit(
            actor=by,
            action="outcomes.survey_close_date",
            target=f"event {event}",
            message=f"{display_name(by)} set the survey of {event.name} to close on "
            f"{closes_on:%-d %B %Y} (was {before:%-d %B %Y}).",
            details={"event": event.pk, "closes_on": closes_on.isoformat()},
        )
    return settings


def reminder_key(attendance_id: int, number: int) -> str:
    return f"outcomes:survey-reminder:{attendance_id}:{number}"


def _reminder_draft(
    attendance: Attendance, *, number: int, base_url: str, closes: datetime.date
) -> EmailDraft:
    from django.urls import reverse

    event = attendance.event
    base = base_url.rstrip("/")
    context = {
        "clinician": attendance.clinician,
        "event": event,
        "closes_on": closes,
        "link": base + reverse("outcomes:survey", kwargs={"token": attendance.link_token}),
        "opt_out": opt_out_url(attendance.clinician.email, base_url=base_url),
    }
    return EmailDraft(
        key=reminder_key(attendance.pk, number),
        to=attendance.clinician.email,
        subject=f"Two minutes about {event.name}?",
        body=render_to_string("outcomes/email/survey_reminder.txt", context),
        kind="outcomes.survey_reminder",
        reminder=True,
    )


def send_survey_reminders(
    *,
    event: Event,
    base_url: str,
    up_to: int = MAX_REMINDERS,
    by=None,
    now: datetime.datetime | None = None,
) -> int:
    """Queue, for each attendee who was there and has not answered, their next survey
    reminder if they have had fewer than ``up_to`` (``MAX_REMINDERS`` at most), in one
    transaction. Keyed by attendance and reminder number in the outbox, so a retry or a
    second press sends nothing twice; reminders honour the opt-out. Nothing is sent while the
    survey is not open. Without ``by`` (the periodic task), a person's next reminder waits
    ``REMINDER_GAP`` after their last, so an event found late does not get two at once.
    Returns how many were queued; with ``by``, audited."""
    state = survey_state(event, now=now)
    if not state.is_open:
        return 0
    up_to = min(up_to, MAX_REMINDERS)
    used = check_in_used(event)
    waiting = [
        attendance
        for attendance in Attendance.objects.filter(event=event, survey_answer__isnull=True)
        .select_related("clinician", "event")
        .order_by("pk")
        if was_there(attendance, checked_in_used=used)
    ]
    keys = {
        reminder_key(attendance.pk, number)
        for attendance in waiting
        for number in range(1, MAX_REMINDERS + 1)
    }
    sent = dict(Email.objects.filter(key__in=keys).values_list("key", "created_at"))
    recent = (now or timezone.now()) - REMINDER_GAP
    drafts = []
    for attendance in waiting:
        had = sum(reminder_key(attendance.pk, n) in sent for n in range(1, MAX_REMINDERS + 1))
        last = sent.get(reminder_key(attendance.pk, had))
        if by is None and last is not None and last > recent:
            continue
        if had < up_to:
            drafts.append(
                _reminder_draft(
                    attendance, number=had + 1, base_url=base_url, closes=state.closes_on
                )
            )
    with transaction.atomic():
        queued = queue_emails(drafts)
        if by is not None:
            record_audit(
                actor=by,
                action="outcomes.remind",
                target=f"event {event}",
                message=f"{display_name(by)} sent survey reminders for {event.name} to {queued} "
                f"{'attendee' if queued == 1 else 'attendees'} who had not answered.",
                details={"event": event.pk, "queued": queued},
            )
    return queued


def send_due_survey_reminders(*, base_url: str, today: datetime.date | None = None) -> int:
    """For every event whose survey is open, the reminders that are due by now (reminder n
    on ``REMINDER_DAYS[n - 1]`` days after the event, at the latest the day before the
    survey's close date, ``survey.reminder_due_on``): what Celery beat runs. Idempotent.
    Returns how many were queued."""
    now = timezone.now() if today is None else timezone.now() + (today - timezone.localdate())
    today = today or timezone.localdate()
    # Candidates: events up to today whose survey may still be open (the default window, or a
    # close date the organizer chose); survey_state decides, in send_survey_reminders.
    candidates = list(
        Event.objects.filter(date__lte=today)
        .filter(
            Q(date__gte=today - datetime.timedelta(days=SURVEY_OPEN_DAYS))
            | Q(survey_settings__closes_on__gte=today)
        )
        .order_by("date", "pk")
    )
    closes = closing_dates(candidates)
    total = 0
    for event in candidates:
        if closes[event.pk] < today:
            continue
        due = sum(
            today >= reminder_due_on(event, n, closes=closes[event.pk])
            for n in range(1, MAX_REMINDERS + 1)
        )
        if due:
            total += send_survey_reminders(event=event, base_url=base_url, up_to=due, now=now)
    return total
