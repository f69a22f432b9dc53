"""The board's edits (rotations/editing.py): move a visit to any round, swap two visits, undo
and redo, through drafts of a published version, with two organizers at once."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from clinicians.models import Track
from rotations import editing
from rotations.editing import Placement
from rotations.models import Schedule
from rotations.services import SCHEDULE_CHANGED
from tests.factories import (
    make_anchor,
    make_event,
    make_group,
    make_specialty,
    make_table,
    make_user,
)
from tests.rotations.helpers import make_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    """Ten rounds; adult tables 1 (Cardiology) and 2 (Neurology), pediatric table 3, each
    hosting one group; adult groups A and B, pediatric Kids. Version 1: A at table 1 in rounds
    9 (pinned), B at table 2 in round 9, Kids at table 3 in round 9."""
    event = make_event(rounds=10)
    t1 = make_table(event=event, number=1, capacity=1, specialty=make_specialty(name="Cardiology"))
    t2 = make_table(event=event, number=2, capacity=1, specialty=make_specialty(name="Neurology"))
    t3 = make_table(
        event=event,
        number=3,
        capacity=1,
        specialty=make_specialty(name="Neonatology", track=Track.PEDIATRIC),
    )
    for table in (t1, t2, t3):
        make_anchor(table=table)
    a = make_group(event=event, name="A")
    b = make_group(event=event, name="B")
    kids = make_group(event=event, name="Kids", track=Track.PEDIATRIC)
    schedule = make_schedule(
        event, [(9, a, t1), (9, b, t2), (9, kids, t3)], version=1, pinned=[(9, a, t1)]
    )
    return schedule, (t1, t2, t3), (a, b, kids)


def _visits(schedule):
    return sorted(
        (v.round, v.group.name, v.table.number, v.pinned)
        for v in schedule.visits.select_related("group", "table")
    )


def test_move_group_takes_a_visit_from_round_9_to_round_10(board):
    schedule, (t1, _t2, _t3), (a, _b, _kids) = board

    edit = editing.move_group(schedule=schedule, group=a, from_round=9, round=10, table=t1, by=None)

    assert _visits(schedule) == [(9, "B", 2, False), (9, "Kids", 3, False), (10, "A", 1, True)]
    assert (edit.result.schedule, edit.result.copied, edit.message) == (
        schedule,
        False,
        "Moved A from table 1 (Cardiology) in round 9 to table 1 (Cardiology) in round 10.",
    )
    assert (edit.removed, edit.added) == (
        (Placement(9, a.pk, t1.pk, pinned=True),),
        (Placement(10, a.pk, t1.pk, pinned=True),),
    )


def test_move_group_into_a_round_where_it_has_a_visit_is_refused(board):
    schedule, (_t1, t2, _t3), (a, b, _kids) = board
    editing.move_group(schedule=schedule, group=b, from_round=9, round=10, table=t2, by=None)

    with pytest.raises(ValidationError) as refused:
        editing.move_group(schedule=schedule, group=a, from_round=9, round=10, table=t2, by=None)

    assert refused.value.messages == [
        "Table 2 (Neurology) hosts 1 group a round and already has B in round 10."
    ]
    assert _visits(schedule) == [(9, "A", 1, True), (9, "Kids", 3, False), (10, "B", 2, True)]


def test_move_group_onto_its_own_visit_of_another_round_is_refused(board):
    schedule, (_t1, t2, _t3), (a, _b, _kids) = board
    editing.move_group(schedule=schedule, group=a, from_round=10, round=10, table=t2, by=None)

    with pytest.raises(ValidationError) as refused:
        editing.move_group(schedule=schedule, group=a, from_round=9, round=10, table=t2, by=None)

    assert refused.value.messages == ["A is already at table 2 (Neurology) in round 10."]


def test_move_group_out_of_a_round_leaves_the_slot_empty_not_pinned(board):
    schedule, _tables, (a, _b, _kids) = board

    editing.move_group(schedule=schedule, group=a, from_round=9, round=9, table=None, by=None)

    assert _visits(schedule) == [(9, "B", 2, False), (9, "Kids", 3, False)]


def test_swap_visits_exchanges_two_visits_at_once(board):
    schedule, _tables, (a, b, _kids) = board

    edit = editing.swap_visits(schedule=schedule, first=(a, 9), second=(b, 9), by=None)

    assert _visits(schedule) == [(9, "A", 2, True), (9, "B", 1, True), (9, "Kids", 3, False)]
    assert edit.message == (
        "Swapped A (now at table 2 (Neurology) in round 9) and B (now at table 1 (Cardiology) "
        "in round 9)."
    )


def test_swap_visits_refused_by_the_track_rule_writes_nothing(board):
    schedule, _tables, (a, _b, kids) = board

    with pytest.raises(ValidationError) as refused:
        editing.swap_visits(schedule=schedule, first=(a, 9), second=(kids, 9), by=None)

    assert refused.value.messages == [
        "A follows the adult track; table 3 (Neonatology) serves pediatric patients.",
        "Kids follows the pediatric track; table 1 (Cardiology) serves adult patients.",
    ]
    assert _visits(schedule) == [(9, "A", 1, True), (9, "B", 2, False), (9, "Kids", 3, False)]


def test_undo_restores_the_visit_as_it_was_and_redo_moves_it_again(board):
    schedule, (t1, _t2, _t3), (a, _b, _kids) = board
    edit = editing.move_group(schedule=schedule, group=a, from_round=9, round=10, table=t1, by=None)

    undo = editing.replay_board_edit(
        schedule=schedule,
        removed=list(edit.added),
        added=list(edit.removed),
        by=None,
        label="Undone",
    )
    after_undo = _visits(schedule)
    redo = editing.replay_board_edit(
        schedule=schedule,
        removed=list(undo.added),
        added=list(undo.removed),
        by=None,
        label="Redone",
    )

    assert after_undo == [(9, "A", 1, True), (9, "B", 2, False), (9, "Kids", 3, False)]
    assert undo.message == "Undone: A at table 1 (Cardiology) in round 9; A out of round 10."
    assert _visits(schedule) == [(9, "B", 2, False), (9, "Kids", 3, False), (10, "A", 1, True)]
    assert redo.message == "Redone: A at table 1 (Cardiology) in round 10; A out of round 9."


def test_undo_after_the_grid_changed_is_refused(board):
    schedule, (t1, t2, _t3), (a, _b, _kids) = board
    edit = editing.move_group(schedule=schedule, group=a, from_round=9, round=10, table=t1, by=None)
    editing.move_group(schedule=schedule, group=a, from_round=10, round=10, table=t2, by=None)

    with pytest.raises(ValidationError) as refused:
        editing.replay_board_edit(
            schedule=schedule,
            removed=list(edit.added),
            added=list(edit.removed),
            by=None,
            label="Undone",
        )

    assert refused.value.messages == [
        "A is no longer at table 1 (Cardiology) in round 10 of version 1: the grid has changed "
        "since; see it as it is now."
    ]


def test_board_edits_of_a_published_version_go_to_one_draft_and_leave_it_untouched(board):
    schedule, (t1, _t2, _t3), (a, b, _kids) = board
    Schedule.objects.filter(pk=schedule.pk).update(is_published=True)
    schedule.refresh_from_db()
    olive, oscar = make_user(username="olive"), make_user(username="oscar")
    published_before = _visits(schedule)

    moved = editing.move_group(
        schedule=schedule, group=a, from_round=9, round=10, table=t1, by=olive
    )
    # Oscar's page still shows the published version: his swap joins Olive's draft.
    swapped = editing.swap_visits(schedule=schedule, first=(b, 9), second=(a, 10), by=oscar)
    # Olive's undo would take out a visit Oscar's swap moved: refused, nothing written.
    with pytest.raises(ValidationError) as refused:
        editing.replay_board_edit(
            schedule=schedule,
            removed=list(moved.added),
            added=list(moved.removed),
            by=olive,
            label="Undone",
        )

    draft = moved.result.schedule
    assert _visits(schedule) == published_before
    assert (moved.result.copied, swapped.result.schedule, swapped.result.reused) == (
        True,
        draft,
        True,
    )
    assert draft.is_published is False
    assert refused.value.messages == [
        "A is no longer at table 1 (Cardiology) in round 10 of version 2: the grid has changed "
        "since; see it as it is now."
    ]
    assert _visits(draft) == [(9, "A", 2, True), (9, "Kids", 3, False), (10, "B", 1, True)]
    assert list(
        AuditEntry.objects.filter(action=SCHEDULE_CHANGED)
        .order_by("pk")
        .values_list("message", flat=True)
    ) == [
        f"olive moved A from table 1 (Cardiology) in round 9 to table 1 (Cardiology) in "
        f"round 10 of {schedule.event.name}; version 2 is a draft based on published version 1.",
        f"oscar swapped B (now at table 1 (Cardiology) in round 10) and A (now at table 2 "
        f"(Neurology) in round 9) of {schedule.event.name}; version 2 is a draft based on "
        "published version 1.",
    ]
