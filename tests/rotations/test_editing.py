import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from clinicians.models import Track
from events.models import Attendance
from rotations import editing
from rotations.models import Schedule, Visit
from rotations.services import SCHEDULE_CHANGED, publish_schedule
from tests.factories import (
    make_anchor,
    make_attendance,
    make_event,
    make_group,
    make_specialty,
    make_table,
    make_user,
)
from tests.rotations.helpers import make_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    """Four rounds; adult tables 1 (capacity 1) and 2, pediatric table 3; the anchor of table
    2 is absent in round 4; two adult groups and a pediatric one. Version 1 has A at 1 and B
    at 2 in round 1."""
    event = make_event(rounds=4)
    t1 = make_table(event=event, number=1, specialty=make_specialty(name="Cardiology"))
    t2 = make_table(event=event, number=2, specialty=make_specialty(name="Neurology"))
    t3 = make_table(
        event=event,
        number=3,
        specialty=make_specialty(name="Neonatology", track=Track.PEDIATRIC),
    )
    make_anchor(table=t1)
    make_anchor(table=t2, absent_rounds=[4])
    make_anchor(table=t3)
    a = make_group(event=event, name="A")
    b = make_group(event=event, name="B", absent_rounds=[3])
    kids = make_group(event=event, name="Kids", track=Track.PEDIATRIC)
    schedule = Schedule.objects.create(event=event, version=1)
    Visit.objects.create(schedule=schedule, round=1, group=a, table=t1)
    Visit.objects.create(schedule=schedule, round=1, group=b, table=t2)
    return event, schedule, (t1, t2, t3), (a, b, kids)


def _visits(schedule):
    return sorted(
        (v.round, v.group.name, v.table.number, v.pinned)
        for v in schedule.visits.select_related("group", "table")
    )


def test_move_edits_an_unpublished_version_in_place_and_pins(setup):
    _event, schedule, (t1, t2, _t3), (a, _b, _kids) = setup

    result = editing.move_visit(schedule=schedule, group=a, round=2, table=t2, by=None)

    assert (result.schedule, result.copied) == (schedule, False)
    assert _visits(schedule) == [(1, "A", 1, False), (1, "B", 2, False), (2, "A", 2, True)]


def test_move_replaces_the_groups_visit_in_that_round(setup):
    _event, schedule, (_t1, t2, _t3), (a, b, _kids) = setup
    editing.move_visit(schedule=schedule, group=b, round=1, table=None, by=None)

    editing.move_visit(schedule=schedule, group=a, round=1, table=t2, by=None)

    assert _visits(schedule) == [(1, "A", 2, True)]


@pytest.mark.parametrize(
    ("group_name", "round_", "table_number", "reason"),
    [
        (
            "Kids",
            2,
            1,
            "Kids follows the pediatric track; table 1 (Cardiology) serves adult patients.",
        ),
        (
            "A",
            4,
            2,
            "No anchor is at table 2 (Neurology) in round 4.",
        ),
        (
            "B",
            3,
            1,
            "B is not there in round 3.",
        ),
        ("B", 1, 1, "Table 1 (Cardiology) hosts 1 group a round and already has A in round 1."),
        (
            "A",
            3,
            1,
            "A already visits table 1 (Cardiology) in round 1: a group meets each table once.",
        ),
    ],
)
def test_move_is_refused_with_the_reason(setup, group_name, round_, table_number, reason):
    _event, schedule, tables, groups = setup
    group = next(g for g in groups if g.name == group_name)
    table = next(t for t in tables if t.number == table_number)
    before = _visits(schedule)

    with pytest.raises(ValidationError) as error:
        editing.move_visit(schedule=schedule, group=group, round=round_, table=table, by=None)

    assert error.value.messages == [reason]
    assert _visits(schedule) == before


def test_move_out_of_a_round(setup):
    _event, schedule, _tables, (a, _b, _kids) = setup

    editing.move_visit(schedule=schedule, group=a, round=1, table=None, by=None)

    assert _visits(schedule) == [(1, "B", 2, False)]


