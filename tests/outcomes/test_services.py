"""Survey reminders (``outcomes.services``): due by days after the event, once each."""

import datetime

from django.core import mail

from events.models import Attendance
from outbox.models import Email
from outbox.services import stop_reminders
from outcomes.services import send_due_survey_reminders
from tests.outcomes.conftest import CHECKED_IN, answer, days_ago, finished_evening

BASE_URL = "https://rounds.example.org"


def _reminded():
    return sorted(
        Email.objects.filter(kind="outcomes.survey_reminder").values_list("to", "key", "status")
    )


def test_due_reminders_go_to_those_who_came_and_did_not_answer_once_each(
    world, django_capture_on_commit_callbacks
):
    p = world.people
    recent = finished_evening(
        region=world.north,
        date=days_ago(3),
        tables=[(world.cardiology, p.cara)],
        groups=[("IM", [p.abe, p.bea])],
        statuses={p.abe: CHECKED_IN, p.bea: Attendance.Status.NO_SHOW, p.cara: CHECKED_IN},
        rounds=1,
    )
    answer(recent.event, p.cara, 9)
    stop_reminders(address=p.nora.email)  # not at this event: no effect

    with django_capture_on_commit_callbacks(execute=True):
        first = send_due_survey_reminders(base_url=BASE_URL)
    again = send_due_survey_reminders(base_url=BASE_URL)
    week_later = send_due_survey_reminders(
        base_url=BASE_URL, today=datetime.date.today() + datetime.timedelta(days=5)
    )
    token = Attendance.objects.get(event=recent.event, clinician=p.abe).link_token

    # Abe, and Pia (South evening, 10 days ago); no second reminder within three days; five
    # days on, Abe's second (Pia's survey has closed).
    assert (first, again, week_later) == (2, 0, 1)
    abe = Attendance.objects.get(event=recent.event, clinician=p.abe).pk
    assert [key for to, key, _ in _reminded() if to == p.abe.email] == [
        f"outcomes:survey-reminder:{abe}:1",
        f"outcomes:survey-reminder:{abe}:2",
    ]
    assert any(f"{BASE_URL}/i/{token}/survey/" in message.body for message in mail.outbox)


def test_reminders_respect_the_opt_out(world):
    p = world.people
    recent = finished_evening(
        region=world.north,
        date=days_ago(2),
        tables=[(world.cardiology, p.cara)],
        groups=[("IM", [p.abe])],
        statuses={p.abe: CHECKED_IN, p.cara: CHECKED_IN},
        rounds=1,
    )
    stop_reminders(address=p.abe.email)

    send_due_survey_reminders(base_url=BASE_URL)

    assert [(to, status) for to, _, status in _reminded()] == sorted(
        [
            (p.abe.email, Email.Status.SKIPPED),
            (p.cara.email, Email.Status.QUEUED),
            (p.pia.email, Email.Status.QUEUED),
        ]
    )
    assert recent.event.pk
