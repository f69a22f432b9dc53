"""Users and events for the organizer-page tests (events, rotations views, browser)."""

import datetime

from django.contrib.auth.models import Permission
from django.db.models import Q

from clinicians.models import Track
from events.models import Attendance
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
    make_user,
)


def make_organizer(**fields):
    """A user with every events.* and rotations.* permission and clinicians.view_*."""
    fields.setdefault("first_name", "Olive")
    fields.setdefault("last_name", "Organizer")
    user = make_user(**fields)
    user.user_permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label__in=["events", "rotations"])
            | Q(content_type__app_label="clinicians", codename__startswith="view_")
        )
    )
    return user


def make_ready_event(*, groups: int = 2, tables: int = 3, rounds: int = 4, **fields):
    """An event that can be solved: ``tables`` adult tables with an attending anchor each,
    ``groups`` adult groups of two attending primary-care clinicians."""
    region = make_region()
    site = make_site(region=region)
    event = make_event(rounds=rounds, region=region, **fields)
    for number in range(1, tables + 1):
        specialty = make_specialty(track=Track.ADULT)
        table = make_table(event=event, number=number, specialty=specialty)
        anchor = make_anchor(table=table, clinician=make_specialist(specialty=specialty))
        make_attendance(event=event, clinician=anchor.clinician, status=Attendance.Status.CONFIRMED)
    for index in range(groups):
        department = make_department(name=f"Internal Medicine {index}", site=site)
        members = [make_clinician(department=department) for _ in range(2)]
        for member in members:
            make_attendance(event=event, clinician=member)
        make_group(event=event, name=f"IM {index + 1}", department=department, members=members)
    return event


def past_date() -> datetime.date:
    return datetime.date.today() - datetime.timedelta(days=3)