def test_move_of_a_published_version_makes_a_new_version(setup):
    _event, schedule, (_t1, t2, _t3), (a, _b, _kids) = setup
    schedule.is_published = True
    schedule.save()

    result = editing.move_visit(schedule=schedule, group=a, round=3, table=t2, by=None)

    assert result.copied is True
    assert (result.schedule.version, result.schedule.based_on, result.schedule.is_published) == (
        2,
        schedule,
        False,
    )
    assert _visits(schedule) == [(1, "A", 1, False), (1, "B", 2, False)]
    assert _visits(result.schedule) == [
        (1, "A", 1, False),
        (1, "B", 2, False),
        (3, "A", 2, True),
    ]


def test_toggle_pin_in_place_and_on_published_copy(setup):
    _event, schedule, _tables, _groups = setup
    visit = schedule.visits.get(group__name="A")

    first, pinned = editing.toggle_pin(visit=visit, by=None)
    schedule.is_published = True
    schedule.save()
    second, unpinned = editing.toggle_pin(visit=Visit.objects.get(pk=visit.pk), by=None)

    assert (first.copied, pinned.pinned) == (False, True)
    assert (second.copied, unpinned.pinned, second.schedule.version) == (True, False, 2)
    assert Visit.objects.get(pk=visit.pk).pinned is True


def test_compare_schedules_lists_changed_visits(setup):
    _event, schedule, (t1, t2, _t3), (a, b, _kids) = setup
    copy = editing.copy_schedule(schedule=schedule, by=None)
    editing.move_visit(schedule=copy, group=a, round=2, table=t2, by=None)
    editing.move_visit(schedule=copy, group=b, round=1, table=None, by=None)

    changes = editing.compare_schedules(old=schedule, new=copy)

    assert [
        (
            c.round,
            c.group.name,
            c.old_table and c.old_table.number,
            c.new_table and c.new_table.number,
        )
        for c in changes
    ] == [(1, "B", 2, None), (2, "A", None, 2)]


def _no_show_at(table):
    anchor = table.anchors.get()
    return make_attendance(
        event=table.event, clinician=anchor.clinician, status=Attendance.Status.NO_SHOW
    )


def test_check_move_in_a_replanned_version_closes_a_no_show_anchors_table_from_its_round(setup):
    event, schedule, (t1, _t2, _t3), _groups = setup
    c = make_group(event=event, name="C")
    _no_show_at(t1)
    replanned = Schedule.objects.create(event=event, version=2, replan_from_round=3)

    before = editing.check_move(schedule=replanned, group=c, round=2, table=t1)
    after = editing.check_move(schedule=replanned, group=c, round=3, table=t1)
    not_replanned = editing.check_move(schedule=schedule, group=c, round=3, table=t1)

    assert (before, after, not_replanned) == (
        ["Round 2 came before the re-plan from round 3: its visits stay as published."],
        ["No anchor is at table 1 (Cardiology) in round 3."],
        [],
    )


def test_copy_of_a_replanned_version_stays_replanned_from_the_same_round(setup):
    event, _schedule, _tables, _groups = setup
    replanned = Schedule.objects.create(event=event, version=2, replan_from_round=3)

    copy = editing.copy_schedule(schedule=replanned, by=None)

    assert (copy.version, copy.replan_from_round, copy.replan_note) == (
        3,
        3,
        "Re-planned from round 3: rounds 1–2 kept as they happened.",
    )


def test_move_out_of_a_table_that_already_breaks_a_rule_is_allowed(setup):
    event, _schedule, (t1, t2, _t3), (a, b, _kids) = setup
    old = make_schedule(event, [(1, a, t1), (1, b, t1)], version=2)

    editing.move_visit(schedule=old, group=b, round=1, table=t2, by=None)

    assert _visits(old) == [(1, "A", 1, False), (1, "B", 2, True)]


def test_move_into_a_table_that_already_breaks_a_rule_is_refused(setup):
    event, _schedule, (t1, _t2, _t3), (a, b, kids) = setup
    old = make_schedule(event, [(2, a, t1), (2, b, t1)], version=2)

    with pytest.raises(ValidationError) as error:
        editing.move_visit(schedule=old, group=kids, round=2, table=t1, by=None)

    assert error.value.messages == [
        "Table 1 (Cardiology) hosts 1 group a round and already has A, B in round 2.",
        "Kids follows the pediatric track; table 1 (Cardiology) serves adult patients.",
    ]


