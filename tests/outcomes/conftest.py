import datetime
from types import SimpleNamespace

import pytest

from events.models import Attendance, Event
from rotations.services.ledger import record_event_connections
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
)
from tests.rotations.helpers import make_schedule

CHECKED_IN = Attendance.Status.CHECKED_IN


def days_ago(days: int) -> datetime.date:
    return datetime.date.today() - datetime.timedelta(days=days)


def finished_evening(*, region, date, tables, groups, statuses, rounds=2):
    """A finished event of ``region`` on ``date``: ``tables`` is [(specialty, anchor)],
    ``groups`` [(name, members)]; group i visits table (i + round) % len(tables) in each
    round; ``statuses`` {clinician: attendance status}. Its ledger is recorded."""
    event = make_event(region=region, date=date, rounds=rounds, status=Event.Status.FINISHED)
    made_tables = []
    for number, (specialty, anchor) in enumerate(tables, start=1):
        table = make_table(event=event, number=number, specialty=specialty)
        make_anchor(table=table, clinician=anchor)
        made_tables.append(table)
    made_groups = [make_group(event=event, name=name, members=members) for name, members in groups]
    visits = [
        (r, group, made_tables[(i + r) % len(made_tables)])
        for r in range(1, rounds + 1)
        for i, group in enumerate(made_groups)
    ]
    make_schedule(event, visits, published=True)
    for clinician, status in statuses.items():
        make_attendance(event=event, clinician=clinician, status=status)
    record_event_connections(event=event)
    return SimpleNamespace(event=event, tables=made_tables, groups=made_groups)


@pytest.fixture
def world(db):
    """North (site Quincy: Internal Medicine with Ann, Abe, Bea, Bob, Cal and a retired
    Dot; cardiologist Cara and neurologist Nora practise there) and South (site Hingham:
    Pediatrics with Pia).

    - "Winter" (North, 60 days ago): Ann's group at Cara's table, one round: both checked in.
    - "Spring" (North, 20 days ago): Ann, Abe, Bea, Bob, Cal travel together (Cal a no-show)
      to Cara's and Nora's tables, two rounds; everyone else checked in.
    - "South evening" (South, 10 days ago): Pia checked in (no table, no ledger).
    - "Old" (North, 400 days ago): Bea checked in; before the default period.
    """
    north, south = make_region(name="North"), make_region(name="South")
    quincy, hingham = (
        make_site(name="Quincy", region=north),
        make_site(name="Hingham", region=south),
    )
    im = make_department(name="Internal Medicine", site=quincy)
    peds = make_department(name="Pediatrics", site=hingham)
    cardiology, neurology = make_specialty(name="Cardiology"), make_specialty(name="Neurology")
    p = SimpleNamespace(
        ann=make_clinician(first_name="Ann", last_name="Lee", department=im),
        abe=make_clinician(first_name="Abe", last_name="Moss", department=im),
        bea=make_clinician(first_name="Bea", last_name="Ng", department=im),
        bob=make_clinician(first_name="Bob", last_name="Orr", department=im),
        cal=make_clinician(first_name="Cal", last_name="Poe", department=im),
        dot=make_clinician(first_name="Dot", last_name="Quin", department=im, is_active=False),
        pia=make_clinician(first_name="Pia", last_name="Ruiz", department=peds),
        cara=make_specialist(
            first_name="Cara", last_name="Stone", specialty=cardiology, sites=[quincy]
        ),
        nora=make_specialist(
            first_name="Nora", last_name="Tate", specialty=neurology, sites=[quincy]
        ),
    )
    winter = finished_evening(
        region=north,
        date=days_ago(60),
        tables=[(cardiology, p.cara)],
        groups=[("Winter IM", [p.ann])],
        statuses={p.ann: CHECKED_IN, p.cara: CHECKED_IN},
        rounds=1,
    )
    travellers = [p.ann, p.abe, p.bea, p.bob, p.cal]
    spring = finished_evening(
        region=north,
        date=days_ago(20),
        tables=[(cardiology, p.cara), (neurology, p.nora)],
        groups=[("Spring IM", travellers)],
        statuses={
            **{person: CHECKED_IN for person in travellers},
            p.cal: Attendance.Status.NO_SHOW,
            p.cara: CHECKED_IN,
            p.nora: CHECKED_IN,
        },
    )
    south_evening = make_event(
        region=south, date=days_ago(10), rounds=1, status=Event.Status.FINISHED
    )
    make_attendance(event=south_evening, clinician=p.pia, status=CHECKED_IN)
    old = make_event(region=north, date=days_ago(400), rounds=1, status=Event.Status.FINISHED)
    make_attendance(event=old, clinician=p.bea, status=CHECKED_IN)
    return SimpleNamespace(
        north=north,
        south=south,
        quincy=quincy,
        im=im,
        cardiology=cardiology,
        neurology=neurology,
        people=p,
        winter=winter,
        spring=spring,
        south_evening=south_evening,
        old=old,
    )


@pytest.fixture
def tracks(db):
    """One site with an adult, a pediatric and an all-ages department, and an adult
    (Cardiology), a pediatric (Neonatology) and an all-ages (Allergy) specialist. Internal
    Medicine met Cardiology at an evening 30 days ago; nobody else met anyone."""
    from clinicians.models import Track

    region = make_region(name="East")
    site = make_site(name="Milton", region=region)
    im = make_department(name="Internal Medicine", site=site, track=Track.ADULT)
    peds = make_department(name="Pediatrics", site=site, track=Track.PEDIATRIC)
    family = make_department(name="Family Medicine", site=site, track=Track.ALL_AGES)
    cardiology = make_specialty(name="Cardiology", track=Track.ADULT)
    neonatology = make_specialty(name="Neonatology", track=Track.PEDIATRIC)
    allergy = make_specialty(name="Allergy", track=Track.ALL_AGES)
    ida = make_clinician(first_name="Ida", last_name="Moss", department=im)
    make_clinician(first_name="Pat", last_name="Ng", department=peds)
    make_clinician(first_name="Fay", last_name="Orr", department=family)
    cara = make_specialist(first_name="Cara", last_name="Stone", specialty=cardiology, sites=[site])
    make_specialist(first_name="Neil", last_name="Tate", specialty=neonatology, sites=[site])
    make_specialist(first_name="Al", last_name="Underwood", specialty=allergy, sites=[site])
    finished_evening(
        region=region,
        date=days_ago(30),
        tables=[(cardiology, cara)],
        groups=[("IM", [ida])],
        statuses={ida: CHECKED_IN, cara: CHECKED_IN},
        rounds=1,
    )
    return SimpleNamespace(
        region=region, im=im, peds=peds, family=family,
        cardiology=cardiology, neonatology=neonatology, allergy=allergy,
    )  # fmt: skip


def answer(event, clinician, recommend, *, comment="", contacts=(), tables=()):
    from outcomes.models import SurveyAnswer

    attendance = Attendance.objects.get(event=event, clinician=clinician)
    row = SurveyAnswer.objects.create(attendance=attendance, recommend=recommend, comment=comment)
    row.contacts.set(contacts)
    row.useful_tables.set(tables)
    return row
