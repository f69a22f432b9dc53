import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from clinicians.models import Clinician
from clinicians.roster import parse_roster
from clinicians.services import ImportResult, import_roster
from tests.clinicians.helpers import PCP_ROW, SPECIALIST_ROW, roster_csv
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_import_roster_creates_clinicians_with_sites(catalogue):
    preview = parse_roster(name="r.csv", content=roster_csv(PCP_ROW, SPECIALIST_ROW))

    result = import_roster(preview=preview, actor=None, filename="r.csv")

    assert result == ImportResult(created=2, updated=0, unchanged=0)
    specialist = Clinician.objects.get(email="ben.okafor@example.org")
    assert (specialist.full_name, specialist.credentials, specialist.specialty) == (
        "Ben Okafor",
        "DO",
        catalogue["cardiology"],
    )
    assert set(specialist.sites.all()) == {catalogue["salem"], catalogue["quincy"]}


def test_import_roster_again_updates_instead_of_duplicating(catalogue):
    import_roster(
        preview=parse_roster(name="r.csv", content=roster_csv(PCP_ROW, SPECIALIST_ROW)),
        actor=None,
        filename="r.csv",
    )
    changed = list(SPECIALIST_ROW)
    changed[0], changed[3], changed[7] = "Benjamin", "BEN.OKAFOR@example.org", "Salem"
    preview = parse_roster(name="r.csv", content=roster_csv(PCP_ROW, changed))

    result = import_roster(preview=preview, actor=None, filename="r.csv")

    assert result == ImportResult(created=0, updated=1, unchanged=1)
    assert Clinician.objects.count() == 2
    specialist = Clinician.objects.get(email="ben.okafor@example.org")
    assert (specialist.first_name, list(specialist.sites.all())) == (
        "Benjamin",
        [catalogue["salem"]],
    )


def test_import_roster_writes_nothing_when_one_row_is_bad(catalogue):
    bad = list(SPECIALIST_ROW)
    bad[5] = "Cardiolgy"
    preview = parse_roster(name="r.csv", content=roster_csv(PCP_ROW, bad))

    with pytest.raises(ValidationError):
        import_roster(preview=preview, actor=None, filename="r.csv")

    assert (Clinician.objects.count(), AuditEntry.objects.count()) == (0, 0)


def test_import_roster_records_an_audit_entry(catalogue):
    user = make_user()
    preview = parse_roster(name="r.csv", content=roster_csv(PCP_ROW, SPECIALIST_ROW))

    import_roster(preview=preview, actor=user, filename="staff.csv")

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target, entry.details) == (
        user,
        AuditEntry.Action.ROSTER_IMPORTED,
        "roster staff.csv",
        {"created": 2, "updated": 0},
    )


def test_import_roster_keeps_html_in_names_as_is(catalogue):
    row = list(PCP_ROW)
    row[1] = "<b>Lopez</b>"
    preview = parse_roster(name="r.csv", content=roster_csv(row))

    import_roster(preview=preview, actor=None, filename="r.csv")

    assert Clinician.objects.get().last_name == "<b>Lopez</b>"
