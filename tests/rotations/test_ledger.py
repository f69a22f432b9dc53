"""Who met whom at an evening (``rotations.services.ledger``), on hand-built schedules."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from clinicians.models import Clinician
from connections.models import Meeting
from events import services as event_services
from events.models import Attendance, Event
from rotations.services.ledger import (
    evening_meetings,
    rebuild_connections,
    record_event_connections,
)
from tests.factories import (
    make_anchor,
    make_attendance,
    make_clinician,
    make_event,
    make_group,
    make_specialist,
    make_specialty,
    make_table,
)
from tests.rotations.helpers import make_schedule


@pytest.fixture
def evening(db):
    """Three rounds, three tables: cardiology (Cara, absent in round 3, and Carl),
    dermatology (Dan), neurology (Nora); group A (Ann, Abe) and group B (Bea)."""
    event = make_event(name="Spring", rounds=3, date=datetime.date(2026, 4, 1))
    cardiology, dermatology, neurology = (
        make_specialty(name=name) for name in ("Cardiology", "Dermatology", "Neurology")
    )
    t1 = make_table(event=event, number=1, specialty=cardiology)
    t2 = make_table(event=event, number=2, specialty=dermatology)
    t3 = make_table(event=event, number=3, specialty=neurology)
    people = SimpleNamespace(
        cara=make_specialist(last_name="Cara", specialty=cardiology),
        carl=make_specialist(last_name="Carl", specialty=cardiology),
        dan=make_specialist(last_name="Dan", specialty=dermatology),
        nora=make_specialist(last_name="Nora", specialty=neurology),
        ann=make_clinician(last_name="Ann"),
        abe=make_clinician(last_name="Abe"),
        bea=make_clinician(last_name="Bea"),
    )
    make_anchor(table=t1, clinician=people.cara, absent_rounds=[3])
    make_anchor(table=t1, clinician=people.carl)
    make_anchor(table=t2, clinician=people.dan)
    make_anchor(table=t3, clinician=people.nora)
    a = make_group(event=event, name="A", members=[people.ann, people.abe])
    b = make_group(event=event, name="B", members=[people.bea])
    for clinician in vars(people).values():
        make_attendance(event=event, clinician=clinician, status=Attendance.Status.CONFIRMED)
    visits = [(1, a, t1), (1, b, t2), (2, a, t2), (2, b, t3), (3, a, t3), (3, b, t1)]
    return SimpleNamespace(event=event, t1=t1, t2=t2, t3=t3, a=a, b=b, people=people, visits=visits)


def _named(meetings):
    names = dict(Clinician.objects.values_list("pk", "last_name"))
    return sorted((names[t], names[a], r) for t, a, r in meetings)


def _status(event, clinician, status):
    Attendance.objects.filter(event=event, clinician=clinician).update(status=status)


def _ledger(event=None):
    rows = Meeting.objects.select_related("clinician_a", "clinician_b")
    if event is not None:
        rows = rows.filter(kind=Meeting.Kind.EVENING, gathering=event.pk)
    return sorted(
        (
            tuple(sorted((row.clinician_a.last_name, row.clinician_b.last_name))),
            row.round,
            row.first,
        )
        for row in rows
    )


def test_evening_meetings_pair_travellers_with_the_anchors_there_that_round(evening):
    make_schedule(evening.event, evening.visits, published=True)

    meetings = evening_meetings(event=evening.event)

    assert _named(meetings) == sorted(
        [
            ("Ann", "Cara", 1),
            ("Ann", "Carl", 1),
            ("Abe", "Cara", 1),
            ("Abe", "Carl", 1),
            ("Bea", "Dan", 1),
            ("Ann", "Dan", 2),
            ("Abe", "Dan", 2),
            ("Bea", "Nora", 2),
            ("Ann", "Nora", 3),
            ("Abe", "Nora", 3),
            # Cara is absent in round 3: Bea meets only Carl.
            ("Bea", "Carl", 3),
        ]
    )


def test_evening_meetings_leave_out_no_shows(evening):
    make_schedule(evening.event, evening.visits, published=True)
    _status(evening.event, evening.people.abe, Attendance.Status.NO_SHOW)
    _status(evening.event, evening.people.nora, Attendance.Status.NO_SHOW)

    meetings = evening_meetings(event=evening.event)

    assert _named(meetings) == sorted(
        [
            ("Ann", "Cara", 1),
            ("Ann", "Carl", 1),
            ("Bea", "Dan", 1),
            ("Ann", "Dan", 2),
            ("Bea", "Carl", 3),
        ]
    )


def test_evening_meetings_count_only_those_checked_in_once_check_in_was_used(evening):
    make_schedule(evening.event, evening.visits, published=True)
    for person in ("ann", "bea", "cara", "dan"):
        _status(evening.event, getattr(evening.people, person), Attendance.Status.CHECKED_IN)

    meetings = evening_meetings(event=evening.event)

    assert _named(meetings) == sorted([("Ann", "Cara", 1), ("Bea", "Dan", 1), ("Ann", "Dan", 2)])


def test_evening_meetings_read_the_version_published_at_the_end(evening):
    first = make_schedule(evening.event, evening.visits)
    first.published_at = datetime.datetime(2026, 3, 30, tzinfo=datetime.UTC)
    first.save()
    # Re-planned from round 2 on the day: round 1 as it happened, B stays at table 2 no more.
    make_schedule(
        evening.event,
        [(1, evening.a, evening.t1), (1, evening.b, evening.t2), (2, evening.b, evening.t1)],
        published=True,
    )

    meetings = evening_meetings(event=evening.event)

    assert _named(meetings) == sorted(
        [
            ("Ann", "Cara", 1),
            ("Ann", "Carl", 1),
            ("Abe", "Cara", 1),
            ("Abe", "Carl", 1),
            ("Bea", "Dan", 1),
            ("Bea", "Cara", 2),
            ("Bea", "Carl", 2),
        ]
    )


def test_evening_meetings_without_a_published_version_are_none(evening):
    make_schedule(evening.event, evening.visits)

    assert evening_meetings(event=evening.event) == []


def test_finishing_an_event_records_its_meetings_first_or_again(evening):
    earlier = make_event(name="Last autumn", rounds=1, date=datetime.date(2025, 10, 1))
    table = make_table(event=earlier, specialty=evening.t1.specialty)
    make_anchor(table=table, clinician=evening.people.cara)
    group = make_group(event=earlier, members=[evening.people.ann])
    make_schedule(earlier, [(1, group, table)], published=True)
    Event.objects.filter(pk=earlier.pk).update(status=Event.Status.PUBLISHED)
    event_services.finish_past_events(today=datetime.date(2025, 10, 2))
    make_schedule(evening.event, evening.visits[:2], published=True)
    Event.objects.filter(pk=evening.event.pk).update(status=Event.Status.PUBLISHED)

    event_services.finish_event(event=evening.event, by=None)

    assert (_ledger(earlier), _ledger(evening.event)) == (
        [(("Ann", "Cara"), 1, True)],
        [
            (("Abe", "Cara"), 1, True),
            (("Abe", "Carl"), 1, True),
            (("Ann", "Cara"), 1, False),
            (("Ann", "Carl"), 1, True),
            (("Bea", "Dan"), 1, True),
        ],
    )


def test_record_event_connections_again_changes_nothing(evening):
    make_schedule(evening.event, evening.visits, published=True)
    Event.objects.filter(pk=evening.event.pk).update(status=Event.Status.FINISHED)
    evening.event.refresh_from_db()
    record_event_connections(event=evening.event)
    before = list(
        Meeting.objects.values_list(
            "gathering", "clinician_a", "clinician_b", "round", "first", "date"
        )
    )

    count = record_event_connections(event=evening.event)

    after = list(
        Meeting.objects.values_list(
            "gathering", "clinician_a", "clinician_b", "round", "first", "date"
        )
    )
    assert (count, sorted(after)) == (11, sorted(before))


def test_record_event_connections_after_a_corrected_check_in_replaces_the_rows(evening):
    make_schedule(evening.event, evening.visits, published=True)
    Event.objects.filter(pk=evening.event.pk).update(status=Event.Status.FINISHED)
    evening.event.refresh_from_db()
    record_event_connections(event=evening.event)
    _status(evening.event, evening.people.ann, Attendance.Status.NO_SHOW)
    _status(evening.event, evening.people.abe, Attendance.Status.NO_SHOW)

    record_event_connections(event=evening.event)

    assert _ledger(evening.event) == [
        (("Bea", "Carl"), 3, True),
        (("Bea", "Dan"), 1, True),
        (("Bea", "Nora"), 2, True),
    ]


def test_rebuild_connections_records_every_finished_event_and_drops_the_others(evening):
    make_schedule(evening.event, evening.visits, published=True)
    Event.objects.filter(pk=evening.event.pk).update(status=Event.Status.FINISHED)
    gone = make_event(name="Not finished")
    Meeting.objects.create(
        kind=Meeting.Kind.EVENING,
        gathering=gone.pk,
        date=gone.date,
        clinician_a=evening.people.ann,
        clinician_b=evening.people.dan,
        first=True,
    )

    result = rebuild_connections()

    assert (result, Meeting.objects.exclude(gathering=evening.event.pk).count()) == ((1, 11), 0)


def test_rebuild_connections_command_says_what_it_recorded(evening, capsys):
    make_schedule(evening.event, evening.visits, published=True)
    Event.objects.filter(pk=evening.event.pk).update(status=Event.Status.FINISHED)

    call_command("rebuild_connections")

    assert capsys.readouterr().out == "Recorded 11 meetings at 1 finished event.\n"
