"""Demo event, shaped like the original program: about 140 clinicians, 11 anchored specialty
tables, primary-care department groups of 4 to 8, ten rounds of ten minutes.

It needs the demo catalogue (`clinicians.demo.load_demo_catalogue`) loaded first. The event
is found by its name: loading again leaves an existing demo event as it is.
"""

import datetime
import random

from django.db import transaction
from django.db.models import Count, Q

from clinicians.demo import DEMO_SEED
from clinicians.models import Clinician, Department

from .models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup

DEMO_EVENT_NAME = "Primary Care Meets Specialty (demo)"
DEMO_VENUE = "Hilltop Conference Center, Waltham"
# Enough tables of each track that every group has about seven of the ten rounds at a
# table: adult groups may visit the adult and all-ages tables (8), pediatric groups the
# pediatric and all-ages tables (7), family medicine every table.
TABLE_SPECIALTIES = (
    "Cardiology",
    "Gastroenterology",
    "Endocrinology",
    "Pulmonology",
    "Pediatric Cardiology",
    "Developmental-Behavioral Pediatrics",
    "Pediatric Endocrinology",
    "Allergy & Immunology",
    "Behavioral Health",
    "Otolaryngology (ENT)",
    "Ophthalmology",
)
TARGET_ATTENDEES = 140
GROUP_MIN, GROUP_MAX = 4, 8


def load_demo_event(
    *, seed: int = DEMO_SEED, today: datetime.date | None = None, created_by=None
) -> tuple[Event, bool]:
    """Create the demo event (draft, three weeks from `today`) with its tables, anchors,
    travelling groups and everyone's attendance, in one transaction. Returns the event and
    whether it was created; an event of the same name already there is returned untouched."""
    existing = Event.objects.filter(name=DEMO_EVENT_NAME).first()
    if existing is not None:
        return existing, False
    rng = random.Random(seed)
    today = today or datetime.date.today()

    with transaction.atomic():
        event = Event.objects.create(
            name=DEMO_EVENT_NAME,
            date=today + datetime.timedelta(days=21),
            venue=DEMO_VENUE,
            start_time=datetime.time(17, 30),
            rounds=10,
            round_minutes=10,
            transition_minutes=2,
            status=Event.Status.DRAFT,
            created_by=created_by,
        )

        specialists: dict[int, list[Clinician]] = {}
        for clinician in (
            Clinician.objects.active()
            .specialists()
            .filter(specialty__name__in=TABLE_SPECIALTIES)
            .select_related("specialty")
            .order_by("email")
        ):
            specialists.setdefault(clinician.specialty_id, []).append(clinician)
        specialties = {
            clinicians[0].specialty.name: clinicians[0].specialty
            for clinicians in specialists.values()
        }

        tables, anchors = [], []
        late_tables = set(rng.sample([3, 5, 8, 9], k=2))
        for number, name in enumerate(TABLE_SPECIALTIES, start=1):
            specialty = specialties[name]
            pool = specialists[specialty.pk]
            wanted = rng.randint(2, 3) if number in late_tables else rng.randint(1, 3)
            chosen = rng.sample(pool, k=min(wanted, len(pool)))
            table = Table(
                event=event,
                number=number,
                specialty=specialty,
                capacity=2 if len(chosen) == 1 else 3,
                location=f"Hall {'AB'[number > 6]}, table {number}",
            )
            tables.append(table)
            for position, clinician in enumerate(chosen):
                # A few anchors arrive after the first round; their table is never left empty.
                late = number in late_tables and position == 1
                anchors.append(
                    Anchor(
                        event=event,
                        table=table,
                        clinician=clinician,
                        absent_rounds=[1] if late else [],
                    )
                )
        Table.objects.bulk_create(tables)
        Anchor.objects.bulk_create(anchors)

        departments = list(
            Department.objects.select_related("site")
            .annotate(
                active=Count(
                    "clinicians",
                    filter=Q(
                        clinicians__is_active=True,
                        clinicians__role=Clinician.Role.PRIMARY_CARE,
                    ),
                )
            )
            .filter(active__gte=GROUP_MIN)
            .order_by("site__name", "name")
        )
        rng.shuffle(departments)
        members_by_department: dict[int, list[Clinician]] = {}
        for clinician in (
            Clinician.objects.active()
            .primary_care()
            .filter(department__in=departments)
            .order_by("email")
        ):
            members_by_department.setdefault(clinician.department_id, []).append(clinician)

        groups, memberships = [], []
        attendees = len(anchors)
        for department in departments:
            if attendees >= TARGET_ATTENDEES:
                break
            members = members_by_department[department.pk][:GROUP_MAX]
            group = TravelGroup(
                event=event,
                name=f"{department.name}, {department.site.name}",
                department=department,
                track=department.track,
            )
            groups.append(group)
            memberships += [GroupMember(event=event, group=group, clinician=m) for m in members]
            attendees += len(members)
        TravelGroup.objects.bulk_create(groups)
        GroupMember.objects.bulk_create(memberships)

        people = [anchor.clinician for anchor in anchors] + [m.clinician for m in memberships]
        Attendance.objects.bulk_create(
            [
                Attendance(
                    event=event,
                    clinician=clinician,
                    status=Attendance.Status.CONFIRMED
                    if rng.random() < 0.8
                    else Attendance.Status.INVITED,
                )
                for clinician in people
            ]
        )
    return event, True
