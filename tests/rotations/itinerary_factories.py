"""Schedules and visits for the itinerary tests, and one small event with people to name."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from rotations.models import Schedule, Visit
from tests.factories import (
    make_anchor,
    make_attendance,
    make_clinician,
    make_department,
    make_event,
    make_group,
    make_site,
    make_specialist,
    make_specialty,
    make_table,
)


def make_schedule(*, event, published: bool = True, published_at=None, **fields) -> Schedule:
    fields.setdefault("version", event.schedules.count() + 1)
    if published and published_at is None:
        published_at = timezone.now()
    return Schedule.objects.create(
        event=event, is_published=published, published_at=published_at, **fields
    )


def make_visit(*, schedule, round, group, table) -> Visit:  # noqa: A002 (the model's name)
    return Visit.objects.create(schedule=schedule, round=round, group=group, table=table)


def republish(*, old: Schedule, published_at=None) -> Schedule:
    """What publishing a new version does to the old one: unpublished, published_at kept."""
    old.is_published = False
    old.save(update_fields=["is_published"])
    return make_schedule(event=old.event, published_at=published_at)


@dataclass
class SmallEvent:
    event: object
    cardiology: object
    dermatology: object
    endocrinology: object
    ann: object
    cara: object
    bob: object
    gus: object
    quincy: object
    braintree: object
    dana: object
    eli: object
    fay: object
    leader: object
    schedule: object

    def attendance(self, clinician):
        return self.event.attendances.get(clinician=clinician)


def make_small_event(*, published_at=None) -> SmallEvent:
    """Three rounds at 18:00, 18:12 and 18:24 (10 minutes, 2 between); three tables; two
    groups. Ann is away in round 3. Quincy IM: T1, T2, T3; Braintree FM: T2, T1, break."""
    event = make_event(
        name="Spring Rounds",
        date=datetime.date(2030, 5, 14),
        venue="Main Hall",
        start_time=datetime.time(18, 0),
        rounds=3,
        round_minutes=10,
        transition_minutes=2,
    )
    cardiology = make_table(
        event=event, number=1, specialty=make_specialty(name="Cardiology"), location="Hall A"
    )
    dermatology = make_table(
        event=event, number=2, specialty=make_specialty(name="Dermatology"), location="Hall B"
    )
    endocrinology = make_table(
        event=event, number=3, specialty=make_specialty(name="Endocrinology"), location=""
    )
    ann = make_specialist(first_name="Ann", last_name="Heart", specialty=cardiology.specialty)
    cara = make_specialist(first_name="Cara", last_name="Pulse", specialty=cardiology.specialty)
    bob = make_specialist(
        first_name="Bob", last_name="Skin", credentials="DO", specialty=dermatology.specialty
    )
    gus = make_specialist(first_name="Gus", last_name="Sugar", specialty=endocrinology.specialty)
    make_anchor(table=cardiology, clinician=ann, absent_rounds=[3])
    make_anchor(table=cardiology, clinician=cara)
    make_anchor(table=dermatology, clinician=bob)
    make_anchor(table=endocrinology, clinician=gus)
    quincy_site = make_site(name="Quincy")
    milton_site = make_site(name="Milton")
    dana = make_clinician(first_name="Dana", last_name="Able", sites=[quincy_site, milton_site])
    eli = make_clinician(first_name="Eli", last_name="Baker", credentials="NP", sites=[quincy_site])
    fay = make_clinician(
        first_name="Fay",
        last_name="Cole",
        credentials="PA-C",
        department=make_department(name="Family Medicine", site=make_site(name="Braintree")),
    )
    leader = make_clinician(first_name="Lee", last_name="Chief", role="leader")
    quincy = make_group(event=event, name="Quincy IM", members=[dana, eli])
    braintree = make_group(event=event, name="Braintree FM", members=[fay])
    for clinician in (ann, cara, bob, gus, dana, eli, fay, leader):
        make_attendance(event=event, clinician=clinician)
    schedule = make_schedule(event=event, published_at=published_at)
    for round_, group, table in [
        (1, quincy, cardiology),
        (2, quincy, dermatology),
        (3, quincy, endocrinology),
        (1, braintree, dermatology),
        (2, braintree, cardiology),
    ]:
        make_visit(schedule=schedule, round=round_, group=group, table=table)
    return SmallEvent(
        event=event,
        cardiology=cardiology,
        dermatology=dermatology,
        endocrinology=endocrinology,
        ann=ann,
        cara=cara,
        bob=bob,
        gus=gus,
        quincy=quincy,
        braintree=braintree,
        dana=dana,
        eli=eli,
        fay=fay,
        leader=leader,
        schedule=schedule,
    )


def make_large_event(*, groups: int, tables: int, rounds: int = 4, members: int = 3):
    """An event of any size with a published round-robin schedule: group g meets table
    (g + r) mod tables in round r. Returns (event, a traveller's attendance, an anchor's)."""
    event = make_event(rounds=rounds)
    specialty = make_specialty()
    table_rows = [make_table(event=event, number=n + 1, specialty=specialty) for n in range(tables)]
    anchors = [make_anchor(table=table) for table in table_rows]
    group_rows = [
        make_group(event=event, members=[make_clinician() for _ in range(members)])
        for _ in range(groups)
    ]
    schedule = make_schedule(event=event)
    for g, group in enumerate(group_rows):
        for r in range(rounds):
            make_visit(
                schedule=schedule, round=r + 1, group=group, table=table_rows[(g + r) % tables]
            )
    traveller = make_attendance(event=event, clinician=group_rows[0].members.first())
    anchor = make_attendance(event=event, clinician=anchors[0].clinician)
    return event, traveller, anchor
