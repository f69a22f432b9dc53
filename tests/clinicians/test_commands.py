import datetime
import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from clinicians.models import Clinician, Department, Site, Specialty
from events.demo import DEMO_EVENT_NAME
from events.models import Anchor, Attendance, Event, GroupMember
from events.queries import track_allows
from rotations.services import build_problem
from rotations.solver import solve
from tests.clinicians.helpers import PCP_ROW, SPECIALIST_ROW, roster_csv

pytestmark = pytest.mark.django_db


def run(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_import_roster_command_writes_and_prints_counts(catalogue, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv(PCP_ROW, SPECIALIST_ROW))

    stdout, _ = run("import_roster", str(path))

    assert stdout == "Imported roster.csv: 2 created, 0 updated, 0 unchanged.\n"
    assert Clinician.objects.count() == 2


def test_import_roster_command_dry_run_writes_nothing(catalogue, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv(PCP_ROW))

    stdout, _ = run("import_roster", str(path), "--dry-run")

    assert stdout == (
        "row 2, ana.lopez@example.org: new\n"
        "Dry run: 1 new, 0 to update, 0 unchanged; nothing was written.\n"
    )
    assert Clinician.objects.count() == 0


def test_import_roster_command_invalid_file_prints_errors_and_exits_1(catalogue, tmp_path):
    bad = list(SPECIALIST_ROW)
    bad[5] = "Cardiolgy"
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv(PCP_ROW, PCP_ROW[:3] + ["x@example.org"] + PCP_ROW[4:], bad))
    stderr = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_roster", str(path), stderr=stderr)

    assert error.value.returncode == 1
    assert str(error.value) == "roster.csv: 1 error(s); nothing was imported."
    assert stderr.getvalue() == (
        'row 4, specialty: unknown specialty "Cardiolgy" (did you mean "Cardiology"?)\n'
    )
    assert Clinician.objects.count() == 0


def test_import_roster_command_missing_file_exits_1(db, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("import_roster", str(tmp_path / "nope.csv"))

    assert error.value.returncode == 1


def demo_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Site,
            Specialty,
            Department,
            Clinician,
            Event,
            Anchor,
            GroupMember,
            Attendance,
        )
    } | {"users": get_user_model().objects.count()}


def test_load_demo_twice_duplicates_nothing(db):
    run("load_demo")
    first = demo_counts()

    run("load_demo")

    assert demo_counts() == first
    # The demo event, the three evenings of the demo season and the finished past event.
    assert (first["Site"], first["Event"], first["users"]) == (30, 5, 2)
    assert first["Specialty"] >= 25
    assert 380 <= first["Clinician"] <= 440


def test_load_demo_event_is_shaped_like_the_original_program(db):
    run("load_demo")

    event = Event.objects.get(name=DEMO_EVENT_NAME)
    anchors = list(Anchor.objects.filter(event=event).select_related("clinician", "table"))
    members = list(GroupMember.objects.filter(event=event).select_related("clinician"))
    assert (event.status, event.rounds, event.round_minutes, event.transition_minutes) == (
        Event.Status.DRAFT,
        10,
        10,
        2,
    )
    assert event.date == datetime.date.today() + datetime.timedelta(days=21)
    assert event.tables.count() == 11
    assert len({table.specialty_id for table in event.tables.all()}) == 11
    assert 130 <= event.attendances.count() <= 150
    assert {a.clinician.role for a in anchors} == {Clinician.Role.SPECIALIST}
    assert all(a.clinician.specialty_id == a.table.specialty_id for a in anchors)
    assert any(a.absent_rounds == [1] for a in anchors)
    assert {m.clinician.role for m in members} == {Clinician.Role.PRIMARY_CARE}
    assert all(4 <= group.memberships.count() <= 8 for group in event.groups.all())
    assert event.attendances.count() == len(anchors) + len(members)


def test_load_demo_event_lets_every_group_visit_at_least_seven_tables(db):
    run("load_demo")

    event = Event.objects.get(name=DEMO_EVENT_NAME)
    table_tracks = [table.specialty.track for table in event.tables.select_related("specialty")]
    eligible = {
        group.name: sum(track_allows(group.track, track) for track in table_tracks)
        for group in event.groups.all()
    }

    assert {group.track for group in event.groups.all()} == {"adult", "pediatric", "all-ages"}
    assert min(eligible.values()) >= 7


def test_load_demo_event_schedule_has_every_group_at_a_table_seven_rounds_of_ten(db):
    run("load_demo")
    problem = build_problem(event=Event.objects.get(name=DEMO_EVENT_NAME))

    solution = solve(problem, time_limit_s=20, seed=0, num_workers=2)

    visits = Counter(visit.group for visit in solution.visits)
    assert min(visits[group.id] for group in problem.groups) >= 7


def test_load_demo_logins(db):
    Group.objects.get_or_create(name="Organizers")

    run("load_demo")

    admin = get_user_model().objects.get(username="admin")
    organizer = get_user_model().objects.get(username="organizer")
    assert (admin.is_superuser, admin.check_password("rounds-admin")) == (True, True)
    assert (organizer.is_staff, organizer.is_superuser) == (False, False)
    assert organizer.check_password("rounds-organizer") is True
    assert list(organizer.groups.values_list("name", flat=True)) == ["Organizers"]
