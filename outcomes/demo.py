"""The demo's past evening, so that the outcomes page shows real charts on a fresh install:
a finished event ten days ago with its published schedule, check-ins (a few no-shows), its
connection ledger and survey answers. It needs the demo catalogue loaded first
(``clinicians.demo.load_demo_catalogue``); it is found by its name, so loading again leaves
it as it is.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from clinicians.demo import DEMO_SEED
from clinicians.models import Clinician, Department, Track, track_allows
from events.demo import DEMO_VENUE
from events.models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup
from rotations.models import Schedule, Visit
from rotations.services.ledger import record_event_connections

from .models import SurveyAnswer
from .survey import met_at

PAST_EVENT_NAME = "Primary Care Meets Specialty, autumn (demo)"
PAST_SPECIALTIES = (
    "Cardiology",
    "Gastroenterology",
    "Endocrinology",
    "Pulmonology",
    "Behavioral Health",
    "Ophthalmology",
)
GROUPS, GROUP_SIZE, DAYS_AGO = 6, 6, 10
SCORES = (10, 10, 10, 9, 9, 9, 9, 8, 8, 7, 6, 5)
COMMENTS = (
    "Meeting the cardiologists in person makes a referral call much easier.",
    "Ten minutes is short: fifteen at the first table?",
    "Please invite the pediatric subspecialties next time.",
    "Useful. I now know whom to ask about insulin pumps.",
)


def load_demo_past_event(
    *, seed: int = DEMO_SEED, today: datetime.date | None = None, created_by=None
) -> tuple[Event, bool]:
    """Create the demo's finished past event, its published schedule (each group visits the
    tables its track allows, round robin), check-ins, ledger and survey answers, in one
    transaction. Returns the event and whether it was created."""
    existing = Event.objects.filter(name=PAST_EVENT_NAME).first()
    if existing is not None:
        return existing, False
    rng = random.Random(seed + 13)
    today = today or datetime.date.today()
    with transaction.atomic():
        event = Event.objects.create(
            name=PAST_EVENT_NAME,
            date=today - datetime.timedelta(days=DAYS_AGO),
            venue=DEMO_VENUE,
            start_time=datetime.time(17, 30),
            rounds=len(PAST_SPECIALTIES),
            status=Event.Status.FINISHED,
            created_by=created_by,
        )
        tables, anchors = [], []
        for number, name in enumerate(PAST_SPECIALTIES, start=1):
            specialist = (
                Clinician.objects.active()
                .specialists()
                .filter(specialty__name=name)
                .select_related("specialty")
                .order_by("email")
                .first()
            )
            if specialist is None:
                continue
            table = Table.objects.create(
                event=event, number=number, specialty=specialist.specialty, capacity=1
            )
            tables.append(table)
            anchors.append(Anchor.objects.create(event=event, table=table, clinician=specialist))
        departments = list(
            Department.objects.filter(track__in=[Track.ADULT, Track.ALL_AGES])
            .annotate(
                active=Count(
                    "clinicians",
                    filter=Q(clinicians__is_active=True, clinicians__role="primary-care"),
                )
            )
            .filter(active__gte=4)
            .select_related("site")
            .order_by("site__name", "name")[:GROUPS]
        )
        groups, members = [], []
        for department in departments:
            group = TravelGroup.objects.create(
                event=event,
                name=f"{department.name}, {department.site.name}",
                department=department,
                track=department.track,
            )
            groups.append(group)
            for clinician in (
                Clinician.objects.active()
                .primary_care()
                .filter(department=department)
                .order_by("email")[:GROUP_SIZE]
            ):
                members.append(GroupMember(event=event, group=group, clinician=clinician))
        GroupMember.objects.bulk_create(members)
        schedule = Schedule.objects.create(
            event=event,
            version=1,
            is_published=True,
            published_at=timezone.now(),
            published_by=created_by,
            note="Demo: the evening as it happened.",
        )
        Visit.objects.bulk_create(
            Visit(schedule=schedule, round=r, group=group, table=table)
            for r in range(1, event.rounds + 1)
            for i, group in enumerate(groups)
            for table in [tables[(i + r) % len(tables)]]
            if track_allows(group.track, table.specialty.track)
        )
        people = [a.clinician for a in anchors] + [m.clinician for m in members]
        arrived = timezone.make_aware(datetime.datetime.combine(event.date, event.start_time))
        attendances = Attendance.objects.bulk_create(
            Attendance(
                event=event,
                clinician=clinician,
                status=Attendance.Status.CHECKED_IN
                if index < len(anchors) or rng.random() < 0.9
                else Attendance.Status.NO_SHOW,
                checked_in_at=arrived,
            )
            for index, clinician in enumerate(people)
        )
        for attendance in attendances:
            if attendance.status == Attendance.Status.NO_SHOW:
                attendance.checked_in_at = None
        Attendance.objects.bulk_update(attendances, ["checked_in_at"])
        record_event_connections(event=event)
        _answers(event, rng)
    return event, True


def _answers(event: Event, rng: random.Random) -> None:
    visited: dict[int, list[int]] = {}
    for group_id, table_id in Visit.objects.filter(schedule__event=event).values_list(
        "group_id", "table_id"
    ):
        visited.setdefault(group_id, []).append(table_id)
    group_of = dict(GroupMember.objects.filter(event=event).values_list("clinician_id", "group_id"))
    attendances = Attendance.objects.filter(
        event=event, status=Attendance.Status.CHECKED_IN
    ).select_related("clinician", "event")
    for attendance in attendances.order_by("pk"):
        if rng.random() > 0.6:
            continue
        answer = SurveyAnswer.objects.create(
            attendance=attendance,
            recommend=rng.choice(SCORES),
            comment=rng.choice(COMMENTS) if rng.random() < 0.3 else "",
        )
        met = met_at(attendance)
        answer.contacts.set(rng.sample(met, k=min(len(met), rng.randint(0, 2))))
        tables = sorted(set(visited.get(group_of.get(attendance.clinician_id), [])))
        answer.useful_tables.set(rng.sample(tables, k=min(len(tables), rng.randint(0, 2))))
