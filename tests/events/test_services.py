import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from clinicians.models import Track
from events import services
from events.models import Anchor, Attendance, Event, GroupMember
from events.tasks import finish_past_events_task
from rotations.models import Schedule
from tests.factories import (
    make_anchor,
    make_attendance,
    make_clinician,
    make_department,
    make_event,
    make_group,
    make_region,
    make_site,
    make_specialist,
    make_specialty,
    make_table,
    make_user,
)

pytestmark = pytest.mark.django_db


def _attend(event, department, count, *, status=Attendance.Status.CONFIRMED):
    people = []
    for _ in range(count):
        clinician = make_clinician(department=department)
        make_attendance(event=event, clinician=clinician, status=status)
        people.append(clinician)
    return people


def _groups(event):
    return [
        (g.name, g.track, g.memberships.count())
        for g in event.groups.order_by("name").prefetch_related("memberships")
    ]


def test_form_groups_splits_a_large_department_evenly():
    event = make_event()
    site = make_site(name="Quincy")
    internal = make_department(name="Internal Medicine", site=site)
    _attend(event, internal, 13)

    services.form_groups(event=event, min_size=4, max_size=8, by=None)

    assert _groups(event) == [
        ("Internal Medicine, Quincy 1", "adult", 7),
        ("Internal Medicine, Quincy 2", "adult", 6),
    ]


def test_form_groups_merges_small_departments_of_the_same_track_and_region():
    event = make_event()
    north, south = make_region(name="North"), make_region(name="South")
    a = make_department(name="Family Medicine", site=make_site(name="Andover", region=north))
    b = make_department(name="Family Medicine", site=make_site(name="Beverly", region=north))
    c = make_department(name="Family Medicine", site=make_site(name="Canton", region=south))
    kids = make_department(
        name="Pediatrics", site=make_site(name="Dedham", region=north), track=Track.PEDIATRIC
    )
    _attend(event, a, 2)
    _attend(event, b, 3)
    _attend(event, c, 2)
    _attend(event, kids, 2)

    services.form_groups(event=event, min_size=4, max_size=8, by=None)

    assert _groups(event) == [
        ("Family Medicine, Beverly + Family Medicine, Andover", "adult", 5),
        ("Family Medicine, Canton", "adult", 2),
        ("Pediatrics, Dedham", "pediatric", 2),
    ]


def test_form_groups_puts_a_small_leftover_into_a_group_with_room():
    event = make_event()
    site = make_site(name="Quincy")
    internal = make_department(name="Internal Medicine", site=site)
    family = make_department(name="Family Medicine", site=make_site(region=site.region))
    _attend(event, internal, 5)
    _attend(event, family, 1)

    services.form_groups(event=event, min_size=4, max_size=8, by=None)

    assert [(t, n) for _name, t, n in _groups(event)] == [("adult", 6)]


def test_form_groups_leaves_out_no_shows_specialists_and_replaces_old_groups():
    event = make_event()
    internal = make_department(name="Internal Medicine", site=make_site(name="Quincy"))
    _attend(event, internal, 4)
    _attend(event, internal, 2, status=Attendance.Status.NO_SHOW)
    make_attendance(event=event, clinician=make_specialist())
    make_group(event=event, name="Old group")

    groups = services.form_groups(event=event, min_size=2, max_size=8, by=None)

    assert [g.name for g in groups] == ["Internal Medicine, Quincy"]
    assert _groups(event) == [("Internal Medicine, Quincy", "adult", 4)]


def test_form_groups_is_deterministic():
    event = make_event()
    site = make_site()
    for name in ("A", "B", "C"):
        _attend(event, make_department(name=name, site=site), 5)

    first = services.form_groups(event=event, min_size=3, max_size=4, by=None)
    first_members = [sorted(g.memberships.values_list("clinician", flat=True)) for g in first]
    second = services.form_groups(event=event, min_size=3, max_size=4, by=None)
    second_members = [sorted(g.memberships.values_list("clinician", flat=True)) for g in second]

    assert [g.name for g in first] == [g.name for g in second]
    assert first_members == second_members


