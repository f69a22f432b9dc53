"""The catalogue's pages and admin write through the audited services."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from clinicians.models import Clinician, Department, Specialty, Track
from tests.factories import (
    make_anchor,
    make_clinician,
    make_department,
    make_event,
    make_region,
    make_site,
    make_specialist,
    make_specialty,
    make_table,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada_client(client):
    client.force_login(
        make_user(first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True)
    )
    return client


def _messages():
    return list(AuditEntry.objects.order_by("pk").values_list("action", "message"))


def _published_cardiology_table():
    specialty = make_specialty(name="Cardiology", track=Track.ADULT, description="")
    return make_table(
        event=make_event(name="North, spring", status="published"), number=5, specialty=specialty
    )


def _clinician_data(clinician, **changes):
    data = {
        "first_name": clinician.first_name,
        "last_name": clinician.last_name,
        "credentials": clinician.credentials,
        "email": clinician.email,
        "role": clinician.role,
        "specialty": clinician.specialty_id or "",
        "department": clinician.department_id or "",
        "sites": [site.pk for site in clinician.sites.all()],
    }
    return {**data, **changes}


# The app's pages


def test_specialty_update_page_records_the_change(ada_client):
    specialty = make_specialty(name="Cardiology", track=Track.ADULT, description="")

    response = ada_client.post(
        reverse("clinicians:specialty_update", kwargs={"pk": specialty.pk}),
        {"name": "Cardiology", "track": Track.ALL_AGES, "description": ""},
    )

    assert response.status_code == 302
    assert _messages() == [
        ("specialty.changed", "Ada Admin changed Cardiology's patients from adult to all ages.")
    ]


def test_specialty_update_page_shows_why_a_track_change_is_refused(ada_client):
    table = _published_cardiology_table()

    response = ada_client.post(
        reverse("clinicians:specialty_update", kwargs={"pk": table.specialty.pk}),
        {"name": "Cardiology", "track": Track.PEDIATRIC, "description": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "track": [
            "The patients it serves stay as they are while published schedules use it. "
            f"Cardiology is table 5 at North, spring on {table.event.date:%-d %B %Y} "
            "(published). Change them after those events, or add a table of another "
            "specialty and re-plan."
        ]
    }
    assert Specialty.objects.get().track == Track.ADULT


def test_clinician_create_page_records_the_new_clinician(ada_client):
    specialty = make_specialty(name="Cardiology")
    site = make_site(name="Quincy")

    ada_client.post(
        reverse("clinicians:create"),
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "credentials": "md",
            "email": "ann@example.org",
            "role": Clinician.Role.SPECIALIST,
            "specialty": specialty.pk,
            "department": "",
            "sites": [site.pk],
        },
    )

    assert [s.name for s in Clinician.objects.get().sites.all()] == ["Quincy"]
    assert _messages() == [
        ("clinician.created", "Ada Admin added the clinician Ann Lee, MD (specialist, Cardiology).")
    ]


def test_clinician_update_page_records_changed_fields(ada_client):
    clinician = make_clinician(first_name="Ann", last_name="Lee", credentials="MD")

    ada_client.post(
        reverse("clinicians:update", kwargs={"pk": clinician.pk}),
        _clinician_data(clinician, last_name="Lee-Smith", credentials="DO"),
    )

    assert _messages() == [
        (
            "clinician.changed",
            "Ada Admin changed Ann Lee's last name from “Lee” to “Lee-Smith” and credentials "
            "from “MD” to “DO”.",
        )
    ]


def test_clinician_update_page_refuses_a_role_change_of_a_published_anchor(ada_client):
    table = _published_cardiology_table()
    clinician = make_anchor(
        table=table,
        clinician=make_specialist(first_name="Ann", last_name="Lee", specialty=table.specialty),
    ).clinician

    response = ada_client.post(
        reverse("clinicians:update", kwargs={"pk": clinician.pk}),
        _clinician_data(clinician, role=Clinician.Role.LEADER),
    )

    assert response.context["form"].non_field_errors() == [
        "Not saved: published itineraries depend on this clinician. Ann Lee anchors table 5 "
        f"(Cardiology) at North, spring on {table.event.date:%-d %B %Y} (published). Mark "
        "them a no-show on those events' check-in pages and re-plan first."
    ]
    assert Clinician.objects.get(pk=clinician.pk).role == Clinician.Role.SPECIALIST


def test_reactivate_page_records_it(ada_client):
    clinician = make_clinician(first_name="Ida", last_name="Ives", is_active=False)

    ada_client.post(reverse("clinicians:reactivate", kwargs={"pk": clinician.pk}))

    assert _messages() == [("clinician.reactivated", "Ada Admin reactivated Ida Ives, MD.")]


def test_merge_page_shows_why_a_merge_is_refused(ada_client):
    table = _published_cardiology_table()
    duplicate = make_anchor(
        table=table,
        clinician=make_specialist(first_name="Ann", last_name="Leigh", specialty=table.specialty),
    ).clinician
    keep = make_specialist(first_name="Ann", last_name="Lee", specialty=table.specialty)

    response = ada_client.post(
        reverse("clinicians:specialty_merge", kwargs={"pk": table.specialty.pk}),
        {"keep": keep.pk, "duplicate": duplicate.pk},
    )

    assert response.context["form"].non_field_errors() == [
        f"{duplicate} is not merged: published itineraries depend on them. Ann Leigh anchors "
        f"table 5 (Cardiology) at North, spring on {table.event.date:%-d %B %Y} (published), "
        "and the clinician kept does not hold that place. Mark the duplicate a no-show on "
        "those events' check-in pages and re-plan first."
    ]
    assert Clinician.objects.filter(pk=duplicate.pk).exists() is True


# The admin


def test_admin_specialty_change_is_recorded_in_words(ada_client):
    specialty = make_specialty(name="Cardiology", track=Track.ADULT, description="")

    response = ada_client.post(
        reverse("admin:clinicians_specialty_change", args=[specialty.pk]),
        {"name": "Cardiology", "track": Track.ALL_AGES, "description": "", "is_active": "on"},
    )

    assert response.status_code == 302
    assert _messages() == [
        ("specialty.changed", "Ada Admin changed Cardiology's patients from adult to all ages.")
    ]


def test_admin_specialty_track_change_refused_is_a_form_error(ada_client):
    table = _published_cardiology_table()

    response = ada_client.post(
        reverse("admin:clinicians_specialty_change", args=[table.specialty.pk]),
        {"name": "Cardiology", "track": Track.PEDIATRIC, "description": "", "is_active": "on"},
    )

    reason = f"Cardiology is table 5 at North, spring on {table.event.date:%-d %B %Y} (published)."
    assert response.context["adminform"].form.non_field_errors() == [reason]
    assert Specialty.objects.get().track == Track.ADULT
    assert _messages() == [
        (
            "catalogue.change_refused",
            f"Ada Admin tried to change Cardiology's patients from adult to pediatric; "
            f"refused: {reason}",
        )
    ]


def test_admin_clinician_change_is_recorded_with_sites(ada_client):
    quincy, salem = make_site(name="Quincy"), make_site(name="Salem")
    clinician = make_clinician(first_name="Ann", last_name="Lee", sites=[quincy])
    data = _clinician_data(clinician, sites=[salem.pk], is_active="on")

    response = ada_client.post(
        reverse("admin:clinicians_clinician_change", args=[clinician.pk]), data
    )

    assert response.status_code == 302
    assert [site.name for site in clinician.sites.all()] == ["Salem"]
    assert _messages() == [
        ("clinician.changed", "Ada Admin changed Ann Lee's sites from Quincy to Salem.")
    ]


def test_admin_region_with_a_new_site_records_both(ada_client):
    response = ada_client.post(
        reverse("admin:clinicians_region_add"),
        {
            "name": "North Shore",
            "sites-TOTAL_FORMS": "1",
            "sites-INITIAL_FORMS": "0",
            "sites-0-name": "Salem",
        },
    )

    assert response.status_code == 302
    assert _messages() == [
        ("region.created", "Ada Admin added the region North Shore."),
        ("site.created", "Ada Admin added the site Salem in North Shore."),
    ]


def test_admin_delete_of_an_unused_department_is_recorded(ada_client):
    department = make_department(name="Internal Medicine", site=make_site(name="Quincy"))

    ada_client.post(
        reverse("admin:clinicians_department_delete", args=[department.pk]), {"post": "yes"}
    )

    assert Department.objects.exists() is False
    assert _messages() == [
        (
            "department.deleted",
            "Ada Admin deleted the department Internal Medicine at Quincy (patients: adult).",
        )
    ]


def test_admin_delete_of_a_used_specialty_is_refused_and_recorded(ada_client):
    table = _published_cardiology_table()

    ada_client.post(
        reverse("admin:clinicians_specialty_delete", args=[table.specialty.pk]), {"post": "yes"}
    )

    assert Specialty.objects.count() == 1
    assert _messages() == [
        (
            "catalogue.delete_refused",
            "Ada Admin tried to delete the specialty Cardiology (patients: adult); refused: "
            "1 table uses it.",
        )
    ]


def test_admin_bulk_delete_records_each_region(ada_client):
    regions = [make_region(name="North Shore"), make_region(name="South Shore")]

    ada_client.post(
        reverse("admin:clinicians_region_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in regions], "post": "yes"},
    )

    assert sorted(_messages()) == [
        ("region.deleted", "Ada Admin deleted the region North Shore."),
        ("region.deleted", "Ada Admin deleted the region South Shore."),
    ]
