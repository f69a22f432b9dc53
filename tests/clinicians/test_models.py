import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from clinicians.models import Clinician, Department
from clinicians.validators import normalize_credentials
from tests.factories import make_clinician, make_department, make_site

pytestmark = pytest.mark.django_db


def test_specialist_without_specialty_is_refused():
    with pytest.raises(IntegrityError):
        Clinician.objects.create(
            first_name="A",
            last_name="B",
            credentials="MD",
            email="a@example.org",
            role="specialist",
        )


def test_primary_care_without_department_is_refused():
    with pytest.raises(IntegrityError):
        Clinician.objects.create(
            first_name="A",
            last_name="B",
            credentials="MD",
            email="a@example.org",
            role="primary-care",
        )


def test_leader_needs_neither_specialty_nor_department():
    leader = Clinician.objects.create(
        first_name="A", last_name="B", credentials="MD", email="Lead@Example.org", role="leader"
    )

    assert leader.email == "lead@example.org"


def test_clinician_email_is_unique_whatever_its_case():
    make_clinician(email="same@example.org")

    with pytest.raises(IntegrityError):
        make_clinician(email="SAME@example.org")


def test_department_name_is_unique_per_site():
    site = make_site()
    make_department(name="Pediatrics", site=site)

    with pytest.raises(IntegrityError):
        Department.objects.create(name="Pediatrics", site=site)


def test_normalize_credentials_spells_known_credentials_canonically():
    assert normalize_credentials("md, phd") == "MD, PhD"
    assert normalize_credentials("M.D./pa-c") == "MD, PA-C"


def test_normalize_credentials_names_unknown_credentials():
    with pytest.raises(ValidationError) as error:
        normalize_credentials("MD, Wizard")

    assert error.value.messages == ["Unknown credentials: Wizard (expected e.g. MD, DO, NP, PA-C)."]
