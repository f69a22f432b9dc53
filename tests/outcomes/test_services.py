"""Survey reminders (``outcomes.services``): due by days after the event, once each."""

import datetime

import pytest
from django.core import mail

from events.models import Attendance
from outbox.models import Email
from outbox.services import stop_reminders
from outcomes.services import send_due_survey_reminders
from outcomes.survey import SurveyState
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


def test_close_date_before_the_event_is_refused_with_the_day_to_choose(world):
    from django.core.exceptions import ValidationError

    from outcomes.models import SurveySettings
    from outcomes.services import set_survey_close_date
    from tests.accounts.helpers import make_organizer

    spring = world.spring.event

    with pytest.raises(ValidationError) as refused:
        set_survey_close_date(
            event=spring,
            closes_on=spring.date - datetime.timedelta(days=1),
            by=make_organizer(world.north),
        )

    assert refused.value.messages == [
        f"The survey cannot close before the event: choose {spring.date:%-d %B %Y} "
        "(the event's day) or later."
    ]
    assert SurveySettings.objects.count() == 0


def test_a_later_close_date_reopens_the_survey_and_an_earlier_one_closes_it(world):
    from outcomes.services import save_answer, set_survey_close_date
    from outcomes.survey import survey_state
    from tests.accounts.helpers import make_organizer

    organizer, p = make_organizer(world.north), world.people
    spring = world.spring.event  # 20 days ago: closed by default
    recent = finished_evening(
        region=world.north,
        date=days_ago(3),
        tables=[(world.cardiology, p.cara)],
        groups=[("IM", [p.abe])],
        statuses={p.abe: CHECKED_IN, p.cara: CHECKED_IN},
        rounds=1,
    ).event  # open by default
    closed_before = survey_state(spring).state

    set_survey_close_date(event=spring, closes_on=days_ago(-5), by=organizer)
    set_survey_close_date(event=recent, closes_on=recent.date, by=organizer)
    save_answer(
        attendance=Attendance.objects.get(event=spring, clinician=p.abe),
        recommend=8,
        contacts=[],
        useful_tables=[],
    )

    assert (closed_before, survey_state(spring), survey_state(recent).state) == (
        "closed",
        SurveyState("open", days_ago(-5)),
        "closed",
    )


def test_reminders_follow_the_organizers_close_date(world):
    from outcomes.services import set_survey_close_date
    from tests.accounts.helpers import make_organizer

    organizer, p = make_organizer(world.north), world.people
    # Spring (20 days ago) stays open ten more days: its reminders are due (both past 7
    # days; one at a time). Yesterday's evening closes today: its first reminder goes out
    # now rather than on day 2, when it would be closed. The South evening (10 days ago)
    # closes at once: no reminder.
    set_survey_close_date(event=world.spring.event, closes_on=days_ago(-10), by=organizer)
    set_survey_close_date(event=world.south_evening, closes_on=days_ago(1), by=organizer)
    yesterday = finished_evening(
        region=world.north,
        date=days_ago(1),
        tables=[(world.cardiology, p.nora)],
        groups=[("IM", [p.ann])],
        statuses={p.ann: CHECKED_IN, p.nora: CHECKED_IN},
        rounds=1,
    ).event
    set_survey_close_date(event=yesterday, closes_on=days_ago(0), by=organizer)

    queued = send_due_survey_reminders(base_url=BASE_URL)

    spring_people = [p.ann, p.abe, p.bea, p.bob, p.cara, p.nora]  # Cal was a no-show
    assert queued == len(spring_people) + 2
    assert sorted(to for to, key, _ in _reminded()) == sorted(
        [person.email for person in spring_people] + [p.ann.email, p.nora.email]
    )
    assert all(key.endswith(":1") for _, key, _ in _reminded())
    abe = Email.objects.get(kind="outcomes.survey_reminder", to=p.abe.email)
    assert f"the survey closes on {days_ago(-10):%A %-d %B}." in " ".join(abe.body.split())


def test_close_date_more_than_a_year_on_is_refused_and_one_the_event_moved_past_lapses(world):
    from django.core.exceptions import ValidationError

    from outcomes.services import set_survey_close_date
    from outcomes.survey import closes_on
    from tests.accounts.helpers import make_organizer

    organizer, spring = make_organizer(world.north), world.spring.event
    with pytest.raises(ValidationError, match="more than a year after the event"):
        set_survey_close_date(
            event=spring, closes_on=spring.date + datetime.timedelta(days=367), by=organizer
        )
    set_survey_close_date(event=spring, closes_on=days_ago(15), by=organizer)

    spring.date = days_ago(10)  # the event moved past the chosen day: the default applies

    assert closes_on(spring) == days_ago(-4)
