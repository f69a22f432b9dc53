import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from clinicians.models import Clinician
from clinicians.roster import parse_roster
from clinicians.services import ImportResult, import_roster, merge_clinicians, retire_clinician
from events.models import Attendance, GroupMember
from tests.clinicians.helpers import PCP_ROW, SPECIALIST_ROW, roster_csv
from tests.factories import (
    make_anchor,
    make_attendance,
    make_clinician,
    make_event,
    make_group,
    make_site,
    make_specialist,
    make_specialty,
    make_table,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_import_roster_creates_clinicians_with_sites(catalogue):
    preview = parse_roster(name="r.csv", content=roster_csv(PCP_ROW, SPECIALIST_ROW))

    result = import_roster(preview=preview, actor=None, filename="r.csv")

    everyone = tuple(sorted(Clinician.objects.values_list("pk", flat=True)))
    assert result == ImportResult(created=2, updated=0, unchanged=0, clinician_ids=everyone)
    specialist = Clinician.objects.get(email="ben.okafor@example.org")
    assert (specialist.full_name, specialist.credentials, specialist.specialty) == (
        "Ben Okafor",
        "DO",
        catalogue["cardiology"],
    )
    assert set(specialist.sites.all()) == {catalogue["salem"], catalogue["quincy"]}


def test_import_roster_again_updates_instead_of_duplicating(catalogue):
    first = import_roster(
        preview=parse_roster(name="r.csv", content=roster_csv(PCP_ROW, SPECIALIST_ROW)),
        actor=None,
        filename="r.csv",
    )
    changed = list(SPECIALIST_ROW)
    changed[0], changed[3], changed[7] = "Benjamin", "BEN.OKAFOR@example.org", "Salem"
    preview = parse_roster(name="r.csv", content=roster_csv(PCP_ROW, changed))

    result = import_roster(preview=preview, actor=None, filename="r.csv")

    assert result == ImportResult(
        created=0, updated=1, unchanged=1, clinician_ids=first.clinician_ids
    )
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
        "roster.imported",
        "roster staff.csv",
        {"created": 2, "updated": 0},
    )


def test_import_roster_keeps_html_in_names_as_is(catalogue):
    row = list(PCP_ROW)
    row[1] = "<b>Lopez</b>"
    preview = parse_roster(name="r.csv", content=roster_csv(row))

    import_roster(preview=preview, actor=None, filename="r.csv")

    assert Clinician.objects.get().last_name == "<b>Lopez</b>"


def test_merge_clinicians_repoints_anchors_attendance_and_memberships():
    specialty = make_specialty()
    site_a, site_b = make_site(), make_site()
    keep = make_specialist(specialty=specialty, sites=[site_a])
    duplicate = make_specialist(specialty=specialty, sites=[site_a, site_b])
    past = make_event(name="Past")
    anchor = make_anchor(table=make_table(event=past, specialty=specialty), clinician=duplicate)
    attendance = make_attendance(event=past, clinician=duplicate)

    merge_clinicians(keep=keep, duplicate=duplicate, by=None)

    anchor.refresh_from_db()
    attendance.refresh_from_db()
    assert (anchor.clinician, attendance.clinician) == (keep, keep)
    assert set(keep.sites.all()) == {site_a, site_b}
    assert Clinician.objects.filter(pk=duplicate.pk).exists() is False


def test_merge_clinicians_keeps_the_kept_row_where_both_attended():
    keep, duplicate = make_clinician(), make_clinician()
    event = make_event()
    kept = make_attendance(event=event, clinician=keep, status=Attendance.Status.CHECKED_IN)
    make_attendance(event=event, clinician=duplicate)
    group = make_group(event=event, members=[keep])
    make_group(event=event, members=[duplicate])
    other_event = make_event()
    moved = make_group(event=other_event, members=[duplicate])

    merge_clinicians(keep=keep, duplicate=duplicate, by=None)

    assert list(Attendance.objects.values_list("pk", "clinician_id")) == [(kept.pk, keep.pk)]
    assert list(
        GroupMember.objects.order_by("group__event_id").values_list("group_id", "clinician_id")
    ) == [(group.pk, keep.pk), (moved.pk, keep.pk)]


