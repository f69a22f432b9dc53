"""Schedules and visits for the itinerary tests, one small event with people to name, and one
shaped like the demo event for printing."""

import datetime
import itertools
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


# Names as long as the demo's (the printed pages must fit real names, not worst-case ones).
FIRST_NAMES = ("Alejandro", "Valentina", "Omar", "Elizabeth", "Wei", "Patrick", "Jacqueline")
LAST_NAMES = ("Fitzgerald", "MacDonald", "Hernandez", "Chowdhury", "Lopez", "Kim", "Oyelaran")
CREDENTIALS = ("MD", "DO", "MD, PhD", "NP")
SPECIALTIES = (
    "Allergy & Immunology", "Behavioral Health", "Cardiology", "Dermatology",
    "Developmental-Behavioral Pediatrics", "Endocrinology", "Gastroenterology", "Geriatrics",
    "Hematology", "Infectious Disease", "Nephrology", "Neurology", "Oncology",
    "Ophthalmology", "Orthopedics", "Otolaryngology", "Pediatric Cardiology",
    "Pediatric Endocrinology", "Pulmonology", "Rheumatology", "Sleep Medicine",
    "Sports Medicine", "Urology",
)  # fmt: skip
SITES = (
    "Andover", "Back Bay", "Beverly", "Braintree", "Charlestown", "Dorchester", "Falmouth",
    "Gloucester", "Hingham", "Hyannis", "Jamaica Plain", "Lawrence", "Lowell", "Lynn",
    "Natick", "Nantucket", "Newton", "Orleans", "Peabody", "Plymouth", "Quincy", "Salem",
    "Sandwich", "Somerville", "Waltham", "Wellesley", "Weymouth", "Woburn", "Worcester",
    "Chelmsford",
)  # fmt: skip


def _long_names():
    """Keyword arguments of clinicians with demo-like names, a different pair each time."""
    for n in itertools.count():
        yield {"first_name": FIRST_NAMES[n % 7], "last_name": LAST_NAMES[(n // 7) % 7]}


def _table_with_anchors(*, event, number: int, names) -> tuple:
    table = make_table(
        event=event,
        number=number,
        specialty=make_specialty(name=SPECIALTIES[number - 1]),
        location=f"Hall {'AB'[number % 2]}, table {number}",
    )
    anchors = [
        make_anchor(
            table=table,
            clinician=make_specialist(
                **next(names), credentials=CREDENTIALS[(number + n) % 4], specialty=table.specialty
            ),
        )
        for n in range(3)
    ]
    return table, anchors


def _group_of_six(*, event, number: int, names):
    return make_group(
        event=event,
        name=f"Internal Medicine, {SITES[number % 30]}"
        + (f" {number // 30 + 1}" if number >= 30 else ""),
        members=[make_clinician(**next(names), credentials="MD") for _ in range(6)],
    )


def make_demo_shaped_event(*, rounds: int = 10, tables: int = 11, anchors_attend: bool = True):
    """An event shaped like the demo (142 attendees: 11 tables of three anchors, 18 groups of
    six, a leader with no rounds; 10 rounds), with long names so that printed pages are as
    full as real ones. The groups form three families of six; family k's group i is at table
    (i + (k + 1) r) mod `tables` in round r, so no group sees a table twice and a table gets
    up to three groups a round; now and then a group has a break. Without `anchors_attend`
    only the travellers and the leader have an itinerary."""
    event = make_event(
        name="Primary Care Meets Specialty",
        venue="Hilltop Conference Center, Waltham",
        start_time=datetime.time(17, 30),
        rounds=rounds,
    )
    names = _long_names()
    table_rows, anchors = [], []
    for number in range(1, tables + 1):
        table, table_anchors = _table_with_anchors(event=event, number=number, names=names)
        table_rows.append(table)
        anchors += table_anchors
    groups = [_group_of_six(event=event, number=g, names=names) for g in range(18)]
    schedule = make_schedule(event=event)
    for r in range(rounds):
        for g, group in enumerate(groups):
            family, i = divmod(g, 6)
            if (g + r) % 7 == 6:
                continue  # a break
            table = table_rows[(i + 2 * family + (family + 1) * r) % tables]
            make_visit(schedule=schedule, round=r + 1, group=group, table=table)
    attendees = [member for group in groups for member in group.members.all()]
    if anchors_attend:
        attendees += [anchor.clinician for anchor in anchors]
    attendees.append(make_clinician(**next(names), role="leader"))
    for clinician in attendees:
        make_attendance(event=event, clinician=clinician)
    return event


def make_busy_table_event(*, rounds: int = 10):
    """One table of three anchors that three groups of six visit every round: the longest
    anchor itinerary and table sign. Only the anchors attend."""
    event = make_event(
        name="Primary Care Meets Specialty",
        venue="Hilltop Conference Center, Waltham",
        start_time=datetime.time(17, 30),
        rounds=rounds,
    )
    names = _long_names()
    table, anchors = _table_with_anchors(event=event, number=1, names=names)
    schedule = make_schedule(event=event)
    for r in range(rounds):
        for g in range(3 * r, 3 * r + 3):
            group = _group_of_six(event=event, number=g, names=names)
            make_visit(schedule=schedule, round=r + 1, group=group, table=table)
    for anchor in anchors:
        make_attendance(event=event, clinician=anchor.clinician)
    return event


def replan_with_no_shows(small: SmallEvent, *, no_shows, from_round: int, published_at=None):
    """What a re-plan on the day publishes: ``no_shows`` marked as such, and a new version
    re-planned from ``from_round`` with the same visits (the old version unpublished)."""
    from events.models import Attendance

    small.event.attendances.filter(clinician__in=no_shows).update(status=Attendance.Status.NO_SHOW)
    old = small.schedule
    old.is_published = False
    old.save(update_fields=["is_published"])
    new = make_schedule(event=small.event, published_at=published_at, replan_from_round=from_round)
    for visit in old.visits.all():
        make_visit(schedule=new, round=visit.round, group=visit.group, table=visit.table)
    return new