def test_form_groups_refuses_once_a_schedule_is_published():
    event = make_event(name="North spring", status=Event.Status.PUBLISHED)
    Schedule.objects.create(event=event, version=1, is_published=True)

    with pytest.raises(ValidationError) as error:
        services.form_groups(event=event, min_size=4, max_size=8, by=None)

    assert error.value.messages == [
        "The groups may not be formed again: North spring has a published schedule and "
        "clinicians hold itineraries from it. Put latecomers into a group by hand, or mark "
        "people a no-show on the check-in page and re-plan."
    ]


def _version_with_a_visit(event, version):
    schedule = Schedule.objects.create(event=event, version=version)
    schedule.visits.create(
        round=1, group=event.groups.first(), table=make_table(event=event, number=version)
    )
    return schedule


def test_groups_replaced_names_the_groups_and_the_versions_that_use_them():
    event = make_event()
    for _ in range(24):
        make_group(event=event)
    _version_with_a_visit(event, 2)
    _version_with_a_visit(event, 3)
    Schedule.objects.create(event=event, version=1)  # no visits: uses no group

    replaced = services.groups_replaced(event=event)

    assert (replaced.groups, replaced.also) == (
        24,
        ("deletes schedule versions 2 and 3, which use them",),
    )
    assert replaced.message == (
        "This replaces the 24 groups you have and deletes schedule versions 2 and 3, "
        "which use them."
    )


@pytest.mark.parametrize(
    ("groups", "also", "message"),
    [
        (0, (), ""),
        (1, (), "This replaces the group you have."),
        (5, (), "This replaces the 5 groups you have."),
        (
            1,
            ("deletes schedule version 4, which uses it",),
            "This replaces the group you have and deletes schedule version 4, which uses it.",
        ),
        (
            3,
            ("deletes schedule versions 1, 2 and 5, which use them",),
            "This replaces the 3 groups you have and deletes schedule versions 1, 2 and 5, "
            "which use them.",
        ),
    ],
)
def test_group_replacement_message(groups, also, message):
    replaced = services.GroupReplacement(groups=groups, also=also)

    assert (bool(replaced), replaced.message) == (bool(message), message)


def test_form_groups_deletes_the_unpublished_versions_that_used_the_old_groups():
    event = make_event()
    _attend(event, make_department(site=make_site()), 4)
    make_group(event=event, name="Old group")
    _version_with_a_visit(event, 1)
    empty = Schedule.objects.create(event=event, version=2)

    services.form_groups(event=event, min_size=2, max_size=8, by=None)

    assert list(Schedule.objects.filter(event=event)) == [empty]


def test_add_anchor_refuses_another_specialty():
    table = make_table(specialty=make_specialty(name="Cardiology"))
    other = make_specialist(specialty=make_specialty(name="Neurology"), first_name="Ann")

    with pytest.raises(ValidationError) as error:
        services.add_anchor(table=table, clinician=other, present_rounds=[1], by=None)

    assert error.value.messages == [f"Ann {other.last_name} practises Neurology, not Cardiology."]


def test_add_anchor_refuses_a_second_table():
    event = make_event()
    specialty = make_specialty()
    first = make_anchor(table=make_table(event=event, specialty=specialty))
    table = make_table(event=event, specialty=specialty)

    with pytest.raises(ValidationError) as error:
        services.add_anchor(table=table, clinician=first.clinician, present_rounds=[1], by=None)

    assert error.value.messages == [f"{first.clinician.full_name} already anchors table 1."]


def test_add_anchor_confirms_an_invited_attendee():
    table = make_table(event=make_event(rounds=3))
    specialist = make_specialist(specialty=table.specialty)
    make_attendance(event=table.event, clinician=specialist)

    anchor = services.add_anchor(table=table, clinician=specialist, present_rounds=[1, 3], by=None)

    assert anchor.absent_rounds == [2]
    assert Attendance.objects.get(clinician=specialist).status == "confirmed"


def test_remove_attendance_also_removes_group_and_table_seats():
    event = make_event()
    specialist = make_specialist()
    anchor = make_anchor(
        table=make_table(event=event, specialty=specialist.specialty), clinician=specialist
    )
    attendance = make_attendance(event=event, clinician=specialist)

    also = services.remove_attendance(attendance=attendance, by=None)

    assert also == [f"no longer anchors table {anchor.table.number}"]
    assert not Anchor.objects.filter(pk=anchor.pk).exists()


