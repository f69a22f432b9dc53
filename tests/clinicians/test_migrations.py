"""The migration that makes specialty names unique resolves existing duplicates without
failing: same patients are merged, other patients renamed."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import AuditEntry
from clinicians.models import Clinician, Specialty
from events.models import Table

BEFORE = [("clinicians", "0001_initial")]
AFTER = [("clinicians", "0003_specialty_name_key_unique")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def _every_app_migrated_again():
    """Going back to clinicians 0001 also unapplies the apps that depend on clinicians (the
    connection ledger, series, …): bring every app forward again for the tests after."""
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_migration_merges_duplicates_of_the_same_patients_and_renames_the_others(capsys):
    _migrate(BEFORE)
    # A fresh executor reads which migrations are applied now, other apps' included.
    apps = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    OldSpecialty = apps.get_model("clinicians", "Specialty")
    first = OldSpecialty.objects.create(name="Cardiology", track="adult", description="")
    lower = OldSpecialty.objects.create(name="cardiology", track="adult", description="Hearts.")
    other = OldSpecialty.objects.create(name="CARDIOLOGY ", track="all-ages", description="")
    apps.get_model("clinicians", "Clinician").objects.create(
        first_name="Ben",
        last_name="Okafor",
        credentials="DO",
        email="ben@example.org",
        role="specialist",
        specialty=lower,
    )
    event = apps.get_model("events", "Event").objects.create(
        name="North, spring", date=datetime.date(2026, 12, 10), venue="Hall", rounds=4
    )
    table = apps.get_model("events", "Table").objects.create(event=event, number=5, specialty=lower)

    _migrate(AFTER)

    merged = (
        "Rounds merged the specialty “cardiology” into “Cardiology”, the same name but for case "
        "and spaces, when specialty names became unique: 1 clinician and 1 table moved; "
        "“cardiology” deleted."
    )
    renamed = (
        "Rounds renamed the specialty “CARDIOLOGY ” to “CARDIOLOGY (all ages)” when specialty "
        "names became unique: “Cardiology” has the same name but for case and spaces and "
        "serves adult patients, so they were not merged. Merge them from the specialty's page "
        "if they are one specialty."
    )
    assert capsys.readouterr().out.splitlines()[-2:] == [merged, renamed]
    assert list(Specialty.objects.order_by("pk").values_list("pk", "name", "name_key")) == [
        (first.pk, "Cardiology", "cardiology"),
        (other.pk, "CARDIOLOGY (all ages)", "cardiology (all ages)"),
    ]
    assert Specialty.objects.get(pk=first.pk).description == "Hearts."
    assert Clinician.objects.get().specialty_id == first.pk
    assert Table.objects.get(pk=table.pk).specialty_id == first.pk
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "message")) == [
        ("specialties.merged", merged),
        ("specialty.changed", renamed),
    ]
