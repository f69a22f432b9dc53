import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from events.models import Attendance, Event
from outbox.models import Email
from outbox.services import stop_reminders
from series import services
from series.models import Invitation
from series.queries import eligible_clinician_ids
from series.services import Answer
from tests.factories import make_anchor, make_group, make_table

from .conftest import BASE_URL, in_days

pytestmark = pytest.mark.django_db


def names(clinicians):
    return sorted(c.last_name for c in clinicians)


def test_eligible_are_primary_care_of_covered_sites_and_specialists_practising_there(world):
    eligible = eligible_clinician_ids(world.north_evening)

    assert sorted(eligible) == sorted(
        c.pk for c in (world.ann, world.bob, world.cat, world.heart, world.baby)
    )


def test_add_evening_creates_its_event_covering_the_sites(world):
    evening = world.north_evening

    assert (
        evening.event.name,
        evening.event.region,
        sorted(s.name for s in evening.sites.all()),
        AuditEntry.objects.filter(action=services.EVENING_ADDED).count(),
    ) == ("North evening", world.north, ["Milton", "Quincy"], 2)


def test_add_evening_from_a_template_copies_its_tables_and_anchors(world):
    template = world.north_evening.event
    make_anchor(table=make_table(event=template, specialty=world.cardiology), clinician=world.heart)

    evening = services.add_evening(
        series=world.series,
        name="North again",
        date=template.date + datetime.timedelta(days=7),
        venue="Milton Hall",
        start_time=datetime.time(19, 0),
        region=world.north,
        sites=[world.milton],
        reply_by=in_days(5),
        cap=None,
        template=template,
        by=world.user,
    )

    assert (
        [t.specialty.name for t in evening.event.tables.all()],
        [a.clinician for a in evening.event.anchors.all()],
        evening.event.start_time,
        evening.template,
    ) == (["Cardiology"], [world.heart], datetime.time(18, 0), template)


def test_add_evening_outside_the_series_period_is_refused(world):
    with pytest.raises(ValidationError, match="within the series"):
        services.add_evening(
            series=world.series,
            name="Too late",
            date=world.series.ends_on + datetime.timedelta(days=1),
            venue="Hall",
            start_time=datetime.time(18, 0),
            region=world.north,
            sites=[world.quincy],
            reply_by=in_days(5),
            cap=None,
            template=None,
            by=world.user,
        )


def test_sending_invitations_twice_never_duplicates(world, invite):
    first = invite(world.north_evening, by=world.user)
    sent_first = len(mail.outbox)

    second = invite(world.north_evening, by=world.user)

    assert (sent_first, len(mail.outbox), len(first), len(second)) == (5, 5, 5, 5)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in first)
    assert all(i.sent_at is not None for i in second.values())


def test_invitation_email_holds_the_personal_link(world, invite):
    invitations = invite(world.north_evening)

    message = next(m for m in mail.outbox if m.to == [world.ann.email])

    assert f"{BASE_URL}/r/{invitations[world.ann].token}/" in message.body
    assert message.subject.startswith("You are invited: North evening")


def test_a_newly_eligible_clinician_is_invited_by_the_next_send(world, invite):
    invite(world.north_evening)
    world.skin.sites.add(world.quincy)

    invitations = invite(world.north_evening)

    assert (world.skin in invitations, len(mail.outbox)) == (True, 6)


def test_yes_confirms_attendance_at_the_evening_event(world, invite, answer):
    invitation = invite(world.north_evening)[world.ann]

    shown = answer(invitation, Answer.YES)

    attendance = Attendance.objects.get(event=world.north_evening.event, clinician=world.ann)
    assert (shown.status, attendance.status, shown.replied_at is not None) == (
        "yes",
        "confirmed",
        True,
    )


def test_no_removes_an_attendance_not_yet_published(world, invite, answer):
    invitation = invite(world.north_evening)[world.ann]
    answer(invitation, Answer.YES)

    shown = answer(invitation, Answer.NO)

    assert (
        shown.status,
        Attendance.objects.filter(event=world.north_evening.event, clinician=world.ann).exists(),
    ) == ("no", False)


def test_a_yes_beyond_the_cap_joins_the_waiting_list(world, invite, answer):
    evening = world.north_evening
    services.update_evening(
        evening=evening,
        reply_by=evening.reply_by,
        cap=1,
        tables=None,
        base_url=BASE_URL,
        by=world.user,
    )
    invitations = invite(evening)

    first = answer(invitations[world.ann], Answer.YES)
    second = answer(invitations[world.bob], Answer.YES)

    assert (first.status, second.status) == ("yes", "waiting")
    assert not Attendance.objects.filter(event=evening.event, clinician=world.bob).exists()