def test_move_member_warns_about_sizes_and_track():
    event = make_event()
    event.group_min_size = 2
    kids = make_department(track=Track.PEDIATRIC)
    child_doctor = make_clinician(department=kids)
    other = make_clinician()
    source = make_group(event=event, name="Source", members=[child_doctor, other])
    target = make_group(event=event, name="Adults", track=Track.ADULT)

    warnings = services.move_member(event=event, clinician=child_doctor, to_group=target, by=None)

    assert GroupMember.objects.get(clinician=child_doctor).group == target
    assert warnings == [
        "Source now has 1 member, below the minimum of 2.",
        "Adults now has 1 member, below the minimum of 2.",
        f"{child_doctor.full_name} sees pediatric patients but Adults follows the adult track.",
    ]
    assert source.memberships.count() == 1


def test_update_group_reports_when_no_table_serves_the_new_track():
    event = make_event()
    make_table(event=event, specialty=make_specialty(track=Track.ADULT))
    group = make_group(event=event, name="Peds", track=Track.ADULT)

    consequences = services.update_group(group=group, name="Peds", track=Track.PEDIATRIC, by=None)

    assert consequences == [
        "Peds is now pediatric: it may visit 0 tables instead of 1. No table serves its "
        "patients: add a table or change the track."
    ]


def test_set_attendance_status_records_check_in_time_and_clears_it():
    attendance = make_attendance()

    services.set_attendance_status(attendance=attendance, status="checked-in")
    checked = attendance.checked_in_at
    services.set_attendance_status(attendance=attendance, status="no-show")

    assert checked is not None
    assert attendance.checked_in_at is None


def test_finish_event_records_who_finished_it():
    event = make_event(name="North, spring", status=Event.Status.PUBLISHED)
    ann = make_user(first_name="Ann", last_name="Lee")

    finished = services.finish_event(event=event, by=ann)

    entry = AuditEntry.objects.get()
    assert (finished.status, entry.action, entry.actor, entry.message, entry.details) == (
        Event.Status.FINISHED,
        services.EVENT_FINISHED,
        ann,
        "Ann Lee marked North, spring finished: its published schedule now counts as who has "
        "met whom.",
        {"event": event.pk},
    )


def test_create_group_before_publishing_is_not_audited():
    event = make_event()

    services.create_group(event=event, name="Late group", track=Track.ADULT, by=None)

    assert AuditEntry.objects.count() == 0


def test_create_group_after_publishing_is_audited():
    event = make_event(name="North, spring", status=Event.Status.PUBLISHED)

    group = services.create_group(event=event, name="Late group", track=Track.ADULT, by=None)

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.message, entry.details) == (
        services.ADDED_AFTER_PUBLISHING,
        "Rounds added the empty group Late group to North, spring after publishing: the "
        "published schedule is unchanged.",
        {"event": event.pk, "group": group.pk},
    )


def test_finish_event_keeps_a_finished_event_finished():
    event = make_event(status=Event.Status.FINISHED)

    finished = services.finish_event(event=event, by=None)

    assert finished.status == Event.Status.FINISHED


def test_finish_event_refuses_a_draft():
    event = make_event()

    with pytest.raises(ValidationError) as error:
        services.finish_event(event=event, by=None)

    assert error.value.messages == ["Publish a schedule before marking the event finished."]


def test_finish_past_events_finishes_only_published_events_whose_date_has_passed():
    today = datetime.date(2026, 11, 22)
    yesterday = make_event(date=today - datetime.timedelta(days=1), status="published")
    tonight = make_event(date=today, status="published")
    old_draft = make_event(date=today - datetime.timedelta(days=3))

    count = services.finish_past_events(today=today)

    statuses = dict(Event.objects.values_list("pk", "status"))
    assert (count, statuses[yesterday.pk], statuses[tonight.pk], statuses[old_draft.pk]) == (
        1,
        "finished",
        "published",
        "draft",
    )


def test_finish_past_events_task_calls_the_service():
    make_event(date=datetime.date(2020, 1, 1), status="published")

    assert finish_past_events_task() == 1
