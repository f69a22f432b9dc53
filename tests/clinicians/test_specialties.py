"""Specialty names unique ignoring case and spaces; merging, retiring and deleting a
specialty from the app."""

import datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import AuditEntry
from clinicians.forms import ClinicianForm, SpecialtyForm
from clinicians.models import Clinician, Specialty, Track
from clinicians.roster import parse_roster
from clinicians.services import (
    merge_specialties,
    reactivate_specialty,
    retire_specialty,
)
from events.forms import TableForm
from events.models import Table
from tests.clinicians.helpers import SPECIALIST_ROW, roster_csv
from tests.factories import (
    make_event,
    make_specialist,
    make_specialty,
    make_table,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return make_user(first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def ada_client(client, ada):
    client.force_login(ada)
    return client


def _messages():
    return list(AuditEntry.objects.order_by("pk").values_list("action", "message"))


def _specialist_row(specialty):
    row = list(SPECIALIST_ROW)
    row[5] = specialty
    row[7] = ""  # no sites: the catalogue here has none
    return row


def _row_errors(content):
    preview = parse_roster(name="roster.csv", content=content)
    return {row.number: row.errors for row in preview.invalid_rows}


# Unique names


def test_specialty_save_tidies_spaces_and_fills_the_key():
    specialty = make_specialty(name="  Pediatric   Cardiology ")

    assert (specialty.name, specialty.name_key) == ("Pediatric Cardiology", "pediatric cardiology")


def test_specialty_database_refuses_a_name_differing_only_in_case_and_spaces():
    make_specialty(name="Cardiology")

    with pytest.raises(IntegrityError):
        make_specialty(name=" CARDIOLOGY ")


def test_specialty_form_other_case_is_refused_with_the_existing_name():
    make_specialty(name="Cardiology")

    form = SpecialtyForm(data={"name": "cardiology ", "track": Track.ADULT, "description": ""})

    assert form.errors == {"name": ["A specialty named “Cardiology” already exists."]}


def test_specialty_form_same_name_exactly_is_refused_with_one_message():
    make_specialty(name="Cardiology")

    form = SpecialtyForm(data={"name": "Cardiology", "track": Track.ADULT, "description": ""})

    assert form.errors == {"name": ["A specialty named “Cardiology” already exists."]}


def test_specialty_form_renaming_its_own_case_is_allowed():
    specialty = make_specialty(name="cardiology")

    form = SpecialtyForm(
        data={"name": "Cardiology", "track": Track.ADULT, "description": ""}, instance=specialty
    )

    assert form.is_valid()
    assert form.save().name_key == "cardiology"


def test_specialty_create_page_refuses_a_duplicate(ada_client):
    make_specialty(name="Cardiology")

    response = ada_client.post(
        reverse("clinicians:specialty_create"),
        {"name": "CARDIOLOGY", "track": Track.ADULT, "description": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["A specialty named “Cardiology” already exists."]
    }
    assert Specialty.objects.count() == 1


def test_admin_specialty_add_refuses_a_duplicate(ada_client):
    make_specialty(name="Cardiology")

    response = ada_client.post(
        reverse("admin:clinicians_specialty_add"),
        {"name": "cardiology", "track": Track.ADULT, "description": "", "is_active": "on"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "name": ["A specialty named “Cardiology” already exists."]
    }


# Roster import


@pytest.mark.parametrize("written", ["Cardiology", "CARDIOLOGY", " cardiology ", "cardio  logy"])
def test_parse_roster_matches_specialty_ignoring_case_and_spaces(written):
    cardiology = make_specialty(name="Cardiology")
    make_specialty(name="Cardio Logy")

    preview = parse_roster(name="r.csv", content=roster_csv(_specialist_row(written)))

    expected = Specialty.objects.get(name="Cardio Logy") if "  " in written else cardiology
    assert [row.specialty for row in preview.rows] == [expected]


def test_parse_roster_retired_specialty_is_an_error():
    retire_specialty(specialty=make_specialty(name="Cardiology"), by=None)

    errors = _row_errors(roster_csv(_specialist_row("cardiology")))

    assert errors == {
        2: {
            "specialty": [
                'the specialty "Cardiology" is retired (reactivate it on its page, or name another)'
            ]
        }
    }


def test_parse_roster_suggests_only_active_specialties():
    make_specialty(name="Cardiology")
    retire_specialty(specialty=make_specialty(name="Cardiologie"), by=None)

    errors = _row_errors(roster_csv(_specialist_row("CARDIOLGY")))

    assert errors == {
        2: {"specialty": ['unknown specialty "CARDIOLGY" (did you mean "Cardiology"?)']}
    }


# Merging


def test_merge_specialties_moves_clinicians_and_tables_and_deletes_the_duplicate(ada):
    keep = make_specialty(name="Cardiology", track=Track.ADULT, description="")
    duplicate = make_specialty(name="cardiology x", track=Track.ADULT, description="Hearts.")
    specialists = [make_specialist(specialty=duplicate) for _ in range(2)]
    table = make_table(specialty=duplicate)

    merge_specialties(keep=keep, duplicate=duplicate, by=ada)

    assert sorted(Clinician.objects.filter(specialty=keep).values_list("pk", flat=True)) == sorted(
        s.pk for s in specialists
    )
    assert Table.objects.get(pk=table.pk).specialty == keep
    assert list(Specialty.objects.values_list("name", "description")) == [("Cardiology", "Hearts.")]
    assert _messages()[-1] == (
        "specialties.merged",
        "Ada Admin merged the specialty cardiology x into Cardiology: 2 clinicians and 1 table "
        "moved; cardiology x deleted.",
    )


def test_merge_specialties_published_table_of_other_patients_is_refused(ada):
    keep = make_specialty(name="Cardiology", track=Track.ADULT)
    duplicate = make_specialty(name="Heart", track=Track.ALL_AGES)
    event = make_event(name="North, spring", status="published")
    make_table(event=event, number=5, specialty=duplicate)

    with pytest.raises(Exception) as refused:
        merge_specialties(keep=keep, duplicate=duplicate, by=ada)

    reason = (
        f"Heart is table 5 at North, spring on {event.date:%-d %B %Y} (published), for all "
        "ages patients; Cardiology serves adult patients."
    )
    assert refused.value.messages == [reason]
    assert Specialty.objects.count() == 2
    assert _messages() == [
        (
            "specialties.merge_refused",
            f"Ada Admin tried to merge the specialty Heart into Cardiology; refused: {reason}",
        )
    ]


def test_merge_specialties_published_table_of_same_patients_is_merged(ada):
    keep = make_specialty(name="Cardiology", track=Track.ADULT)
    duplicate = make_specialty(name="Heart", track=Track.ADULT)
    table = make_table(event=make_event(status="published"), specialty=duplicate)

    merge_specialties(keep=keep, duplicate=duplicate, by=ada)

    assert Table.objects.get(pk=table.pk).specialty == keep


def test_merge_specialties_past_published_table_of_other_patients_is_merged(ada):
    keep = make_specialty(name="Cardiology", track=Track.ADULT)
    duplicate = make_specialty(name="Heart", track=Track.ALL_AGES)
    past = datetime.date.today() - datetime.timedelta(days=30)
    table = make_table(event=make_event(status="finished", date=past), specialty=duplicate)

    merge_specialties(keep=keep, duplicate=duplicate, by=ada)

    assert Table.objects.get(pk=table.pk).specialty == keep


def test_specialty_merge_into_page_merges_and_goes_to_the_kept_one(ada_client):
    keep = make_specialty(name="Cardiology")
    duplicate = make_specialty(name="Cardiology (old)")

    response = ada_client.post(
        reverse("clinicians:specialty_merge_into", kwargs={"pk": duplicate.pk}),
        {"keep": keep.pk},
        follow=True,
    )

    assert response.redirect_chain == [
        (reverse("clinicians:specialty_detail", kwargs={"pk": keep.pk}), 302)
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "Merged Cardiology (old) into Cardiology."
    ]
    assert list(Specialty.objects.values_list("name", flat=True)) == ["Cardiology"]


def test_specialty_merge_into_page_refusal_is_a_form_error(ada_client):
    keep = make_specialty(name="Cardiology", track=Track.ADULT)
    duplicate = make_specialty(name="Heart", track=Track.PEDIATRIC)
    event = make_event(name="North, spring", status="published")
    make_table(event=event, number=5, specialty=duplicate)

    response = ada_client.post(
        reverse("clinicians:specialty_merge_into", kwargs={"pk": duplicate.pk}), {"keep": keep.pk}
    )

    assert response.context["form"].non_field_errors() == [
        "Heart is not merged: published schedules depend on its tables. Heart is table 5 at "
        f"North, spring on {event.date:%-d %B %Y} (published), for pediatric patients; "
        "Cardiology serves adult patients. Merge them after those events, or change the "
        "patients one serves first."
    ]


def test_specialty_merge_into_page_does_not_offer_itself(ada_client):
    keep = make_specialty(name="Cardiology")
    duplicate = make_specialty(name="Heart")

    response = ada_client.get(
        reverse("clinicians:specialty_merge_into", kwargs={"pk": duplicate.pk})
    )

    assert list(response.context["form"].fields["keep"].queryset) == [keep]


# Retiring


def test_retire_specialty_is_recorded_and_hides_it_from_new_pickers(ada):
    cardiology = make_specialty(name="Cardiology", track=Track.ADULT)
    heart = make_specialty(name="Heart")

    retire_specialty(specialty=cardiology, by=ada)

    assert list(TableForm(event=make_event()).fields["specialty"].queryset) == [heart]
    assert list(ClinicianForm().fields["specialty"].queryset) == [heart]
    assert _messages() == [
        (
            "specialty.retired",
            "Ada Admin retired the specialty Cardiology (patients: adult): it is offered for no "
            "new table, anchor or import.",
        )
    ]


def test_retired_specialty_stays_offered_to_the_table_and_clinician_that_have_it():
    cardiology = make_specialty(name="Cardiology")
    heart = make_specialty(name="Heart")
    table = make_table(specialty=cardiology)
    specialist = make_specialist(specialty=cardiology)

    retire_specialty(specialty=cardiology, by=None)

    assert list(TableForm(event=table.event, instance=table).fields["specialty"].queryset) == [
        cardiology,
        heart,
    ]
    assert list(ClinicianForm(instance=specialist).fields["specialty"].queryset) == [
        cardiology,
        heart,
    ]


def test_reactivate_specialty_is_recorded(ada):
    cardiology = make_specialty(name="Cardiology", is_active=False)

    reactivate_specialty(specialty=cardiology, by=ada)

    assert Specialty.objects.get().is_active is True
    assert _messages() == [
        (
            "specialty.reactivated",
            "Ada Admin reactivated the specialty Cardiology (patients: adult).",
        )
    ]


def test_specialty_retire_page_retires_and_says_so(ada_client):
    cardiology = make_specialty(name="Cardiology")

    response = ada_client.post(
        reverse("clinicians:specialty_retire", kwargs={"pk": cardiology.pk}), follow=True
    )

    assert Specialty.objects.get().is_active is False
    assert [str(m) for m in response.context["messages"]] == [
        "Retired Cardiology: it is offered for no new table, anchor or import."
    ]


def test_specialty_reactivate_page_reactivates(ada_client):
    cardiology = make_specialty(name="Cardiology", is_active=False)

    ada_client.post(reverse("clinicians:specialty_reactivate", kwargs={"pk": cardiology.pk}))

    assert Specialty.objects.get().is_active is True


# Deleting


def test_specialty_delete_page_deletes_an_unused_specialty(ada_client):
    cardiology = make_specialty(name="Cardiology")

    response = ada_client.post(
        reverse("clinicians:specialty_delete", kwargs={"pk": cardiology.pk}), follow=True
    )

    assert Specialty.objects.count() == 0
    assert [str(m) for m in response.context["messages"]] == ["Deleted Cardiology."]
    assert _messages() == [
        ("specialty.deleted", "Ada Admin deleted the specialty Cardiology (patients: adult).")
    ]


def test_specialty_delete_page_refuses_a_specialty_in_use(ada_client):
    cardiology = make_specialty(name="Cardiology")
    make_specialist(specialty=cardiology)
    make_table(specialty=cardiology)

    response = ada_client.post(
        reverse("clinicians:specialty_delete", kwargs={"pk": cardiology.pk}), follow=True
    )

    assert Specialty.objects.count() == 1
    assert [str(m) for m in response.context["messages"]] == [
        "The specialty Cardiology (patients: adult) is not deleted: 1 clinician and 1 table "
        "use it. Merge it into another specialty or retire it instead."
    ]


def test_specialty_detail_page_of_a_retired_specialty_offers_to_reactivate(ada_client):
    cardiology = make_specialty(name="Cardiology", is_active=False)

    response = ada_client.get(reverse("clinicians:specialty_detail", kwargs={"pk": cardiology.pk}))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Retired: offered for no new table, anchor or import." in content
    assert reverse("clinicians:specialty_reactivate", kwargs={"pk": cardiology.pk}) in content
    assert reverse("clinicians:specialty_merge_into", kwargs={"pk": cardiology.pk}) in content
    assert reverse("clinicians:specialty_delete", kwargs={"pk": cardiology.pk}) in content


def test_specialty_delete_page_asks_first(ada_client):
    cardiology = make_specialty(name="Cardiology")

    response = ada_client.get(reverse("clinicians:specialty_delete", kwargs={"pk": cardiology.pk}))

    assert response.status_code == 200
    assert "Delete Cardiology?" in response.content.decode()
    assert Specialty.objects.count() == 1


def test_specialty_create_page_same_name_added_meanwhile_is_a_form_error(ada_client, monkeypatch):
    make_specialty(name="Cardiology")
    # The form's check passes as if the other specialty were not there yet.
    monkeypatch.setattr(Specialty, "clean", lambda self: None)

    response = ada_client.post(
        reverse("clinicians:specialty_create"),
        {"name": "cardiology", "track": Track.ADULT, "description": ""},
    )

    assert response.context["form"].errors == {
        "name": ["A specialty of this name was added meanwhile."]
    }
    assert Specialty.objects.count() == 1
