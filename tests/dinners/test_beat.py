"""The dinners' periodic work: reminders to sign up before the deadline, and finishing the
seasons whose last dinner is past."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import TestCase
from django.utils import timezone

from accounts.models import AuditEntry
from connections.models import Meeting
from dinners import services, tasks
from dinners.models import Dinner, DinnerSeason, DinnerSeat, SignUp
from outbox.models import Email
from outbox.services import stop_reminders

from .conftest import BASE_URL, in_days, join_everyone

pytestmark = pytest.mark.django_db


def test_beat_runs_both_tasks_hourly():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert (
        schedule["dinner-sign-up-reminders"]["task"],
        schedule["finish-past-dinner-seasons"]["task"],
    ) == ("dinners.send_sign_up_reminders", "dinners.finish_past_seasons")


# Reminders to sign up


def _invited_days_ago(world, *, days=2, deadline_in=2):
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    SignUp.objects.filter(season=world.season).update(sent_at=in_days(-days))
    DinnerSeason.objects.filter(pk=world.season.pk).update(sign_up_by=in_days(deadline_in))
    world.season.refresh_from_db()


def test_those_who_have_not_answered_are_reminded_once_near_the_deadline(world):
    _invited_days_ago(world)
    answered, opted_out = world.north_people[:2]
    services.sign_up(sign_up=SignUp.objects.get(clinician=answered), joining=True, weekdays=["tue"])
    stop_reminders(address=opted_out.email)
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = tasks.send_sign_up_reminders_task()
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = tasks.send_sign_up_reminders_task()

    waiting = {c.email for c in world.north_people[1:]}
    assert (sent, again) == (7, 0)
    # The opt-out is recorded as skipped by the outbox, never sent.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(waiting - {opted_out.email})
    assert Email.objects.get(to=opted_out.email, kind="dinners.sign-up-reminder").status == (
        Email.Status.SKIPPED
    )
    message = mail.outbox[0]
    sign_up = SignUp.objects.get(clinician__email=message.to[0])
    assert message.subject.startswith(f"Reminder: sign up for {world.season.name} by ")
    assert f"{settings.ROUNDS_BASE_URL.rstrip('/')}/d/{sign_up.token}/" in message.body
    assert "To stop these reminders:" in message.body
    assert AuditEntry.objects.filter(action="dinners.sign_up_reminded").count() == 1


def test_a_retry_after_a_failed_commit_sends_no_reminder_twice(world):
    _invited_days_ago(world)
    services.send_sign_up_reminders(base_url=BASE_URL)
    # As if the sign-ups' record were lost but the outbox had the emails (a retry of a
    # task whose first run got as far as the outbox).
    SignUp.objects.filter(season=world.season).update(reminded_at=None)

    again = services.send_sign_up_reminders(base_url=BASE_URL)

    assert again == 0
    assert Email.objects.filter(kind="dinners.sign-up-reminder").count() == 8


def test_no_reminder_far_from_the_deadline_or_right_after_the_invitation(world):
    _invited_days_ago(world, deadline_in=10)
    far = services.send_sign_up_reminders(base_url=BASE_URL)
    _invited_days_ago(world, days=0.2, deadline_in=2)
    fresh = services.send_sign_up_reminders(base_url=BASE_URL)
    closed = services.send_sign_up_reminders(
        base_url=BASE_URL, now=world.season.sign_up_by + datetime.timedelta(minutes=1)
    )

    assert (far, fresh, closed) == (0, 0, 0)
    assert not Email.objects.filter(kind="dinners.sign-up-reminder").exists()


def test_a_new_link_after_a_reminder_does_not_bring_a_second_reminder(world):
    _invited_days_ago(world)
    services.send_sign_up_reminders(base_url=BASE_URL)
    sign_up = SignUp.objects.get(clinician=world.north_people[0])
    services.reissue_sign_up_link(sign_up=sign_up, base_url=BASE_URL, by=None)
    SignUp.objects.filter(pk=sign_up.pk).update(sent_at=in_days(-2))

    assert services.send_sign_up_reminders(base_url=BASE_URL) == 0


# Finishing past seasons


def _formed_and_past(world, days_ago=1):
    """The season formed, its dinners moved so that the last one was ``days_ago`` days ago."""
    join_everyone(world)
    services.form_dinner_groups(season=world.season)
    dinners = Dinner.objects.filter(group__season=world.season)
    last = max(d.date for d in dinners)
    shift = last - (timezone.localdate() - datetime.timedelta(days=days_ago))
    dinners.update(date=F("date") - shift)
    return list(dinners.order_by("date", "group__number"))


def _pairs(dinner):
    return set(
        Meeting.objects.filter(kind="dinner", gathering=dinner.pk).values_list(
            "clinician_a", "clinician_b"
        )
    )


def test_a_season_whose_last_dinner_is_past_is_finished_with_its_dinners_in_the_ledger(world):
    by_host, recorded_elsewhere, unrecorded = _formed_and_past(world)[:3]
    members = sorted(by_host.seats.values_list("clinician_id", flat=True))
    services.record_dinner(dinner=by_host, coming=members, attended=members[:3])
    host_pairs = _pairs(by_host)
    # Attendance recorded without the ledger being written (e.g. fixed in the admin).
    came = sorted(recorded_elsewhere.seats.values_list("clinician_id", flat=True))[:2]
    DinnerSeat.objects.filter(dinner=recorded_elsewhere, clinician_id__in=came).update(
        attended=True
    )
    Dinner.objects.filter(pk=recorded_elsewhere.pk).update(attendance_recorded_at=timezone.now())

    with TestCase.captureOnCommitCallbacks(execute=True):
        finished = tasks.finish_past_seasons_task()
    again = services.finish_past_seasons()

    world.season.refresh_from_db()
    assert (finished, again, world.season.status) == (1, 0, DinnerSeason.Status.FINISHED)
    assert (_pairs(by_host), _pairs(recorded_elsewhere), _pairs(unrecorded)) == (
        host_pairs,
        {tuple(came)},
        set(),
    )
    assert Meeting.objects.filter(kind="dinner").count() == 4
    entry = AuditEntry.objects.get(action="dinners.season_finished")
    assert entry.actor is None
    assert "2 of 8 dinners were recorded by their hosts" in entry.message


def test_a_season_with_a_dinner_today_or_ahead_is_not_finished(world):
    _formed_and_past(world, days_ago=0)

    assert services.finish_past_seasons() == 0
    world.season.refresh_from_db()
    assert world.season.status == DinnerSeason.Status.FORMED


def test_a_season_still_in_sign_up_is_not_finished(world):
    assert services.finish_past_seasons(today=world.season.starts_on + datetime.timedelta(400)) == 0


def test_a_finished_season_cannot_be_formed_again(world):
    _formed_and_past(world)
    services.finish_past_seasons()

    with pytest.raises(ValidationError) as error:
        services.form_dinner_groups(season=DinnerSeason.objects.get(pk=world.season.pk))

    assert error.value.messages == [
        "This season is finished: its groups can no longer be formed again."
    ]


def test_a_host_can_still_record_a_dinner_after_the_season_is_finished(world):
    dinner = _formed_and_past(world)[0]
    services.finish_past_seasons()
    members = sorted(dinner.seats.values_list("clinician_id", flat=True))

    services.record_dinner(dinner=dinner, coming=members, attended=members[:2])

    assert _pairs(dinner) == {tuple(members[:2])}