def test_move_of_a_pinned_visit_lets_its_pin_go(setup):
    event, _schedule, (t1, t2, _t3), (a, _b, _kids) = setup
    pinned = make_schedule(event, [(2, a, t1)], version=2, pinned=[(2, a, t1)])

    editing.move_visit(schedule=pinned, group=a, round=2, table=t2, by=None)

    assert _visits(pinned) == [(2, "A", 2, True)]


def test_move_in_a_round_a_replan_kept_is_refused(setup):
    event, _schedule, (t1, t2, _t3), (a, _b, _kids) = setup
    replanned = make_schedule(event, [(1, a, t1), (3, a, t2)], version=2)
    replanned.replan_from_round = 3
    replanned.save()

    with pytest.raises(ValidationError) as error:
        editing.move_visit(schedule=replanned, group=a, round=1, table=None, by=None)
    editing.move_visit(schedule=replanned, group=a, round=3, table=None, by=None)

    assert error.value.messages == [
        "Round 1 came before the re-plan from round 3: its visits stay as published."
    ]
    assert _visits(replanned) == [(1, "A", 1, False)]


def test_edits_of_a_published_version_share_one_draft_and_are_in_the_audit_log(setup):
    event, schedule, (_t1, _t2, t3), (a, b, kids) = setup
    t4 = make_table(event=event, number=4, specialty=make_specialty(name="Dermatology"))
    make_anchor(table=t4)
    Schedule.objects.filter(pk=schedule.pk).update(is_published=True)
    ann = make_user(first_name="Ann", last_name="Lee")

    first = editing.move_visit(schedule=schedule, group=a, round=1, table=t4, by=ann)
    second = editing.move_visit(schedule=schedule, group=kids, round=2, table=t3, by=ann)
    pin, _visit = editing.toggle_pin(visit=schedule.visits.get(group=b), by=ann)
    with pytest.raises(ValidationError) as gone:
        editing.toggle_pin(visit=schedule.visits.get(group=a), by=ann)

    assert (first.copied, first.reused, second.reused, pin.reused) == (True, False, True, True)
    assert first.schedule == second.schedule == pin.schedule
    assert Schedule.objects.filter(event=event).count() == 2
    assert _visits(schedule) == [(1, "A", 1, False), (1, "B", 2, False)]
    assert _visits(first.schedule) == [(1, "A", 4, True), (1, "B", 2, True), (2, "Kids", 3, True)]
    assert gone.value.messages == [
        "A is no longer at table 1 in round 1 of version 2: see the grid as it is now."
    ]
    draft = "version 2 is a draft based on published version 1."
    assert list(
        AuditEntry.objects.filter(action=SCHEDULE_CHANGED)
        .order_by("pk")
        .values_list("message", flat=True)
    ) == [
        f"Ann Lee moved A from table 1 (Cardiology) to table 4 (Dermatology) in round 1 of "
        f"{event.name}; {draft}",
        f"Ann Lee put Kids at table 3 (Neonatology) in round 2 of {event.name}; {draft}",
        f"Ann Lee pinned B at table 2 (Neurology) in round 1 of {event.name}; {draft}",
    ]


def test_publish_refuses_a_version_that_breaks_a_rule_and_changes_nothing(setup):
    event, schedule, (t1, _t2, _t3), (a, b, kids) = setup
    Schedule.objects.filter(pk=schedule.pk).update(is_published=True)
    broken = make_schedule(event, [(1, a, t1), (1, b, t1), (2, kids, t1)], version=2)

    with pytest.raises(ValidationError) as error:
        publish_schedule(schedule=broken, by=None)

    assert error.value.messages == [
        "Table 1 (Cardiology) has 2 groups in round 1 but hosts 1.",
        "Kids (pediatric) visits table 1 (Cardiology) (adult).",
    ]
    assert list(Schedule.objects.filter(is_published=True)) == [schedule]
    broken.refresh_from_db()
    assert (broken.is_published, AuditEntry.objects.count()) == (False, 0)
    event.refresh_from_db()
    assert event.status == "draft"