def test_a_no_frees_the_place_for_the_first_waiting_who_gets_an_email(world, invite, answer):
    evening = world.north_evening
    services.update_evening(
        evening=evening,
        reply_by=evening.reply_by,
        cap=1,
        tables=None,
        base_url=BASE_URL,
        by=world.user,
    )
    invitations = invite(evening)
    answer(invitations[world.ann], Answer.YES)
    answer(invitations[world.bob], Answer.YES)
    answer(invitations[world.cat], Answer.YES)
    mail.outbox.clear()

    answer(invitations[world.ann], Answer.NO)

    statuses = {
        i.clinician.last_name: i.status for i in evening.invitations.select_related("clinician")
    }
    assert (statuses["Brown"], statuses["Clark"]) == ("yes", "waiting")
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([world.bob.email], "A place opened for you at North evening")
    ]
    assert Attendance.objects.get(event=evening.event, clinician=world.bob).status == "confirmed"


def test_raising_the_cap_promotes_the_waiting(world, invite, answer):
    evening = world.north_evening
    services.update_evening(
        evening=evening,
        reply_by=evening.reply_by,
        cap=1,
        tables=None,
        base_url=BASE_URL,
        by=world.user,
    )
    invitations = invite(evening)
    answer(invitations[world.ann], Answer.YES)
    answer(invitations[world.bob], Answer.YES)

    promoted = services.update_evening(
        evening=evening,
        reply_by=evening.reply_by,
        cap=None,
        tables=None,
        base_url=BASE_URL,
        by=world.user,
    )

    assert [i.clinician for i in promoted] == [world.bob]


def test_a_reply_after_the_deadline_is_refused(world, invite, answer):
    invitation = invite(world.north_evening)[world.ann]

    with pytest.raises(ValidationError, match="closed"):
        services.reply(
            invitation=invitation,
            answer=Answer.YES,
            base_url=BASE_URL,
            now=world.north_evening.reply_by + datetime.timedelta(minutes=1),
        )

    invitation.refresh_from_db()
    assert invitation.status == "invited"


def test_partial_sets_the_anchors_rounds_by_the_timetable(world, invite, answer):
    # Rounds: 18:00-18:10, 18:12-18:22, 18:24-18:34, ...
    event = world.north_evening.event
    anchor = make_anchor(
        table=make_table(event=event, specialty=world.cardiology), clinician=world.heart
    )
    invitation = invite(world.north_evening)[world.heart]

    shown = answer(invitation, Answer.PARTIAL, arrives_at=datetime.time(18, 20))

    anchor.refresh_from_db()
    assert (shown.status, anchor.absent_rounds) == ("partial", [1, 2])


def test_a_group_is_there_when_any_member_is(world, invite, answer):
    event = world.north_evening.event
    group = make_group(event=event, members=[world.ann, world.bob])
    invitations = invite(world.north_evening)

    answer(invitations[world.ann], Answer.PARTIAL, leaves_at=datetime.time(18, 23))
    group.refresh_from_db()
    one_leaves = list(group.absent_rounds)
    answer(invitations[world.bob], Answer.PARTIAL, leaves_at=datetime.time(18, 30))
    group.refresh_from_db()

    assert (one_leaves, group.absent_rounds) == ([], list(range(3, event.rounds + 1)))


def test_partial_that_leaves_no_whole_round_is_refused(world, invite):
    invitation = invite(world.north_evening)[world.ann]

    with pytest.raises(ValidationError, match="no whole round"):
        services.reply(
            invitation=invitation,
            answer=Answer.PARTIAL,
            arrives_at=datetime.time(21, 0),
            base_url=BASE_URL,
        )


def test_partial_back_to_yes_makes_the_anchor_present_throughout(world, invite, answer):
    event = world.north_evening.event
    anchor = make_anchor(
        table=make_table(event=event, specialty=world.cardiology), clinician=world.heart
    )
    invitation = invite(world.north_evening)[world.heart]
    answer(invitation, Answer.PARTIAL, arrives_at=datetime.time(18, 20))

    answer(invitation, Answer.YES)

    anchor.refresh_from_db()
    assert anchor.absent_rounds == []


def test_a_no_after_publishing_keeps_the_schedule_and_tells_the_organizer(world, invite, answer):
    event = world.north_evening.event
    invitations = invite(world.north_evening)
    answer(invitations[world.ann], Answer.YES)
    make_group(event=event, members=[world.ann])
    # events.rules reads only the event's status (rotations sets it when it publishes).
    Event.objects.filter(pk=event.pk).update(status=Event.Status.PUBLISHED)

    shown = answer(invitations[world.ann], Answer.NO)

    assert Event.objects.get(pk=event.pk).status == "published"
    assert Attendance.objects.filter(event=event, clinician=world.ann).exists()
    assert (shown.status, "no-show" in shown.attention) == ("no", True)
    assert AuditEntry.objects.filter(action=services.REPLY_NEEDS_ORGANIZER).count() == 1