def test_merge_clinicians_records_an_audit_entry():
    user = make_user()
    keep, duplicate = make_specialist(), make_specialist()
    make_attendance(clinician=duplicate)

    merge_clinicians(keep=keep, duplicate=duplicate, by=user)

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action) == (user, "clinicians.merged")
    assert entry.details == {
        "kept": keep.pk,
        "duplicate": duplicate.pk,
        "duplicate_name": duplicate.full_name,
        "duplicate_email": duplicate.email,
        "moved": {"events.Attendance": 1},
        "dropped": {},
        "duplicate_deleted": True,
    }


def test_merge_clinicians_refuses_the_same_clinician():
    clinician = make_clinician()

    with pytest.raises(ValidationError):
        merge_clinicians(keep=clinician, duplicate=clinician, by=None)


def test_retire_clinician_keeps_the_row():
    clinician = make_clinician()

    retire_clinician(clinician=clinician, by=None)

    clinician.refresh_from_db()
    assert clinician.is_active is False


def _anchor_of_published(**event_fields):
    specialty = make_specialty(name="Cardiology")
    event = make_event(name="North, spring", status="published", **event_fields)
    anchor = make_anchor(
        table=make_table(event=event, number=5, specialty=specialty),
        clinician=make_specialist(specialty=specialty, first_name="Ann", last_name="Lee"),
    )
    return event, anchor


def test_retire_clinician_refused_for_an_anchor_of_a_published_upcoming_event():
    event, anchor = _anchor_of_published()

    with pytest.raises(ValidationError) as error:
        retire_clinician(clinician=anchor.clinician, by=None)

    assert error.value.messages == [
        f"Ann Lee anchors table 5 (Cardiology) at North, spring on {event.date:%-d %B %Y} "
        "(published)."
    ]
    anchor.clinician.refresh_from_db()
    assert anchor.clinician.is_active is True
    assert list(AuditEntry.objects.values_list("action", "message")) == [
        (
            "clinician.retire_refused",
            f"Rounds tried to retire {anchor.clinician}; refused: {error.value.messages[0]}",
        )
    ]


def test_retire_clinician_refused_for_a_traveller_of_a_published_upcoming_event():
    event = make_event(name="North, spring", status="finished")
    clinician = make_clinician(first_name="Ida", last_name="Ives")
    make_group(event=event, name="IM Quincy", members=[clinician])

    with pytest.raises(ValidationError) as error:
        retire_clinician(clinician=clinician, by=None)

    assert error.value.messages == [
        f"Ida Ives travels in group IM Quincy at North, spring on {event.date:%-d %B %Y} "
        "(published)."
    ]


def test_retire_clinician_allowed_for_a_past_published_event():
    _, anchor = _anchor_of_published(date=datetime.date(2020, 1, 1))

    retire_clinician(clinician=anchor.clinician, by=None)

    anchor.clinician.refresh_from_db()
    assert anchor.clinician.is_active is False


def test_retire_clinician_allowed_once_marked_a_no_show():
    event, anchor = _anchor_of_published()
    make_attendance(event=event, clinician=anchor.clinician, status=Attendance.Status.NO_SHOW)

    retire_clinician(clinician=anchor.clinician, by=None)

    anchor.clinician.refresh_from_db()
    assert anchor.clinician.is_active is False


def test_retire_clinician_allowed_for_an_unpublished_event():
    event, anchor = _anchor_of_published()
    event.status = "scheduled"
    event.save()

    retire_clinician(clinician=anchor.clinician, by=None)

    anchor.clinician.refresh_from_db()
    assert anchor.clinician.is_active is False
