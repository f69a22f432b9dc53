import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinicians.models import Track
from events.models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup
from rotations.forms import ReplanForm
from tests.accounts.helpers import make_admin
from tests.accounts.helpers import make_organizer as make_role_organizer
from tests.events.scenario import make_ready_event
from tests.factories import (
    make_anchor,
    make_attendance,
    make_clinician,
    make_department,
    make_event,
    make_group,
    make_region,
    make_specialist,
    make_specialty,
    make_table,
)

pytestmark = pytest.mark.django_db


# Permissions of every view: (url name, method, kwargs builder)


def _targets(event):
    table = event.tables.first()
    anchor = event.anchors.first()
    group = event.groups.first()
    attendance = event.attendances.first()
    e = {"event_pk": event.pk}
    return [
        ("events:detail", "get", {"pk": event.pk}),
        ("events:update", "get", {"pk": event.pk}),
        ("events:attendance_list", "get", e),
        ("events:attendance_create", "get", e),
        ("events:attendance_status", "post", {**e, "pk": attendance.pk}),
        ("events:attendance_delete", "post", {**e, "pk": attendance.pk}),
        ("events:checkin", "get", e),
        ("events:finish", "post", e),
        ("events:table_list", "get", e),
        ("events:table_create", "get", e),
        ("events:table_update", "get", {**e, "pk": table.pk}),
        ("events:table_delete", "post", {**e, "pk": table.pk}),
        ("events:anchor_create", "get", {**e, "table_pk": table.pk}),
        ("events:anchor_update", "get", {**e, "pk": anchor.pk}),
        ("events:anchor_delete", "post", {**e, "pk": anchor.pk}),
        ("events:group_list", "get", e),
        ("events:group_form", "post", e),
        ("events:group_create", "get", e),
        ("events:group_update", "get", {**e, "pk": group.pk}),
        ("events:group_delete", "post", {**e, "pk": group.pk}),
        ("events:member_move", "post", e),
        ("events:copy", "get", e),
        ("events:archive", "post", e),
        ("events:restore", "post", e),
        ("events:delete", "get", e),
        ("events:table_bulk_create", "post", e),
        ("events:table_seat", "post", {**e, "pk": table.pk}),
        ("events:anchor_presence", "get", e),
    ]


def test_every_view_sends_a_logged_out_visitor_to_login(client):
    event = make_ready_event()
    targets = [("events:list", "get", {}), ("events:create", "get", {}), *_targets(event)]

    responses = {
        name: getattr(client, method)(reverse(name, kwargs=kwargs))
        for name, method, kwargs in targets
    }

    assert {n: (r.status_code, r.url.split("?")[0]) for n, r in responses.items()} == {
        n: (302, "/login/") for n, _m, _k in targets
    }


def test_every_view_refuses_a_user_without_permission(no_perm_client):
    event = make_ready_event()
    targets = [("events:list", "get", {}), ("events:create", "get", {}), *_targets(event)]

    codes = {
        name: getattr(no_perm_client, method)(reverse(name, kwargs=kwargs)).status_code
        for name, method, kwargs in targets
    }

    assert codes == {name: 403 for name, _m, _k in targets}


def test_every_view_gives_404_for_another_events_object(organizer_client):
    event = make_ready_event()
    other = make_event()
    targets = [t for t in _targets(event) if "event_pk" in t[2] and len(t[2]) > 1]

    codes = {
        name: getattr(organizer_client, method)(
            reverse(name, kwargs={**kwargs, "event_pk": other.pk})
        ).status_code
        for name, method, kwargs in targets
    }

    assert codes == {name: 404 for name, _m, _k in targets}


def test_unknown_event_is_404(organizer_client):
    response = organizer_client.get(reverse("events:detail", kwargs={"pk": 999999}))

    assert response.status_code == 404


# Events


def test_event_list_splits_upcoming_and_past_with_counts(organizer_client):
    upcoming = make_ready_event(name="Spring")
    past = make_event(name="Autumn", date=datetime.date.today() - datetime.timedelta(days=40))

    response = organizer_client.get(reverse("events:list"))

    assert [e.name for e in response.context["upcoming"]] == ["Spring"]
    assert [e.name for e in response.context["past"]] == ["Autumn"]
    row = response.context["upcoming"][0]
    assert (row.n_tables, row.n_attendees, row.n_groups) == (3, 7, 2)
    assert past.pk != upcoming.pk


