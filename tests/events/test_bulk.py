"""Tables and anchors in bulk, copying an evening, archiving and deleting an event, and
Create event submitted twice (events.services.tables, copying, details; their views)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEntry
from clinicians.models import Clinician
from events import services
from events.models import Anchor, Attendance, Event, Table
from events.queries import attendance_counts, attendances_for, attendee_summary
from rotations.models import Schedule, Visit
from tests.factories import (
    make_anchor,
    make_attendance,
    make_clinician,
    make_event,
    make_group,
    make_specialist,
    make_specialty,
    make_table,
    make_user,
    publish_round_robin,
)

pytestmark = pytest.mark.django_db


def _attending_specialist(event, specialty, **fields):
    clinician = make_specialist(specialty=specialty, **fields)
    make_attendance(event=event, clinician=clinician)
    return clinician


def _tables(event):
    return [
        (
            t.number,
            t.specialty.name,
            t.capacity,
            t.location,
            sorted(t.anchors.values_list("clinician__last_name", flat=True)),
        )
        for t in event.tables.order_by("number").select_related("specialty")
    ]


# Tables from the attending specialists


def test_add_tables_for_specialties_adds_one_seated_table_per_specialty():
    event = make_event(rounds=4)
    cardiology, neurology = make_specialty(name="Cardiology"), make_specialty(name="Neurology")
    _attending_specialist(event, cardiology, last_name="Ames")
    _attending_specialist(event, cardiology, last_name="Baker")
    _attending_specialist(event, neurology, last_name="Cole")
    make_specialist(specialty=neurology, last_name="Absent")  # not attending

    tables = services.add_tables_for_specialties(event=event, seat_specialists=True, by=None)

    assert [t.number for t in tables] == [1, 2]
    assert _tables(event) == [
        (1, "Cardiology", 1, "", ["Ames", "Baker"]),
        (2, "Neurology", 1, "", ["Cole"]),
    ]
    assert list(event.anchors.values_list("absent_rounds", flat=True)) == [[], [], []]


def test_add_tables_for_specialties_skips_specialties_with_a_table_and_no_shows():
    event = make_event()
    cardiology, neurology = make_specialty(name="Cardiology"), make_specialty(name="Neurology")
    make_table(event=event, number=1, specialty=cardiology)
    _attending_specialist(event, cardiology, last_name="Ames")
    gone = make_specialist(specialty=neurology)
    make_attendance(event=event, clinician=gone, status=Attendance.Status.NO_SHOW)

    tables = services.add_tables_for_specialties(event=event, seat_specialists=True, by=None)

    assert tables == []
    assert _tables(event) == [(1, "Cardiology", 1, "", [])]


def test_add_tables_for_specialties_after_publishing_is_allowed_and_audited():
    event = make_event(rounds=2)
    make_table(event=event, number=1)
    make_table(event=event, number=2)
    publish_round_robin(event)
    event.refresh_from_db()
    _attending_specialist(event, make_specialty(name="Urology"), last_name="Dunn")

    services.add_tables_for_specialties(event=event, seat_specialists=False, by=None)

    assert _tables(event)[-1] == (3, "Urology", 1, "", [])
    assert AuditEntry.objects.filter(action=services.ADDED_AFTER_PUBLISHING).count() == 1


def test_seat_attending_specialists_seats_those_not_yet_at_a_table():
    event = make_event()
    cardiology = make_specialty(name="Cardiology")
    table = make_table(event=event, number=1, specialty=cardiology)
    other = make_table(event=event, number=2, specialty=cardiology)
    make_anchor(table=other, clinician=_attending_specialist(event, cardiology, last_name="Ames"))
    _attending_specialist(event, cardiology, last_name="Baker")
    _attending_specialist(event, make_specialty(name="Neurology"), last_name="Cole")

    anchors = services.seat_attending_specialists(table=table, by=None)

    assert [a.clinician.last_name for a in anchors] == ["Baker"]
    assert _tables(event) == [
        (1, "Cardiology", 1, "", ["Baker"]),
        (2, "Cardiology", 1, "", ["Ames"]),
    ]
    assert Attendance.objects.get(clinician=anchors[0].clinician).status == "confirmed"


# Presence as a range


def test_set_anchors_presence_sets_a_range_for_many():
    event = make_event(rounds=6)
    first, second, third = (make_anchor(table=make_table(event=event)) for _ in range(3))

    changed = services.set_anchors_presence(
        event=event, anchors=[first, second], arrives=2, leaves=4, by=None
    )

    assert len(changed) == 2
    assert dict(Anchor.objects.values_list("pk", "absent_rounds")) == {
        first.pk: [1, 5, 6],
        second.pk: [1, 5, 6],
        third.pk: [],
    }


@pytest.mark.parametrize(("arrives", "leaves"), [(0, 3), (3, 2), (1, 7)])
def test_set_anchors_presence_refuses_a_range_outside_the_rounds(arrives, leaves):
    event = make_event(rounds=6)
    anchor = make_anchor(table=make_table(event=event))

    with pytest.raises(ValidationError):
        services.set_anchors_presence(
            event=event, anchors=[anchor], arrives=arrives, leaves=leaves, by=None
        )

    assert Anchor.objects.get().absent_rounds == []


def test_set_anchors_presence_after_publishing_is_refused_whole_and_audited():
    event = make_event(rounds=2)
    anchors = [make_anchor(table=make_table(event=event)) for _ in range(2)]
    publish_round_robin(event)
    event.refresh_from_db()

    with pytest.raises(ValidationError):
        services.set_anchors_presence(event=event, anchors=anchors, arrives=2, leaves=2, by=None)

    assert list(Anchor.objects.values_list("absent_rounds", flat=True)) == [[], []]
    assert AuditEntry.objects.filter(action=services.CHANGE_REFUSED).count() == 1


def test_set_anchors_presence_after_publishing_keeps_unchanged_rounds():
    event = make_event(rounds=2)
    anchors = [make_anchor(table=make_table(event=event)) for _ in range(2)]
    publish_round_robin(event)
    event.refresh_from_db()

    changed = services.set_anchors_presence(
        event=event, anchors=anchors, arrives=1, leaves=2, by=None
    )

    assert changed == []


# Copying an evening


def test_copy_event_copies_the_set_up_but_not_the_attendance():
    user = make_user()
    event = make_event(rounds=6, group_min_size=3, group_max_size=5, round_minutes=12)
    cardiology = make_specialty(name="Cardiology")
    table = make_table(event=event, number=3, specialty=cardiology, capacity=2, location="Hall B")
    ames = make_specialist(specialty=cardiology, last_name="Ames")
    make_anchor(table=table, clinician=ames, absent_rounds=[1, 2])
    retired = make_specialist(specialty=cardiology, last_name="Old", is_active=False)
    make_anchor(table=table, clinician=retired)
    make_attendance(event=event, clinician=make_clinician())
    date = datetime.date.today() + datetime.timedelta(days=60)

    copy = services.copy_event(event=event, name="South", date=date, venue="Annex", by=user)

    assert (copy.name, copy.date, copy.venue, copy.status, copy.created_by) == (
        "South",
        date,
        "Annex",
        Event.Status.DRAFT,
        user,
    )
    assert (copy.rounds, copy.round_minutes, copy.group_min_size, copy.group_max_size) == (
        6,
        12,
        3,
        5,
    )
    assert _tables(copy) == [(3, "Cardiology", 2, "Hall B", ["Ames"])]
    assert list(copy.anchors.values_list("absent_rounds", flat=True)) == [[1, 2]]
    assert list(copy.attendances.values_list("clinician__last_name", "status")) == [
        ("Ames", "invited")
    ]
    assert copy.groups.count() == 0


def test_copy_view_creates_the_copy_and_opens_it(organizer_client):
    event = make_event(name="North")
    make_anchor(table=make_table(event=event))
    date = datetime.date.today() + datetime.timedelta(days=40)

    response = organizer_client.post(
        reverse("events:copy", kwargs={"event_pk": event.pk}),
        {"name": "North, autumn", "date": date.isoformat(), "venue": "Hall C"},
    )

    copy = Event.objects.get(name="North, autumn")
    assert response.url == reverse("events:detail", kwargs={"pk": copy.pk})
    assert (copy.tables.count(), copy.anchors.count()) == (1, 1)


# Archive and delete


def test_archive_event_hides_it_from_the_list_and_the_filter_shows_it(organizer_client):
    kept, archived = make_event(name="Kept"), make_event(name="Gone")

    organizer_client.post(reverse("events:archive", kwargs={"event_pk": archived.pk}))
    current = organizer_client.get(reverse("events:list"))
    shelf = organizer_client.get(reverse("events:list") + "?archived=1")

    assert [e.name for e in current.context["events"]] == [kept.name]
    assert [e.name for e in shelf.context["events"]] == [archived.name]


def test_restore_event_brings_it_back(organizer_client):
    event = make_event()
    services.archive_event(event=event, by=None)

    organizer_client.post(reverse("events:restore", kwargs={"event_pk": event.pk}))

    event.refresh_from_db()
    assert event.archived_at is None


def test_delete_event_deletes_a_draft_with_everything_in_it(organizer_client):
    event = make_event(name="Draft")
    make_anchor(table=make_table(event=event))
    make_attendance(event=event)

    confirm = organizer_client.get(reverse("events:delete", kwargs={"event_pk": event.pk}))
    response = organizer_client.post(reverse("events:delete", kwargs={"event_pk": event.pk}))

    assert confirm.status_code == 200
    assert "refusal" not in confirm.context
    assert response.url == reverse("events:list")
    assert (Event.objects.count(), Table.objects.count(), Anchor.objects.count()) == (0, 0, 0)
    assert AuditEntry.objects.filter(action=services.EVENT_DELETED).count() == 1


def test_delete_event_with_a_published_schedule_is_refused_and_says_why(organizer_client):
    event = make_event(name="North", rounds=2)
    make_table(event=event)
    make_table(event=event)
    publish_round_robin(event)

    confirm = organizer_client.get(reverse("events:delete", kwargs={"event_pk": event.pk}))
    response = organizer_client.post(reverse("events:delete", kwargs={"event_pk": event.pk}))

    assert confirm.context["refusal"].startswith("North may not be deleted: North has a published")
    assert response.status_code == 409
    assert "Its published schedule is the record" in response.context["refusal"]
    assert Event.objects.filter(pk=event.pk).exists()


def test_delete_event_once_published_then_drafted_is_refused_by_the_receivers():
    event = make_event(name="North", rounds=2)
    make_table(event=event)
    make_table(event=event)
    publish_round_robin(event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
    event.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        services.delete_event(event=event, by=None)

    assert refused.value.messages[0].startswith("North may not be deleted: Version 1 of North")
    assert Event.objects.filter(pk=event.pk).exists()


# Create event submitted twice


def _new_event(**fields):
    return {
        "name": "South Shore rounds",
        "date": (datetime.date.today() + datetime.timedelta(days=10)).isoformat(),
        "venue": "Hall B",
        "start_time": "17:30",
        "rounds": "6",
        "round_minutes": "10",
        "transition_minutes": "2",
        **fields,
    }


def test_create_event_posted_twice_with_the_same_token_makes_one_event(organizer_client):
    token = organizer_client.get(reverse("events:create")).context["form"].initial["submission"]

    first = organizer_client.post(reverse("events:create"), _new_event(submission=token))
    second = organizer_client.post(
        reverse("events:create"), _new_event(submission=token, name="Renamed after Back")
    )

    event = Event.objects.get()
    assert first.url == second.url == reverse("events:detail", kwargs={"pk": event.pk})
    assert event.name == "South Shore rounds"


def test_create_event_identical_post_without_token_makes_one_event(organizer_client):
    first = organizer_client.post(reverse("events:create"), _new_event())
    second = organizer_client.post(reverse("events:create"), _new_event())

    assert Event.objects.count() == 1
    assert first.url == second.url


def test_create_event_another_name_makes_another_event(organizer_client):
    organizer_client.post(reverse("events:create"), _new_event())
    organizer_client.post(reverse("events:create"), _new_event(name="Second evening"))

    assert Event.objects.count() == 2


# Bulk views


def test_tables_from_specialties_view_adds_and_seats(organizer_client):
    event = make_event()
    _attending_specialist(event, make_specialty(name="Cardiology"), last_name="Ames")

    response = organizer_client.post(
        reverse("events:table_bulk_create", kwargs={"event_pk": event.pk})
    )

    assert response.url == reverse("events:table_list", kwargs={"event_pk": event.pk})
    assert _tables(event) == [(1, "Cardiology", 1, "", ["Ames"])]


def test_table_seat_view_seats_every_attending_specialist(organizer_client):
    event = make_event()
    cardiology = make_specialty(name="Cardiology")
    table = make_table(event=event, specialty=cardiology)
    _attending_specialist(event, cardiology, last_name="Ames")
    _attending_specialist(event, cardiology, last_name="Baker")

    organizer_client.post(
        reverse("events:table_seat", kwargs={"event_pk": event.pk, "pk": table.pk})
    )

    assert _tables(event) == [(1, "Cardiology", 1, "", ["Ames", "Baker"])]


def test_anchor_presence_view_sets_a_table_s_anchors(organizer_client):
    event = make_event(rounds=5)
    table = make_table(event=event)
    anchors = [make_anchor(table=table) for _ in range(2)]
    other = make_anchor(table=make_table(event=event))
    url = reverse("events:anchor_presence", kwargs={"event_pk": event.pk}) + f"?table={table.pk}"

    page = organizer_client.get(url)
    response = organizer_client.post(
        url,
        {
            f"arrives_{anchors[0].pk}": "3",
            f"leaves_{anchors[0].pk}": "5",
            f"arrives_{anchors[1].pk}": "1",
            f"leaves_{anchors[1].pk}": "4",
        },
    )

    assert [anchor for anchor, *_ in page.context["form"].rows()] == anchors
    assert response.url == reverse("events:table_list", kwargs={"event_pk": event.pk})
    assert dict(Anchor.objects.values_list("pk", "absent_rounds")) == {
        anchors[0].pk: [1, 2],
        anchors[1].pk: [5],
        other.pk: [],
    }


def test_anchor_presence_view_saves_only_the_rows_changed(organizer_client):
    """An anchor away in the middle of the evening keeps those rounds when another row is
    saved."""
    event = make_event(rounds=5)
    table = make_table(event=event)
    away, late = make_anchor(table=table, absent_rounds=[3]), make_anchor(table=table)

    organizer_client.post(
        reverse("events:anchor_presence", kwargs={"event_pk": event.pk}),
        {
            f"arrives_{away.pk}": "1",
            f"leaves_{away.pk}": "5",
            f"arrives_{late.pk}": "2",
            f"leaves_{late.pk}": "5",
        },
    )

    assert dict(Anchor.objects.values_list("pk", "absent_rounds")) == {away.pk: [3], late.pk: [1]}


def test_anchor_presence_view_refuses_leaving_before_arriving(organizer_client):
    event = make_event(rounds=5)
    anchor = make_anchor(table=make_table(event=event))

    response = organizer_client.post(
        reverse("events:anchor_presence", kwargs={"event_pk": event.pk}),
        {f"arrives_{anchor.pk}": "4", f"leaves_{anchor.pk}": "2"},
    )

    assert response.context["form"].errors == {
        f"leaves_{anchor.pk}": [f"{anchor.clinician.full_name} must arrive before they leave."]
    }
    assert Anchor.objects.get().absent_rounds == []


# The overview's attendee count


def test_attendee_summary_parts_add_up_with_singulars_and_no_shows():
    event = make_event()
    for role, status in [
        (Clinician.Role.PRIMARY_CARE, "confirmed"),
        (Clinician.Role.PRIMARY_CARE, "confirmed"),
        (Clinician.Role.SPECIALIST, "confirmed"),
        (Clinician.Role.LEADER, "confirmed"),
        (Clinician.Role.PRIMARY_CARE, "no-show"),
    ]:
        make_attendance(event=event, clinician=make_clinician(role=role), status=status)

    summary = attendee_summary(attendance_counts(attendances_for(event)))

    assert summary == (
        "5 attendees: 2 primary-care clinicians, 1 specialist and 1 leader; 1 no-show"
    )


def test_delete_event_with_an_unpublished_version_deletes_its_visits():
    event = make_event(rounds=2)
    table = make_table(event=event)
    group = make_group(event=event)
    schedule = Schedule.objects.create(event=event, version=1)
    Visit.objects.create(schedule=schedule, round=1, group=group, table=table)

    services.delete_event(event=event, by=None)

    assert (Event.objects.count(), Schedule.objects.count(), Visit.objects.count()) == (0, 0, 0)


def test_copy_view_posted_twice_makes_one_copy(organizer_client):
    event = make_event(name="North")
    data = {
        "name": "North, autumn",
        "date": (datetime.date.today() + datetime.timedelta(days=40)).isoformat(),
        "venue": "Hall C",
    }
    url = reverse("events:copy", kwargs={"event_pk": event.pk})

    first = organizer_client.post(url, data)
    second = organizer_client.post(url, data)

    assert first.url == second.url
    assert Event.objects.filter(name="North, autumn").count() == 1
