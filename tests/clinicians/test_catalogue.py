"""Catalogue edits (clinicians.services): recorded in words, and refused where a published
upcoming event depends on them (events answers clinicians.signals.catalogue_change_objections)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from clinicians.models import Clinician, Department, Region, Specialty, Track
from clinicians.roster import parse_roster
from clinicians.services import (
    delete_catalogue_entry,
    import_roster,
    merge_clinicians,
    reactivate_clinician,
    save_catalogue_entry,
    save_clinician,
    save_specialty,
)
from events.models import Anchor, Attendance, GroupMember
from tests.clinicians.helpers import roster_csv
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


@pytest.fixture
def ada():
    return make_user(first_name="Ada", last_name="Admin")


def _messages():
    return list(AuditEntry.objects.order_by("pk").values_list("action", "message"))


def _published_table(specialty, *, number=5, **event_fields):
    event_fields.setdefault("name", "North, spring")
    event_fields.setdefault("status", "published")
    return make_table(event=make_event(**event_fields), number=number, specialty=specialty)


# Specialties


def test_save_specialty_records_a_new_specialty(ada):
    specialty = Specialty(name="Cardiology", track=Track.ADULT)

    save_specialty(specialty=specialty, by=ada)

    assert _messages() == [
        ("specialty.created", "Ada Admin added the specialty Cardiology (patients: adult).")
    ]


def test_save_specialty_records_a_track_change_in_words(ada):
    specialty = make_specialty(name="Cardiology", track=Track.ADULT)
    specialty.track = Track.ALL_AGES

    save_specialty(specialty=specialty, by=ada)

    specialty.refresh_from_db()
    assert specialty.track == Track.ALL_AGES
    assert _messages() == [
        ("specialty.changed", "Ada Admin changed Cardiology's patients from adult to all ages.")
    ]
    assert AuditEntry.objects.get().details == {
        "model": "clinicians.Specialty",
        "pk": specialty.pk,
        "changes": {"track": ["adult", "all ages"]},
    }


def test_save_specialty_records_several_changes_in_one_sentence(ada):
    specialty = make_specialty(name="Cardiology", track=Track.ADULT, description="")
    specialty.name, specialty.description = "Heart Medicine", "Hearts."

    save_specialty(specialty=specialty, by=ada)

    assert _messages() == [
        (
            "specialty.changed",
            "Ada Admin changed Cardiology's name from “Cardiology” to “Heart Medicine” and "
            "description from none to “Hearts.”.",
        )
    ]


def test_save_specialty_without_changes_records_nothing(ada):
    specialty = make_specialty(name="Cardiology")

    save_specialty(specialty=specialty, by=ada)

    assert _messages() == []


def test_save_specialty_refuses_a_track_change_used_by_a_published_upcoming_event(ada):
    specialty = make_specialty(name="Cardiology", track=Track.ADULT)
    table = _published_table(specialty)
    specialty.track = Track.PEDIATRIC

    with pytest.raises(ValidationError) as error:
        save_specialty(specialty=specialty, by=ada)

    reason = f"Cardiology is table 5 at North, spring on {table.event.date:%-d %B %Y} (published)."
    assert error.value.messages == [reason]
    assert Specialty.objects.get().track == Track.ADULT
    assert _messages() == [
        (
            "catalogue.change_refused",
            f"Ada Admin tried to change Cardiology's patients from adult to pediatric; refused: "
            f"{reason}",
        )
    ]


def test_save_specialty_names_every_published_upcoming_event(ada):
    specialty = make_specialty(name="Cardiology", track=Track.ADULT)
    soon = datetime.date.today() + datetime.timedelta(days=3)
    later = _published_table(specialty, number=2, name="South, autumn", status="finished")
    sooner = _published_table(specialty, number=7, name="North, spring", date=soon)
    specialty.track = Track.ALL_AGES

    with pytest.raises(ValidationError) as error:
        save_specialty(specialty=specialty, by=ada)

    assert error.value.messages == [
        f"Cardiology is table 7 at North, spring on {sooner.event.date:%-d %B %Y} (published).",
        f"Cardiology is table 2 at South, autumn on {later.event.date:%-d %B %Y} (published).",
    ]


@pytest.mark.parametrize(
    "event_fields",
    [{"status": "scheduled"}, {"status": "finished", "date": datetime.date(2020, 1, 1)}],
)
def test_save_specialty_allows_a_track_change_for_unpublished_or_past_events(ada, event_fields):
    specialty = make_specialty(name="Cardiology", track=Track.ADULT)
    _published_table(specialty, **event_fields)
    specialty.track = Track.PEDIATRIC

    save_specialty(specialty=specialty, by=ada)

    assert Specialty.objects.get().track == Track.PEDIATRIC


def test_save_specialty_allows_renaming_while_published(ada):
    specialty = make_specialty(name="Cardiology")
    _published_table(specialty)
    specialty.name = "Heart Medicine"

    save_specialty(specialty=specialty, by=ada)

    assert _messages() == [
        (
            "specialty.changed",
            "Ada Admin changed Cardiology's name from “Cardiology” to “Heart Medicine”.",
        )
    ]


# Clinicians


def test_save_clinician_records_a_new_clinician(ada):
    specialty = make_specialty(name="Cardiology")
    clinician = Clinician(
        first_name="Ann",
        last_name="Lee",
        credentials="MD",
        email="ann@example.org",
        role=Clinician.Role.SPECIALIST,
        specialty=specialty,
    )

    save_clinician(clinician=clinician, sites=[make_site(name="Quincy")], by=ada)

    assert [site.name for site in clinician.sites.all()] == ["Quincy"]
    assert _messages() == [
        (
            "clinician.created",
            "Ada Admin added the clinician Ann Lee, MD (specialist, Cardiology).",
        )
    ]


def test_save_clinician_records_each_changed_field_old_to_new(ada):
    quincy, salem = make_site(name="Quincy"), make_site(name="Salem")
    clinician = make_clinician(
        first_name="Ann", last_name="Lee", email="ann@example.org", sites=[quincy]
    )
    clinician.email = "Ann.Lee@Example.org"

    save_clinician(clinician=clinician, sites=[salem, quincy], by=ada)

    assert _messages() == [
        (
            "clinician.changed",
            "Ada Admin changed Ann Lee's email from “ann@example.org” to "
            "“ann.lee@example.org” and sites from Quincy to Quincy and Salem.",
        )
    ]


def test_save_clinician_records_a_new_department_by_its_name_and_site(ada):
    old = make_department(name="Internal Medicine", site=make_site(name="Quincy"))
    new = make_department(name="Pediatrics", site=make_site(name="Salem"))
    clinician = make_clinician(first_name="Ann", last_name="Lee", department=old)
    clinician.department = new

    save_clinician(clinician=clinician, sites=[], by=ada)

    assert _messages() == [
        (
            "clinician.changed",
            "Ada Admin changed Ann Lee's department from Internal Medicine at Quincy to "
            "Pediatrics at Salem.",
        )
    ]


def test_save_clinician_refuses_a_role_change_of_a_published_upcoming_anchor(ada):
    specialty = make_specialty(name="Cardiology")
    table = _published_table(specialty)
    anchor = make_anchor(
        table=table,
        clinician=make_specialist(first_name="Ann", last_name="Lee", specialty=specialty),
    )
    clinician = anchor.clinician
    clinician.role, clinician.specialty = Clinician.Role.LEADER, None

    with pytest.raises(ValidationError) as error:
        save_clinician(clinician=clinician, sites=[], by=ada)

    reason = (
        f"Ann Lee anchors table 5 (Cardiology) at North, spring on "
        f"{table.event.date:%-d %B %Y} (published)."
    )
    assert error.value.messages == [reason]
    assert Clinician.objects.get(pk=clinician.pk).role == Clinician.Role.SPECIALIST
    assert _messages() == [
        (
            "catalogue.change_refused",
            "Ada Admin tried to change Ann Lee's role from specialist to leader and specialty "
            f"from Cardiology to none; refused: {reason}",
        )
    ]


def test_save_catalogue_entry_refuses_retiring_a_published_upcoming_traveller(ada):
    event = make_event(name="North, spring", status="published")
    clinician = make_clinician(first_name="Ida", last_name="Ives")
    make_group(event=event, name="IM Quincy", members=[clinician])
    clinician.is_active = False

    with pytest.raises(ValidationError) as error:
        save_catalogue_entry(entry=clinician, by=ada)

    assert error.value.messages == [
        f"Ida Ives travels in group IM Quincy at North, spring on {event.date:%-d %B %Y} "
        "(published)."
    ]
    assert Clinician.objects.get(pk=clinician.pk).is_active is True


def test_save_catalogue_entry_records_retiring_as_a_status_change(ada):
    clinician = make_clinician(first_name="Ida", last_name="Ives")
    clinician.is_active = False

    save_catalogue_entry(entry=clinician, by=ada)

    assert _messages() == [
        ("clinician.changed", "Ada Admin changed Ida Ives's status from active to retired.")
    ]


def test_reactivate_clinician_is_recorded(ada):
    clinician = make_clinician(first_name="Ida", last_name="Ives", is_active=False)

    reactivate_clinician(clinician=clinician, by=ada)

    assert _messages() == [("clinician.reactivated", "Ada Admin reactivated Ida Ives, MD.")]


# Regions, sites, departments


def test_save_catalogue_entry_records_a_department_track_change(ada):
    department = make_department(
        name="Internal Medicine", site=make_site(name="Quincy"), track=Track.ADULT
    )
    department.track = Track.PEDIATRIC

    save_catalogue_entry(entry=department, by=ada)

    assert _messages() == [
        (
            "department.changed",
            "Ada Admin changed Internal Medicine at Quincy's patients from adult to pediatric.",
        )
    ]


def test_save_catalogue_entry_records_a_site_moving_region(ada):
    site = make_site(name="Quincy", region=make_region(name="South Shore"))
    site.region = make_region(name="North Shore")

    save_catalogue_entry(entry=site, by=ada)

    assert _messages() == [
        ("site.changed", "Ada Admin changed Quincy's region from South Shore to North Shore.")
    ]


def test_delete_catalogue_entry_records_the_delete(ada):
    region = make_region(name="North Shore")

    delete_catalogue_entry(entry=region, by=ada)

    assert Region.objects.exists() is False
    assert _messages() == [("region.deleted", "Ada Admin deleted the region North Shore.")]


def test_delete_catalogue_entry_refused_while_used(ada):
    specialty = make_specialty(name="Cardiology", track=Track.ADULT)
    make_specialist(specialty=specialty)
    make_table(specialty=specialty)

    with pytest.raises(ValidationError) as error:
        delete_catalogue_entry(entry=specialty, by=ada)

    assert error.value.messages == [
        "The specialty Cardiology (patients: adult) is not deleted: 1 clinician and 1 table use it."
    ]
    assert Specialty.objects.count() == 1
    assert _messages() == [
        (
            "catalogue.delete_refused",
            "Ada Admin tried to delete the specialty Cardiology (patients: adult); refused: "
            "1 clinician and 1 table use it.",
        )
    ]


def test_delete_catalogue_entry_refused_for_a_department_with_clinicians(ada):
    department = make_department(name="Internal Medicine", site=make_site(name="Quincy"))
    make_clinician(department=department)
    make_clinician(department=department)

    with pytest.raises(ValidationError) as error:
        delete_catalogue_entry(entry=department, by=ada)

    assert error.value.messages == [
        "The department Internal Medicine at Quincy (patients: adult) is not deleted: "
        "2 clinicians use it."
    ]
    assert Department.objects.count() == 1


# Merging clinicians at published events


def _anchor(table, **names):
    return make_anchor(table=table, clinician=make_specialist(specialty=table.specialty, **names))


def test_merge_clinicians_refused_when_the_duplicate_anchors_at_a_published_upcoming_event(ada):
    table = _published_table(make_specialty(name="Cardiology"))
    duplicate = _anchor(table, first_name="Ann", last_name="Leigh").clinician
    keep = make_specialist(first_name="Ann", last_name="Lee", specialty=table.specialty)

    with pytest.raises(ValidationError) as error:
        merge_clinicians(keep=keep, duplicate=duplicate, by=ada)

    reason = (
        f"Ann Leigh anchors table 5 (Cardiology) at North, spring on "
        f"{table.event.date:%-d %B %Y} (published), and the clinician kept does not hold "
        "that place."
    )
    assert error.value.messages == [reason]
    assert Anchor.objects.get().clinician == duplicate
    assert Clinician.objects.filter(pk=duplicate.pk).exists() is True
    assert _messages() == [
        (
            "clinicians.merge_refused",
            f"Ada Admin tried to merge {duplicate} into {keep}; refused: {reason}",
        )
    ]


def test_merge_clinicians_refused_when_the_kept_clinician_anchors_another_table_there(ada):
    table = _published_table(make_specialty(name="Cardiology"))
    other = make_table(event=table.event, number=6, specialty=table.specialty)
    duplicate = _anchor(table, first_name="Ann", last_name="Lee").clinician
    keep = _anchor(other, first_name="Ann", last_name="Lee").clinician

    with pytest.raises(ValidationError):
        merge_clinicians(keep=keep, duplicate=duplicate, by=ada)

    assert sorted(Anchor.objects.values_list("table__number", "clinician_id")) == [
        (5, duplicate.pk),
        (6, keep.pk),
    ]


def test_merge_clinicians_allowed_when_the_kept_clinician_holds_the_same_place(ada):
    table = _published_table(make_specialty(name="Cardiology"))
    duplicate = _anchor(table, first_name="Ann", last_name="Leigh").clinician
    keep = _anchor(table, first_name="Ann", last_name="Lee").clinician

    merge_clinicians(keep=keep, duplicate=duplicate, by=ada)

    assert list(Anchor.objects.values_list("table_id", "clinician_id")) == [(table.pk, keep.pk)]
    assert Clinician.objects.filter(pk=duplicate.pk).exists() is False


def test_merge_clinicians_allowed_when_a_namesake_not_at_the_event_takes_the_place(ada):
    table = _published_table(make_specialty(name="Cardiology"))
    duplicate = _anchor(table, first_name="Ann", last_name="Lee").clinician
    attendance = make_attendance(event=table.event, clinician=duplicate)
    keep = make_specialist(first_name="Ann", last_name="Lee", specialty=table.specialty)

    merge_clinicians(keep=keep, duplicate=duplicate, by=ada)

    attendance.refresh_from_db()
    assert list(Anchor.objects.values_list("table_id", "clinician_id")) == [(table.pk, keep.pk)]
    assert attendance.clinician == keep


def test_merge_clinicians_refused_for_a_traveller_in_another_group(ada):
    event = make_event(name="North, spring", status="published")
    duplicate = make_clinician(first_name="Ida", last_name="Ives")
    keep = make_clinician(first_name="Ida", last_name="Ives")
    make_group(event=event, name="IM Quincy", members=[duplicate])
    make_group(event=event, name="IM Salem", members=[keep])

    with pytest.raises(ValidationError) as error:
        merge_clinicians(keep=keep, duplicate=duplicate, by=ada)

    assert error.value.messages == [
        f"Ida Ives travels in group IM Quincy at North, spring on {event.date:%-d %B %Y} "
        "(published), and the clinician kept does not hold that place."
    ]
    assert GroupMember.objects.count() == 2


def test_merge_clinicians_allowed_for_a_duplicate_marked_a_no_show(ada):
    table = _published_table(make_specialty(name="Cardiology"))
    duplicate = _anchor(table, first_name="Ann", last_name="Leigh").clinician
    make_attendance(event=table.event, clinician=duplicate, status=Attendance.Status.NO_SHOW)
    keep = make_specialist(first_name="Ann", last_name="Lee", specialty=table.specialty)

    merge_clinicians(keep=keep, duplicate=duplicate, by=ada)

    assert Clinician.objects.filter(pk=duplicate.pk).exists() is False


# The roster import


def test_import_roster_refuses_a_role_change_of_a_published_upcoming_anchor(ada, catalogue):
    table = _published_table(catalogue["cardiology"])
    make_anchor(
        table=table,
        clinician=make_specialist(
            first_name="Ben",
            last_name="Okafor",
            email="ben.okafor@example.org",
            specialty=catalogue["cardiology"],
        ),
    )
    row = [
        "Ben",
        "Okafor",
        "DO",
        "ben.okafor@example.org",
        "PCP",
        "",
        "Internal Medicine",
        "Quincy",
    ]
    preview = parse_roster(name="r.csv", content=roster_csv(row))

    with pytest.raises(ValidationError) as error:
        import_roster(preview=preview, actor=ada, filename="r.csv")

    reason = (
        f"Ben Okafor anchors table 5 (Cardiology) at North, spring on "
        f"{table.event.date:%-d %B %Y} (published)."
    )
    assert error.value.messages == [reason]
    assert Clinician.objects.get().role == Clinician.Role.SPECIALIST
    assert _messages() == [
        (
            "catalogue.change_refused",
            f"Ada Admin tried to import the roster r.csv, which changes roles; refused: {reason}",
        )
    ]
