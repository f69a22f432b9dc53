import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from events.models import Anchor, GroupMember, RoundSlot
from tests.factories import (
    make_anchor,
    make_clinician,
    make_event,
    make_group,
    make_specialist,
    make_table,
)

pytestmark = pytest.mark.django_db


def test_table_numbers_are_unique_per_event():
    event = make_event()
    make_table(event=event, number=1)

    with pytest.raises(IntegrityError):
        make_table(event=event, number=1)


def test_same_table_number_is_allowed_at_another_event():
    make_table(event=make_event(), number=1)

    table = make_table(event=make_event(), number=1)

    assert table.number == 1


def test_specialist_anchors_one_table_per_event():
    event = make_event()
    anchor = make_anchor(table=make_table(event=event))

    with pytest.raises(IntegrityError):
        Anchor.objects.create(table=make_table(event=event), clinician=anchor.clinician)


def test_anchor_takes_its_event_from_its_table():
    table = make_table()

    anchor = make_anchor(table=table)

    assert anchor.event_id == table.event_id


def test_anchor_must_be_a_specialist():
    anchor = Anchor(table=make_table(), clinician=make_clinician())

    with pytest.raises(ValidationError) as error:
        anchor.full_clean()

    assert error.value.message_dict["clinician"] == ["Only specialists anchor a table."]


def test_clinician_travels_in_one_group_per_event():
    event = make_event()
    clinician = make_clinician()
    make_group(event=event, members=[clinician])

    with pytest.raises(IntegrityError):
        make_group(event=event, members=[clinician])


def test_group_member_must_be_primary_care():
    member = GroupMember(group=make_group(), clinician=make_specialist())

    with pytest.raises(ValidationError) as error:
        member.clean()

    assert error.value.message_dict["clinician"] == [
        "Only primary-care clinicians travel in groups."
    ]


def test_event_timetable_adds_transitions_between_rounds():
    event = make_event(
        start_time=datetime.time(18, 0), rounds=3, round_minutes=10, transition_minutes=2
    )

    assert event.timetable() == [
        RoundSlot(1, datetime.time(18, 0), datetime.time(18, 10)),
        RoundSlot(2, datetime.time(18, 12), datetime.time(18, 22)),
        RoundSlot(3, datetime.time(18, 24), datetime.time(18, 34)),
    ]
    assert event.end_time == datetime.time(18, 34)


def test_anchor_present_rounds_leave_out_absences():
    anchor = make_anchor(absent_rounds=[1, 4])

    assert anchor.present_rounds(5) == [2, 3, 5]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime.datetime(2030, 5, 1, 12, 0), 1),  # the day before
        (datetime.datetime(2030, 5, 2, 17, 59), 1),
        (datetime.datetime(2030, 5, 2, 18, 0), 2),  # round 1 has started
        (datetime.datetime(2030, 5, 2, 18, 11), 2),  # between rounds 1 and 2
        (datetime.datetime(2030, 5, 2, 18, 30), 4),  # in round 3 (18:24-18:34)
        (datetime.datetime(2030, 5, 2, 18, 36), None),  # round 4 has started
        (datetime.datetime(2030, 5, 3, 9, 0), None),
    ],
)
def test_event_round_after_is_the_next_round_by_the_clock(moment, expected):
    event = make_event(
        date=datetime.date(2030, 5, 2),
        start_time=datetime.time(18, 0),
        rounds=4,
        round_minutes=10,
        transition_minutes=2,
    )

    assert event.round_after(moment) == expected