def _count_list_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_event_list_queries_do_not_grow_with_events(organizer_client):
    make_ready_event()
    small = _count_list_queries(organizer_client, reverse("events:list"))
    for _ in range(4):
        make_ready_event()

    large = _count_list_queries(organizer_client, reverse("events:list"))

    assert large == small


def test_create_event_sets_creator_and_shows_steps(organizer_client, organizer_with_perms):
    date = datetime.date.today() + datetime.timedelta(days=10)

    response = organizer_client.post(
        reverse("events:create"),
        {
            "name": "South Shore rounds",
            "date": date.isoformat(),
            "venue": "Hall B",
            "start_time": "17:30",
            "rounds": "6",
            "round_minutes": "10",
            "transition_minutes": "2",
        },
    )

    event = Event.objects.get(name="South Shore rounds")
    assert response.url == reverse("events:detail", kwargs={"pk": event.pk})
    assert (event.created_by, event.rounds, event.start_time) == (
        organizer_with_perms,
        6,
        datetime.time(17, 30),
    )
    page = organizer_client.get(response.url)
    assert [(s.key, s.state) for s in page.context["steps"]] == [
        ("details", "done"),
        ("attendance", "todo"),
        ("tables", "todo"),
        ("groups", "todo"),
        ("schedule", "waiting"),
        ("publish", "waiting"),
        ("day", "waiting"),
    ]
    assert page.context["timetable"][1].start == datetime.time(17, 42)


