"""A published version never changes: every path that would alter what it depends on is
refused, in words, and audited; unpublished versions give way."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounts.models import AuditEntry
from events import services
from events.models import Event, GroupMember, Table, TravelGroup
from rotations.models import Schedule, Visit
from tests.events.scenario import make_organizer, make_ready_event
from tests.factories import (
    make_attendance,
    make_clinician,
    make_group,
    make_specialist,
    publish_round_robin,
)
from tests.rotations.helpers import make_schedule

pytestmark = pytest.mark.django_db


def _rows(schedule):
    return sorted(Visit.objects.filter(schedule=schedule).values_list("round", "group", "table"))


@pytest.fixture
def published():
    event = make_ready_event(groups=3, tables=4, rounds=4, name="North spring")
    schedule = publish_round_robin(event)
    event.refresh_from_db()
    return event, schedule, _rows(schedule)


def _refusals():
    return list(
        AuditEntry.objects.filter(action=services.CHANGE_REFUSED).values_list("message", flat=True)
    )


# The organizer's services, after publishing


def test_delete_table_after_publishing_is_refused_and_audited(published):
    event, schedule, rows = published
    table = event.tables.get(number=1)
    label = f"table 1 ({table.specialty.name})"

    with pytest.raises(ValidationError) as error:
        services.delete_table(table=table, by=make_organizer(first_name="Ann", last_name="Lee"))

    assert error.value.messages == [
        f"{label[0].upper()}{label[1:]} may not be deleted: North spring has a published "
        "schedule and clinicians hold itineraries from it. Mark its anchors a no-show on the "
        "check-in page and re-plan instead."
    ]
    assert (_rows(schedule), Table.objects.filter(pk=table.pk).exists()) == (rows, True)
    assert _refusals() == [
        f"Ann Lee tried to delete {label} from North spring; refused: {error.value.messages[0]}"
    ]


def test_update_table_after_publishing_refuses_capacity_and_specialty(published):
    event, schedule, rows = published
    table = event.tables.get(number=1)
    table.capacity = 2

    with pytest.raises(ValidationError) as error:
        services.update_table(table=table, by=None)

    assert error.value.messages[0].startswith(
        f"The capacity of table 1 ({table.specialty.name}) may not change: North spring has "
        "a published schedule"
    )
    assert Table.objects.get(pk=table.pk).capacity == 1


def test_update_table_after_publishing_allows_the_location_and_audits_it(published):
    event, schedule, rows = published
    table = event.tables.get(number=1)
    table.location = "Hall B"

    services.update_table(table=table, by=None)

    assert Table.objects.get(pk=table.pk).location == "Hall B"
    assert list(
        AuditEntry.objects.filter(action=services.TABLE_CHANGED).values_list("message", flat=True)
    ) == [
        f"Rounds moved table 1 ({table.specialty.name}) of North spring from “no location” "
        "to “Hall B” after publishing."
    ]


def test_delete_anchor_after_publishing_is_refused(published):
    event, _, _ = published
    anchor = event.anchors.first()

    with pytest.raises(ValidationError) as error:
        services.delete_anchor(anchor=anchor, by=None)

    assert error.value.messages[0].endswith("Mark them a no-show on the check-in page and re-plan.")
    assert event.anchors.filter(pk=anchor.pk).exists()


def test_set_anchor_rounds_after_publishing_is_refused(published):
    event, _, _ = published
    anchor = event.anchors.first()

    with pytest.raises(ValidationError) as error:
        services.set_anchor_rounds(anchor=anchor, present_rounds=[1, 2], by=None)

    assert error.value.messages[0].startswith(
        f"The absent rounds of {anchor.clinician.full_name} at table {anchor.table.number} "
        "may not change"
    )
    anchor.refresh_from_db()
    assert anchor.absent_rounds == []


def test_add_co_anchor_after_publishing_is_allowed_and_audited(published):
    event, schedule, rows = published
    table = event.tables.get(number=2)

    services.add_anchor(
        table=table,
        clinician=make_specialist(specialty=table.specialty),
        present_rounds=[1, 2, 3, 4],
        by=None,
    )

    assert (table.anchors.count(), _rows(schedule)) == (2, rows)
    assert AuditEntry.objects.filter(action=services.ADDED_AFTER_PUBLISHING).count() == 1


def test_delete_group_after_publishing_is_refused(published):
    event, schedule, rows = published
    group = event.groups.first()

    with pytest.raises(ValidationError):
        services.delete_group(group=group, by=None)

    assert (_rows(schedule), TravelGroup.objects.filter(pk=group.pk).exists()) == (rows, True)


@pytest.mark.parametrize(("name", "track"), [("Renamed", "adult"), (None, "pediatric")])
def test_update_group_after_publishing_is_refused(published, name, track):
    event, _, _ = published
    group = event.groups.first()

    with pytest.raises(ValidationError):
        services.update_group(group=group, name=name or group.name, track=track, by=None)

    stored = TravelGroup.objects.get(pk=group.pk)
    assert (stored.name, stored.track) == (group.name if name is None else stored.name, "adult")
    assert stored.name != "Renamed"


def test_move_member_out_of_a_group_after_publishing_is_refused(published):
    event, _, _ = published
    first, second = list(event.groups.order_by("pk"))[:2]
    member = first.memberships.first()

    with pytest.raises(ValidationError):
        services.move_member(event=event, clinician=member.clinician, to_group=second, by=None)

    assert GroupMember.objects.get(pk=member.pk).group_id == first.pk


def test_latecomer_into_a_group_after_publishing_is_allowed_and_audited(published):
    event, schedule, rows = published
    group = event.groups.first()
    latecomer = make_clinician(department=group.department)
    services.add_attendees(event=event, clinicians=[latecomer], by=None)

    services.move_member(event=event, clinician=latecomer, to_group=group, by=None)

    assert (group.memberships.count(), _rows(schedule)) == (3, rows)
    assert AuditEntry.objects.filter(action=services.ADDED_AFTER_PUBLISHING).count() == 2


def test_remove_attendance_after_publishing_is_refused(published):
    event, _, _ = published
    attendance = event.attendances.first()

    with pytest.raises(ValidationError) as error:
        services.remove_attendance(attendance=attendance, by=None)

    assert error.value.messages[0].endswith("Mark them a no-show on the check-in page instead.")
    assert event.attendances.filter(pk=attendance.pk).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rounds", 2),
        ("date", datetime.date.today() + datetime.timedelta(days=40)),
        ("start_time", datetime.time(19, 0)),
        ("round_minutes", 15),
        ("transition_minutes", 5),
    ],
)
def test_update_event_timetable_after_publishing_is_refused(published, field, value):
    event, schedule, rows = published
    setattr(event, field, value)

    with pytest.raises(ValidationError) as error:
        services.update_event(event=event, by=None)

    assert error.value.messages[0].startswith(
        f"The {field.replace('_', ' ')} of North spring may not change: North spring has a "
        "published schedule"
    )
    assert getattr(Event.objects.get(pk=event.pk), field) != value


def test_update_event_name_after_publishing_is_allowed_and_audited(published):
    event, _, _ = published
    event.name = "North spring evening"

    services.update_event(event=event, by=None)

    assert list(
        AuditEntry.objects.filter(action=services.EVENT_CHANGED).values_list("message", flat=True)
    ) == ["Rounds changed the name of North spring after publishing (now North spring evening)."]


def test_form_groups_after_publishing_is_refused(published):
    event, schedule, rows = published

    with pytest.raises(ValidationError):
        services.form_groups(event=event, min_size=2, max_size=4, by=None)

    assert _rows(schedule) == rows


# Before publishing: unpublished versions give way


def test_delete_table_before_publishing_clears_unpublished_versions():
    event = make_ready_event(groups=2, tables=3, rounds=2)
    t1, t2, _ = event.tables.order_by("number")
    g1, g2 = event.groups.order_by("pk")
    only_t1 = make_schedule(event, [(1, g1, t1)])
    mixed = make_schedule(event, [(1, g1, t1), (1, g2, t2)])

    services.delete_table(table=t1, by=None)

    assert list(Schedule.objects.filter(event=event)) == [mixed]
    assert _rows(mixed) == [(1, g2.pk, t2.pk)]
    assert not Schedule.objects.filter(pk=only_t1.pk).exists()
    assert AuditEntry.objects.get(action=services.TABLE_DELETED).message == (
        f"Rounds deleted table 1 ({t1.specialty.name}) from {event.name} (deletes schedule "
        "version 1, which uses it and removes its visits from schedule version 2)."
    )


def test_delete_group_refused_when_an_earlier_published_version_uses_it():
    event = make_ready_event(groups=2, tables=3, rounds=2)
    g1, _ = event.groups.order_by("pk")
    t1 = event.tables.get(number=1)
    make_schedule(event, [(1, g1, t1)], published=True)
    event.status = Event.Status.DRAFT  # the status alone is not the only guard
    event.save()

    with pytest.raises(ValidationError) as error:
        services.delete_group(group=g1, by=None)

    assert error.value.messages[0].startswith(
        f"Group {g1.name} is in published schedule version 1 of {event.name}"
    )


# The database and the ORM


def test_orm_delete_of_a_table_or_group_with_visits_is_refused(published):
    event, schedule, rows = published

    with pytest.raises(RestrictedError):
        event.tables.get(number=1).delete()
    with pytest.raises(RestrictedError):
        event.groups.first().delete()

    assert _rows(schedule) == rows


def test_orm_delete_of_an_event_with_a_published_version_is_refused(published):
    event, schedule, rows = published

    with pytest.raises(ProtectedError), transaction.atomic():
        Event.objects.get(pk=event.pk).delete()

    assert _rows(schedule) == rows


def test_orm_delete_of_an_event_without_published_versions_works():
    event = make_ready_event(groups=2, tables=3, rounds=2)
    g1, _ = event.groups.order_by("pk")
    make_schedule(event, [(1, g1, event.tables.get(number=1))])

    event.delete()

    assert (Event.objects.count(), Visit.objects.count()) == (0, 0)


# Views


def test_table_delete_view_after_publishing_shows_the_refusal(client, published):
    event, schedule, rows = published
    client.force_login(make_organizer())
    table = event.tables.get(number=1)

    response = client.post(
        reverse("events:table_delete", kwargs={"event_pk": event.pk, "pk": table.pk}),
        follow=True,
    )

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert "may not be deleted" in str(list(response.context["messages"])[0])
    assert _rows(schedule) == rows


def test_event_update_view_after_publishing_keeps_the_times_locked(client, published):
    event, _, _ = published
    client.force_login(make_organizer())
    data = {
        "name": "North spring, renamed",
        "date": event.date.isoformat(),
        "venue": event.venue,
        "region": event.region_id,
        "start_time": "18:00",
        "rounds": 2,
        "round_minutes": event.round_minutes,
        "transition_minutes": event.transition_minutes,
    }

    page = client.get(reverse("events:update", kwargs={"pk": event.pk}))
    response = client.post(reverse("events:update", kwargs={"pk": event.pk}), data)

    locked = {name for name, field in page.context["form"].fields.items() if field.disabled}
    assert locked == {"date", "start_time", "rounds", "round_minutes", "transition_minutes"}
    assert "Locked: the schedule is published." in page.content.decode()
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.name, event.rounds) == ("North spring, renamed", 4)


def test_anchor_delete_view_after_publishing_shows_the_refusal(client, published):
    event, _, _ = published
    client.force_login(make_organizer())
    anchor = event.anchors.first()

    response = client.post(
        reverse("events:anchor_delete", kwargs={"event_pk": event.pk, "pk": anchor.pk}),
        follow=True,
    )

    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert event.anchors.filter(pk=anchor.pk).exists()


# The admin


@pytest.mark.parametrize("model", ["table", "travelgroup"])
def test_admin_delete_of_a_table_or_group_with_published_visits_is_refused(
    admin_client, published, model
):
    event, schedule, rows = published
    obj = event.tables.get(number=1) if model == "table" else event.groups.first()
    url = reverse(f"admin:events_{model}_delete", args=[obj.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 200
    assert "may not be deleted" in response.content.decode()
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert _rows(schedule) == rows
    assert len(_refusals()) == 1


def test_admin_delete_of_a_published_event_is_refused(admin_client, published):
    event, schedule, rows = published

    response = admin_client.post(
        reverse("admin:events_event_delete", args=[event.pk]), {"post": "yes"}
    )

    assert response.status_code == 200
    assert "North spring may not be deleted" in response.content.decode()
    assert _rows(schedule) == rows


def test_admin_edit_of_the_rounds_after_publishing_is_refused(admin_client, published):
    event, _, _ = published
    response = admin_client.get(reverse("admin:events_event_change", args=[event.pk]))
    form = response.context["adminform"].form
    data = {
        name: form.initial.get(name) or ""
        for name in form.fields
        if form.initial.get(name) is not None
    }
    data.update(
        {
            "date": event.date.isoformat(),
            "start_time": "18:00",
            "rounds": 2,
            "region": event.region_id,
            "tables-TOTAL_FORMS": 0,
            "tables-INITIAL_FORMS": 0,
            "anchors-TOTAL_FORMS": 0,
            "anchors-INITIAL_FORMS": 0,
        }
    )

    response = admin_client.post(reverse("admin:events_event_change", args=[event.pk]), data)

    assert response.status_code == 200
    assert "may not change" in response.content.decode()
    assert Event.objects.get(pk=event.pk).rounds == 4


def test_admin_cannot_delete_a_published_version(admin_client, published):
    _, schedule, rows = published

    response = admin_client.post(
        reverse("admin:rotations_schedule_delete", args=[schedule.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert _rows(schedule) == rows


def test_retire_anchor_of_a_published_event_is_refused(published):
    from clinicians.services import retire_clinician

    event, _, _ = published
    anchor = event.anchors.select_related("clinician", "table__specialty").first()

    with pytest.raises(ValidationError) as error:
        retire_clinician(clinician=anchor.clinician, by=None)

    assert error.value.messages == [
        f"{anchor.clinician.full_name} anchors table {anchor.table.number} "
        f"({anchor.table.specialty.name}) at North spring on {event.date:%-d %B %Y} (published)."
    ]
    anchor.clinician.refresh_from_db()
    assert anchor.clinician.is_active


def test_make_attendance_keeps_published_visits(published):
    event, schedule, rows = published

    make_attendance(event=event, clinician=make_clinician())
    make_group(event=event, name="Walk-ins")

    assert _rows(schedule) == rows


# Randomized: whatever organizers and admins do after publishing, every version that was
# published keeps its visits.


class PublishedPromise(RuleBasedStateMachine):
    """After publishing a small event, random organizer and admin actions; after every step
    the visits of every version ever published equal the snapshot taken when it was
    published. Each example runs in a savepoint that is rolled back."""

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.event = make_ready_event(groups=3, tables=4, rounds=4)
        self.snapshots = {}
        self._snapshot(publish_round_robin(self.event))

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _snapshot(self, schedule):
        self.snapshots[schedule.pk] = _rows(schedule)

    def _event(self):
        return Event.objects.get(pk=self.event.pk)

    def _pick(self, queryset, index):
        objects = list(queryset.order_by("pk"))
        return objects[index % len(objects)] if objects else None

    def _try(self, action):
        """Run ``action``; refusals are expected, anything else is a failure."""
        try:
            with transaction.atomic():
                action()
        except (ValidationError, ProtectedError, RestrictedError):
            pass

    @rule(index=st.integers(0, 9))
    def delete_table(self, index):
        table = self._pick(Table.objects.filter(event=self.event), index)
        if table is not None:
            self._try(lambda: services.delete_table(table=table, by=None))

    @rule(index=st.integers(0, 9), capacity=st.booleans())
    def edit_table(self, index, capacity):
        table = self._pick(Table.objects.filter(event=self.event), index)
        if table is not None:
            if capacity:
                table.capacity += 1
            else:
                table.location = f"Hall {index}"
            self._try(lambda: services.update_table(table=table, by=None))

    @rule(rounds=st.integers(1, 6), hour=st.integers(8, 20))
    def change_timetable(self, rounds, hour):
        event = self._event()
        event.rounds, event.start_time = rounds, datetime.time(hour, 0)
        self._try(lambda: services.update_event(event=event, by=None))

    @rule(index=st.integers(0, 9), through_orm=st.booleans())
    def delete_group(self, index, through_orm):
        group = self._pick(TravelGroup.objects.filter(event=self.event), index)
        if group is None:
            return
        if through_orm:
            self._try(group.delete)
        else:
            self._try(lambda: services.delete_group(group=group, by=None))

    @rule(index=st.integers(0, 9), to=st.integers(0, 9))
    def move_member(self, index, to):
        member = self._pick(GroupMember.objects.filter(event=self.event), index)
        group = self._pick(TravelGroup.objects.filter(event=self.event), to)
        if member is not None and group is not None:
            self._try(
                lambda: services.move_member(
                    event=self.event, clinician=member.clinician, to_group=group, by=None
                )
            )

    @rule(index=st.integers(0, 9))
    def remove_anchor(self, index):
        anchor = self._pick(self.event.anchors.all(), index)
        if anchor is not None:
            self._try(lambda: services.delete_anchor(anchor=anchor, by=None))

    @rule(index=st.integers(0, 9))
    def retire_clinician(self, index):
        from clinicians.services import retire_clinician

        anchor = self._pick(self.event.anchors.select_related("clinician"), index)
        if anchor is not None:
            self._try(lambda: retire_clinician(clinician=anchor.clinician, by=None))

    @rule()
    def add_attendee(self):
        services.add_attendees(event=self.event, clinicians=[make_clinician()], by=None)

    @rule(index=st.integers(0, 9), round_=st.integers(1, 4), table=st.integers(0, 9))
    def hand_edit(self, index, round_, table):
        from rotations.editing import move_visit

        schedule = Schedule.objects.filter(event=self.event).order_by("-version").first()
        group = self._pick(TravelGroup.objects.filter(event=self.event), index)
        target = self._pick(Table.objects.filter(event=self.event), table)
        if group is not None:
            self._try(
                lambda: move_visit(
                    schedule=schedule, group=group, round=round_, table=target, by=None
                )
            )

    @rule()
    def publish_latest(self):
        from rotations.services.publishing import publish_schedule

        latest = Schedule.objects.filter(event=self.event).order_by("-version").first()
        if not latest.is_published:
            self._snapshot(publish_schedule(schedule=latest, by=None))

    @rule(orm=st.booleans())
    def delete_event_or_published_version(self, orm):
        published = Schedule.objects.filter(event=self.event, is_published=True).first()
        self._try(self._event().delete if orm else published.delete)

    @invariant()
    def published_versions_never_change(self):
        now = {pk: _rows(Schedule(pk=pk)) for pk in self.snapshots}
        exists = set(Schedule.objects.filter(pk__in=self.snapshots).values_list("pk", flat=True))
        assert (now, exists) == (self.snapshots, set(self.snapshots))


def test_published_versions_never_change_whatever_happens_after():
    run_state_machine_as_test(
        PublishedPromise,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_admin_edit_of_a_table_capacity_after_publishing_is_refused(admin_client, published):
    event, _, _ = published
    table = event.tables.get(number=1)
    anchor = table.anchors.get()
    data = {
        "event": event.pk,
        "number": 1,
        "specialty": table.specialty_id,
        "capacity": 2,
        "location": "",
        "anchors-TOTAL_FORMS": 1,
        "anchors-INITIAL_FORMS": 1,
        "anchors-0-id": anchor.pk,
        "anchors-0-table": table.pk,
        "anchors-0-clinician": anchor.clinician_id,
        "anchors-0-absent_rounds": "[]",
        "initial-anchors-0-absent_rounds": "[]",  # as the browser sends it (callable default)
    }

    response = admin_client.post(reverse("admin:events_table_change", args=[table.pk]), data)

    assert response.status_code == 200
    assert "The capacity of table 1" in response.content.decode()
    assert Table.objects.get(pk=table.pk).capacity == 1


def test_admin_inline_delete_of_an_anchor_after_publishing_is_refused(admin_client, published):
    event, _, _ = published
    table = event.tables.get(number=1)
    anchor = table.anchors.get()
    data = {
        "event": event.pk,
        "number": 1,
        "specialty": table.specialty_id,
        "capacity": 1,
        "location": "",
        "anchors-TOTAL_FORMS": 1,
        "anchors-INITIAL_FORMS": 1,
        "anchors-0-id": anchor.pk,
        "anchors-0-table": table.pk,
        "anchors-0-clinician": anchor.clinician_id,
        "anchors-0-absent_rounds": "[]",
        "initial-anchors-0-absent_rounds": "[]",  # as the browser sends it (callable default)
        "anchors-0-DELETE": "on",
    }

    response = admin_client.post(reverse("admin:events_table_change", args=[table.pk]), data)

    assert response.status_code == 200
    assert "may not be deleted" in response.content.decode()
    assert table.anchors.filter(pk=anchor.pk).exists()


def test_admin_delete_of_an_event_without_published_versions_works(admin_client):
    event = make_ready_event(groups=2, tables=3, rounds=2)
    g1, _ = event.groups.order_by("pk")
    make_schedule(event, [(1, g1, event.tables.get(number=1))])

    response = admin_client.post(
        reverse("admin:events_event_delete", args=[event.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert (Event.objects.count(), Visit.objects.count()) == (0, 0)