def test_another_evening_moves_the_invitation(world, invite, answer):
    invitation = invite(world.north_evening)[world.ann]
    answer(invitation, Answer.YES)
    mail.outbox.clear()

    shown = answer(invitation, Answer.OTHER_EVENING, other_evening=world.south_evening)

    invitation.refresh_from_db()
    assert (invitation.status, invitation.moved_to, shown.evening, shown.status) == (
        "other-evening",
        world.south_evening,
        world.south_evening,
        "yes",
    )
    assert list(
        Attendance.objects.filter(clinician=world.ann).values_list("event__name", flat=True)
    ) == ["South evening"]
    assert [m.to for m in mail.outbox] == [[world.ann.email]]


def test_another_evening_must_still_take_replies(world, invite):
    invitation = invite(world.south_evening)[world.dan]

    with pytest.raises(ValidationError, match="another evening"):
        services.reply(
            invitation=invitation,
            answer=Answer.OTHER_EVENING,
            other_evening=world.north_evening,
            base_url=BASE_URL,
            now=world.north_evening.reply_by + datetime.timedelta(hours=1),
        )


def test_reminders_go_only_to_those_who_have_not_answered(
    world, invite, answer, django_capture_on_commit_callbacks
):
    invitations = invite(world.north_evening)
    answer(invitations[world.ann], Answer.YES)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.remind_non_responders(
            evening=world.north_evening, base_url=BASE_URL, by=world.user
        )

    assert (sent, sorted(m.to[0] for m in mail.outbox)) == (
        4,
        sorted(c.email for c in (world.bob, world.cat, world.heart, world.baby)),
    )
    assert Invitation.objects.get(pk=invitations[world.bob].pk).reminders_sent == 1


def test_due_reminders_go_near_the_deadline_and_not_again_within_the_gap(
    world, invite, django_capture_on_commit_callbacks
):
    invite(world.north_evening)
    invite(world.south_evening)
    mail.outbox.clear()
    near_north = world.north_evening.reply_by - datetime.timedelta(days=2)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.send_due_reminders(base_url=BASE_URL, now=near_north)
        again = services.send_due_reminders(
            base_url=BASE_URL, now=near_north + datetime.timedelta(hours=1)
        )

    assert (first, again, len(mail.outbox)) == (5, 0, 5)
    assert AuditEntry.objects.filter(action=services.REMINDERS_SENT, actor=None).count() == 1


def test_reissuing_a_link_stops_the_old_one(world, invite, client):
    invitation = invite(world.north_evening)[world.ann]
    old = invitation.token

    services.reissue_link(invitation=invitation, by=world.user)

    assert (
        client.get(f"/r/{old}/").status_code,
        client.get(f"/r/{invitation.token}/").status_code,
    ) == (404, 200)


def test_bringing_replies_in_applies_windows_to_anchors_seated_later(world, invite, answer):
    event = world.north_evening.event
    invitation = invite(world.north_evening)[world.heart]
    answer(invitation, Answer.PARTIAL, leaves_at=datetime.time(18, 23))
    anchor = make_anchor(
        table=make_table(event=event, specialty=world.cardiology), clinician=world.heart
    )

    services.bring_replies_into_event(evening=world.north_evening, by=world.user)

    anchor.refresh_from_db()
    assert anchor.absent_rounds == list(range(3, event.rounds + 1))


def test_a_partial_after_publishing_keeps_the_anchors_rounds(world, invite, answer):
    event = world.north_evening.event
    table = make_table(event=event, specialty=world.cardiology)
    anchor = make_anchor(table=table, clinician=world.heart)
    Attendance.objects.create(event=event, clinician=world.heart)
    invitation = invite(world.north_evening)[world.heart]
    Event.objects.filter(pk=event.pk).update(status=Event.Status.PUBLISHED)

    shown = answer(invitation, Answer.PARTIAL, arrives_at=datetime.time(18, 20))

    anchor.refresh_from_db()
    assert (shown.status, anchor.absent_rounds, "check-in page" in shown.attention) == (
        "partial",
        [],
        True,
    )


def test_reminders_skip_addresses_that_opted_out(world, invite, django_capture_on_commit_callbacks):
    invite(world.north_evening)
    mail.outbox.clear()
    stop_reminders(address=world.bob.email)

    with django_capture_on_commit_callbacks(execute=True):
        services.remind_non_responders(
            evening=world.north_evening, base_url=BASE_URL, by=world.user
        )

    assert world.bob.email not in [m.to[0] for m in mail.outbox]
    assert len(mail.outbox) == 4
    assert "No more reminders" in mail.outbox[0].body


def test_a_reissued_link_is_emailed_again(world, invite, django_capture_on_commit_callbacks):
    invitation = invite(world.north_evening)[world.ann]
    services.reissue_link(invitation=invitation, by=world.user)
    mail.outbox.clear()

    invite(world.north_evening)

    assert [m.to for m in mail.outbox] == [[world.ann.email]]
    assert invitation.token in mail.outbox[0].body


def test_every_email_is_recorded_in_the_outbox_once(world, invite):
    invite(world.north_evening)
    invite(world.north_evening)

    assert Email.objects.filter(kind="series.invitation").count() == 5