def test_create_event_refuses_a_date_in_the_past(organizer_client):
    past = datetime.date.today() - datetime.timedelta(days=1)

    response = organizer_client.post(
        reverse("events:create"),
        {
            "name": "Too late",
            "date": past.isoformat(),
            "venue": "Hall",
            "start_time": "18:00",
            "rounds": "4",
            "round_minutes": "10",
            "transition_minutes": "2",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [
        f"{past:%-d %B %Y} is in the past: choose today or a later date."
    ]
    assert not Event.objects.filter(name="Too late").exists()


def _event_data(**fields):
    return {
        "name": "Regional rounds",
        "date": (datetime.date.today() + datetime.timedelta(days=10)).isoformat(),
        "venue": "Hall",
        "start_time": "18:00",
        "rounds": "4",
        "round_minutes": "10",
        "transition_minutes": "2",
        **fields,
    }


def test_create_event_region_limited_organizer_sees_only_their_regions(client):
    north, south, _west = make_region(name="North"), make_region(name="South"), make_region()
    client.force_login(make_role_organizer(north, south))

    field = client.get(reverse("events:create")).context["form"].fields["region"]

    assert (list(field.queryset), field.required) == ([north, south], True)


def test_create_event_region_limited_organizer_cannot_use_another_region(client):
    north, west = make_region(name="North"), make_region(name="West")
    client.force_login(make_role_organizer(north))

    other = client.post(reverse("events:create"), _event_data(region=str(west.pk)))
    empty = client.post(reverse("events:create"), _event_data(region=""))

    assert other.context["form"].errors["region"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert empty.context["form"].errors["region"] == ["This field is required."]
    assert not Event.objects.exists()


def test_create_event_region_limited_organizer_places_it_in_their_region(client):
    north = make_region(name="North")
    client.force_login(make_role_organizer(north))

    client.post(reverse("events:create"), _event_data(region=str(north.pk)))

    assert Event.objects.get().region == north


@pytest.mark.parametrize("make_account", [make_role_organizer, make_admin])
def test_create_event_unrestricted_user_sees_every_region_and_may_leave_it_empty(
    client, make_account
):
    regions = [make_region(name="North"), make_region(name="South")]
    client.force_login(make_account())

    field = client.get(reverse("events:create")).context["form"].fields["region"]
    response = client.post(reverse("events:create"), _event_data(region=""))

    assert (list(field.queryset), field.required) == (regions, False)
    assert (response.status_code, Event.objects.get().region) == (302, None)


def test_update_event_region_limited_organizer_cannot_move_it_to_another_region(client):
    north, west = make_region(name="North"), make_region(name="West")
    event = make_event(region=north)
    client.force_login(make_role_organizer(north))

    response = client.post(
        reverse("events:update", kwargs={"pk": event.pk}),
        _event_data(region=str(west.pk), date=event.date.isoformat()),
    )

    event.refresh_from_db()
    assert response.context["form"].errors["region"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert event.region == north


def test_update_keeps_an_unchanged_past_date(organizer_client):
    past = datetime.date.today() - datetime.timedelta(days=5)
    event = make_event(date=past)

    response = organizer_client.post(
        reverse("events:update", kwargs={"pk": event.pk}),
        {
            "name": "Renamed",
            "date": past.isoformat(),
            "venue": "Hall",
            "start_time": "18:00",
            "rounds": "4",
            "round_minutes": "10",
            "transition_minutes": "2",
        },
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.name == "Renamed"


def test_event_page_says_what_the_schedule_step_needs(organizer_client):
    event = make_event()

    response = organizer_client.get(reverse("events:detail", kwargs={"pk": event.pk}))

    step = {s.key: s for s in response.context["steps"]}["schedule"]
    assert step.summary == "Needs tables and travelling groups before it can be solved."


# Attendance


def test_attendance_catalogue_filters_and_adds_selected(organizer_client):
    event = make_event()
    cardiology = make_specialty(name="Cardiology")
    wanted = make_specialist(specialty=cardiology, last_name="Heart")
    make_specialist(last_name="Other")
    url = reverse("events:attendance_create", kwargs={"event_pk": event.pk})

    page = organizer_client.get(url, {"specialty": cardiology.pk})
    response = organizer_client.post(
        f"{url}?specialty={cardiology.pk}", {"clinicians": [wanted.pk], "add_selected": ""}
    )

    assert [c.last_name for c in page.context["clinicians"]] == ["Heart"]
    assert response.status_code == 302
    assert list(event.attendances.values_list("clinician__last_name", flat=True)) == ["Heart"]


def test_attendance_add_all_filtered(organizer_client):
    event = make_event()
    department = make_department(track=Track.PEDIATRIC)
    kids = [make_clinician(department=department) for _ in range(3)]
    make_clinician()  # adult, filtered out
    url = reverse("events:attendance_create", kwargs={"event_pk": event.pk})

    organizer_client.post(f"{url}?track=pediatric", {"add_all": ""})

    assert set(event.attendances.values_list("clinician", flat=True)) == {k.pk for k in kids}


def test_attendance_catalogue_offers_the_last_import_and_adds_all_of_it(organizer_client):
    event = make_event()
    imported = [make_clinician(last_name=f"New{n}") for n in range(3)]
    make_clinician(last_name="Old")
    session = organizer_client.session
    session["roster_last_import"] = [c.pk for c in imported]
    session.save()
    url = reverse("events:attendance_create", kwargs={"event_pk": event.pk})

    page = organizer_client.get(url, {"imported": "1"})
    organizer_client.post(f"{url}?imported=1", {"add_all": ""})

    assert [c.last_name for c in page.context["clinicians"]] == ["New0", "New1", "New2"]
    assert set(event.attendances.values_list("clinician", flat=True)) == {c.pk for c in imported}


def test_attendance_pages_link_the_import_back_to_the_event(organizer_client):
    event = make_event()

    page = organizer_client.get(reverse("events:attendance_list", kwargs={"event_pk": event.pk}))

    assert (
        f'href="/clinicians/import/?next=%2Fevents%2F{event.pk}%2Fattendance%2Fadd%2F%3Fimported%3D1'
        f'&amp;then=%2Fevents%2F{event.pk}%2Fattendance%2Fimport%2F"' in page.content.decode()
    )


def test_attendance_list_counts_per_track_and_role(organizer_client):
    event = make_event()
    make_attendance(event=event, clinician=make_clinician())
    make_attendance(
        event=event, clinician=make_clinician(department=make_department(track=Track.PEDIATRIC))
    )
    make_attendance(event=event, clinician=make_specialist())
    make_attendance(event=event, clinician=make_clinician(), status=Attendance.Status.NO_SHOW)

    response = organizer_client.get(
        reverse("events:attendance_list", kwargs={"event_pk": event.pk})
    )

    counts = response.context["counts"]
    assert [(v, n) for v, _l, n in counts["tracks"]] == [
        ("adult", 2),
        ("pediatric", 1),
        ("all-ages", 0),
    ]
    assert [(v, n) for v, _l, n in counts["roles"]] == [
        ("primary-care", 2),
        ("specialist", 1),
        ("leader", 0),
    ]


def test_attendance_list_queries_do_not_grow(organizer_client):
    event = make_ready_event(groups=1, tables=1)
    url = reverse("events:attendance_list", kwargs={"event_pk": event.pk})
    small = _count_list_queries(organizer_client, url)
    for _ in range(10):
        make_attendance(event=event, clinician=make_clinician(sites=[]))
        make_attendance(event=event, clinician=make_specialist())

    large = _count_list_queries(organizer_client, url)

    assert large == small


def test_attendance_status_change_and_remove(organizer_client):
    event = make_ready_event(groups=1, tables=1)
    member = GroupMember.objects.filter(event=event).first()
    attendance = event.attendances.get(clinician=member.clinician)

    organizer_client.post(
        reverse("events:attendance_status", kwargs={"event_pk": event.pk, "pk": attendance.pk}),
        {"status": "checked-in", "next": "/evil.example.org"},
    )
    attendance.refresh_from_db()
    status = attendance.status
    response = organizer_client.post(
        reverse("events:attendance_delete", kwargs={"event_pk": event.pk, "pk": attendance.pk})
    )

    assert status == "checked-in"
    assert response.url == reverse("events:attendance_list", kwargs={"event_pk": event.pk})
    assert not GroupMember.objects.filter(pk=member.pk).exists()


def test_checkin_marks_arrival_and_returns_to_the_checkin_page(organizer_client):
    event = make_ready_event(groups=1, tables=1)
    attendance = event.attendances.first()
    checkin = reverse("events:checkin", kwargs={"event_pk": event.pk})

    response = organizer_client.post(
        reverse("events:attendance_status", kwargs={"event_pk": event.pk, "pk": attendance.pk}),
        {"status": "no-show", "next": checkin},
    )

    attendance.refresh_from_db()
    assert (response.url, attendance.status) == (checkin, "no-show")


def test_checkin_offers_the_replan_once_a_schedule_is_published(organizer_client):
    event = make_ready_event(groups=1, tables=1)
    checkin = reverse("events:checkin", kwargs={"event_pk": event.pk})

    before = organizer_client.get(checkin).content.decode()
    event.schedules.create(version=1, is_published=True)
    event.status = Event.Status.PUBLISHED  # as publishing sets it
    event.save()
    after = organizer_client.get(checkin)

    replan = reverse("rotations:replan", kwargs={"event_pk": event.pk})
    assert ("Someone missing?" in before, replan in before) == (True, False)
    assert "Once a schedule is published" in before
    assert ("Someone missing?" in after.content.decode(), replan in after.content.decode()) == (
        True,
        True,
    )
    # The event is weeks away, so the next round by the clock is the first.
    assert after.context["replan_form"]["from_round"].value() == 1


def test_replan_form_defaults_to_the_next_round_by_the_clock():
    event = make_event(date=datetime.date(2030, 5, 2), start_time=datetime.time(18, 0), rounds=6)

    during_round_2 = ReplanForm(event=event, now=datetime.datetime(2030, 5, 2, 18, 15))
    afterwards = ReplanForm(event=event, now=datetime.datetime(2030, 5, 2, 23, 0))

    assert (during_round_2["from_round"].value(), during_round_2.next_round) == (3, 3)
    assert (afterwards["from_round"].value(), afterwards.next_round) == (6, None)
    assert during_round_2.fields["from_round"].choices[:2] == [
        (1, "Round 1 (18:00)"),
        (2, "Round 2 (18:12)"),
    ]


# Tables and anchors


def test_table_create_suggests_the_next_number(organizer_client):
    event = make_ready_event(tables=2)

    response = organizer_client.get(reverse("events:table_create", kwargs={"event_pk": event.pk}))

    assert response.context["form"].initial["number"] == 3


def test_table_create_refuses_a_taken_number(organizer_client):
    event = make_ready_event(tables=1)

    response = organizer_client.post(
        reverse("events:table_create", kwargs={"event_pk": event.pk}),
        {"number": "1", "specialty": make_specialty().pk, "capacity": "1", "location": ""},
    )

    assert response.context["form"].errors["number"] == ["Table 1 already exists at this event."]


def test_table_create_and_delete(organizer_client):
    event = make_event()
    specialty = make_specialty(name="Neonatology", track=Track.PEDIATRIC)

    organizer_client.post(
        reverse("events:table_create", kwargs={"event_pk": event.pk}),
        {"number": "4", "specialty": specialty.pk, "capacity": "2", "location": "Hall B, 4"},
    )
    table = Table.objects.get(event=event)
    organizer_client.post(
        reverse("events:table_delete", kwargs={"event_pk": event.pk, "pk": table.pk})
    )

    assert (table.number, table.capacity, table.track, table.location) == (
        4,
        2,
        "pediatric",
        "Hall B, 4",
    )
    assert not Table.objects.filter(event=event).exists()


def test_anchor_form_offers_only_free_specialists_of_the_table_specialty(organizer_client):
    event = make_event()
    cardiology = make_specialty(name="Cardiology")
    table = make_table(event=event, specialty=cardiology)
    attending = make_specialist(specialty=cardiology, last_name="Zed")
    make_attendance(event=event, clinician=attending)
    other = make_specialist(specialty=cardiology, last_name="Abe")
    make_specialist(last_name="Wrong specialty")
    seated = make_anchor(table=make_table(event=event, specialty=cardiology)).clinician

    response = organizer_client.get(
        reverse("events:anchor_create", kwargs={"event_pk": event.pk, "table_pk": table.pk})
    )

    choices = [value for value, _label in response.context["form"].fields["clinician"].choices]
    assert choices == ["", attending.pk, other.pk]
    assert seated.pk not in choices


def test_anchor_create_adds_attendance_and_absent_rounds(organizer_client):
    event = make_event(rounds=4)
    table = make_table(event=event)
    specialist = make_specialist(specialty=table.specialty)

    organizer_client.post(
        reverse("events:anchor_create", kwargs={"event_pk": event.pk, "table_pk": table.pk}),
        {"clinician": specialist.pk, "present_rounds": ["2", "3", "4"]},
    )

    anchor = Anchor.objects.get(table=table)
    assert (anchor.clinician, anchor.absent_rounds) == (specialist, [1])
    assert event.attendances.get(clinician=specialist).status == "confirmed"


def test_anchor_update_sets_rounds(organizer_client):
    event = make_ready_event(tables=1, rounds=4)
    anchor = event.anchors.get()

    organizer_client.post(
        reverse("events:anchor_update", kwargs={"event_pk": event.pk, "pk": anchor.pk}),
        {"present_rounds": ["1", "2"]},
    )

    anchor.refresh_from_db()
    assert anchor.absent_rounds == [3, 4]


# Groups


def test_form_groups_view_without_groups_forms_them_at_once(organizer_client):
    event = make_ready_event(groups=2)
    event.groups.all().delete()

    response = organizer_client.post(
        reverse("events:group_form", kwargs={"event_pk": event.pk}),
        {"min_size": "2", "max_size": "4"},
    )

    assert response.status_code == 302
    assert sorted(g.memberships.count() for g in event.groups.all()) == [2, 2]
    event.refresh_from_db()
    assert (event.group_min_size, event.group_max_size) == (2, 4)


def _unpublished_version(event, version):
    schedule = event.schedules.create(version=version)
    schedule.visits.create(round=1, group=event.groups.first(), table=event.tables.first())
    return schedule


def test_form_groups_view_asks_first_naming_what_is_lost_then_replaces(organizer_client):
    event = make_ready_event(groups=2)
    old_groups = set(event.groups.values_list("pk", flat=True))
    _unpublished_version(event, 1)
    _unpublished_version(event, 2)
    url = reverse("events:group_form", kwargs={"event_pk": event.pk})

    asked = organizer_client.post(url, {"min_size": "2", "max_size": "4"})
    unchanged = (set(event.groups.values_list("pk", flat=True)), event.schedules.count())
    confirmed = organizer_client.post(
        url, {"min_size": "2", "max_size": "4", "confirm": asked.context["confirm_token"]}
    )

    assert (asked.status_code, unchanged) == (200, (old_groups, 2))
    assert (
        "This replaces the 2 groups you have and deletes schedule versions 1 and 2, which use "
        "them." in asked.content.decode()
    )
    assert confirmed.url == reverse("events:group_list", kwargs={"event_pk": event.pk})
    assert set(event.groups.values_list("pk", flat=True)) & old_groups == set()
    assert (event.groups.count(), event.schedules.count()) == (2, 0)


def test_form_groups_view_asks_again_when_a_version_was_written_in_between(organizer_client):
    event = make_ready_event(groups=2)
    url = reverse("events:group_form", kwargs={"event_pk": event.pk})
    asked = organizer_client.post(url, {"min_size": "2", "max_size": "4"})
    _unpublished_version(event, 1)

    again = organizer_client.post(
        url, {"min_size": "2", "max_size": "4", "confirm": asked.context["confirm_token"]}
    )

    assert again.status_code == 200
    assert "deletes schedule version 1, which uses them." in again.content.decode()
    assert event.schedules.count() == 1


def test_form_groups_view_refuses_once_published_without_asking(organizer_client):
    event = make_ready_event(groups=2, name="North spring", status=Event.Status.PUBLISHED)
    old_groups = set(event.groups.values_list("pk", flat=True))
    event.schedules.create(version=1, is_published=True)

    response = organizer_client.post(
        reverse("events:group_form", kwargs={"event_pk": event.pk}),
        {"min_size": "2", "max_size": "4", "confirm": "2:"},
        follow=True,
    )

    assert response.redirect_chain == [
        (reverse("events:group_list", kwargs={"event_pk": event.pk}), 302)
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "The groups may not be formed again: North spring has a published schedule and "
        "clinicians hold itineraries from it. Put latecomers into a group by hand, or mark "
        "people a no-show on the check-in page and re-plan."
    ]
    assert set(event.groups.values_list("pk", flat=True)) == old_groups


def test_form_groups_view_refuses_min_above_max(organizer_client):
    event = make_ready_event(groups=1)

    response = organizer_client.post(
        reverse("events:group_form", kwargs={"event_pk": event.pk}),
        {"min_size": "6", "max_size": "4"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "The smallest group cannot be larger than the largest."
    ]


def test_group_list_warns_about_small_groups_and_no_eligible_table(organizer_client):
    event = make_ready_event(groups=1)  # adult tables only
    kids = make_group(event=event, name="Peds", track=Track.PEDIATRIC, members=[make_clinician()])

    response = organizer_client.get(reverse("events:group_list", kwargs={"event_pk": event.pk}))

    reports = {r.group.name: r.warnings for r in response.context["reports"]}
    assert reports[kids.name] == [
        "No table serves pediatric patients: this group would visit no table.",
        "1 member, below the minimum of 4.",
    ]


def test_group_list_after_forming_shows_the_warnings_it_mentions(organizer_client):
    event = make_ready_event(groups=0, tables=8, rounds=10)
    make_table(event=event, number=9, specialty=make_specialty(track=Track.ALL_AGES))
    pediatrics = make_department(name="Pediatrics", track=Track.PEDIATRIC)
    for _ in range(3):
        make_attendance(event=event, clinician=make_clinician(department=pediatrics))

    response = organizer_client.post(
        reverse("events:group_form", kwargs={"event_pk": event.pk}),
        {"min_size": "2", "max_size": "4"},
        follow=True,
    )

    group = event.groups.get()
    warning = (
        "Only 1 of 9 tables serves pediatric patients: this group sits out at least 9 of 10 "
        "rounds. Add a pediatric or all-ages table, or make the group all ages."
    )
    assert [str(m) for m in response.context["messages"]] == [
        "1 group formed. Adjust by hand if needed."
    ]
    assert [(r.group, r.warnings) for r in response.context["warned"]] == [(group, [warning])]
    assert f'<a href="#group-{group.pk}">{group.name}</a>: {warning}' in response.content.decode()


def test_group_list_queries_do_not_grow(organizer_client):
    event = make_ready_event(groups=1)
    url = reverse("events:group_list", kwargs={"event_pk": event.pk})
    small = _count_list_queries(organizer_client, url)
    department = make_department()
    for index in range(6):
        members = [make_clinician(department=department) for _ in range(3)]
        for member in members:
            make_attendance(event=event, clinician=member)
        make_group(event=event, name=f"Extra {index}", department=department, members=members)
    make_attendance(event=event, clinician=make_clinician())  # ungrouped

    large = _count_list_queries(organizer_client, url)

    assert large == small


def test_group_update_shows_the_consequence_of_a_track_change(organizer_client):
    event = make_event()
    make_table(event=event, specialty=make_specialty(track=Track.ADULT))
    make_table(event=event, specialty=make_specialty(track=Track.ADULT))
    make_table(event=event, specialty=make_specialty(track=Track.PEDIATRIC))
    group = make_group(event=event, name="Pediatrics, Quincy", track=Track.PEDIATRIC)

    response = organizer_client.post(
        reverse("events:group_update", kwargs={"event_pk": event.pk, "pk": group.pk}),
        {"name": "Pediatrics, Quincy", "track": "all-ages"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Pediatrics, Quincy is saved.",
        "Pediatrics, Quincy is now all ages: it may visit 3 tables instead of 1.",
    ]


def test_member_move_puts_an_ungrouped_attendee_in_a_group(organizer_client):
    event = make_ready_event(groups=1)
    group = event.groups.get()
    newcomer = make_clinician()
    make_attendance(event=event, clinician=newcomer)

    organizer_client.post(
        reverse("events:member_move", kwargs={"event_pk": event.pk}),
        {"clinician": newcomer.pk, "group": group.pk},
    )

    assert GroupMember.objects.get(event=event, clinician=newcomer).group == group


def test_member_move_refuses_someone_not_attending(organizer_client):
    event = make_ready_event(groups=1)
    stranger = make_clinician()

    response = organizer_client.post(
        reverse("events:member_move", kwargs={"event_pk": event.pk}),
        {"clinician": stranger.pk, "group": event.groups.get().pk},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"{stranger.full_name} does not attend this event."
    ]


def test_group_create_and_delete_empty_group(organizer_client):
    event = make_event()

    organizer_client.post(
        reverse("events:group_create", kwargs={"event_pk": event.pk}),
        {"name": "Late arrivals", "track": "adult"},
    )
    group = TravelGroup.objects.get(event=event)
    organizer_client.post(
        reverse("events:group_delete", kwargs={"event_pk": event.pk, "pk": group.pk})
    )

    assert group.name == "Late arrivals"
    assert not TravelGroup.objects.filter(event=event).exists()


def test_finish_marks_a_published_event_finished(organizer_client):
    event = make_event(status=Event.Status.PUBLISHED)

    response = organizer_client.post(reverse("events:finish", kwargs={"event_pk": event.pk}))

    event.refresh_from_db()
    assert response.url == reverse("events:checkin", kwargs={"event_pk": event.pk})
    assert event.status == Event.Status.FINISHED


def test_finish_refuses_an_event_without_a_published_schedule(organizer_client):
    event = make_event(status=Event.Status.SCHEDULED)

    response = organizer_client.post(
        reverse("events:finish", kwargs={"event_pk": event.pk}), follow=True
    )

    event.refresh_from_db()
    assert event.status == Event.Status.SCHEDULED
    assert [str(m) for m in response.context["messages"]] == [
        "Publish a schedule before marking the event finished."
    ]


def test_checkin_page_offers_finishing_only_a_published_event(organizer_client):
    published = make_event(status=Event.Status.PUBLISHED)
    draft = make_event()

    published_page = organizer_client.get(
        reverse("events:checkin", kwargs={"event_pk": published.pk})
    )
    draft_page = organizer_client.get(reverse("events:checkin", kwargs={"event_pk": draft.pk}))

    finish = reverse("events:finish", kwargs={"event_pk": published.pk})
    assert f'action="{finish}"' in published_page.content.decode()
    assert "Mark the event finished" not in draft_page.content.decode()


@pytest.mark.parametrize("bad", ["abc", "²", "99999999999999999999999"])
def test_attendance_add_skips_ids_that_are_not_numbers(organizer_client, bad):
    event = make_event()
    wanted = make_specialist(last_name="Heart")
    url = reverse("events:attendance_create", kwargs={"event_pk": event.pk})

    response = organizer_client.post(url, {"clinicians": [bad, wanted.pk], "add_selected": ""})

    assert response.status_code == 302
    assert list(event.attendances.values_list("clinician__last_name", flat=True)) == ["Heart"]
