"""Small factory functions for tests: each makes one valid row, with overridable fields."""

import datetime
import itertools

from django.contrib.auth import get_user_model

from clinicians.models import Clinician, Department, Region, Site, Specialty, Track
from events.models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def make_user(**fields):
    number = _next()
    fields.setdefault("username", f"user{number}")
    password = fields.pop("password", "correct horse battery staple")
    user = get_user_model().objects.create_user(**fields)
    user.set_password(password)
    user.save()
    return user


def make_region(**fields) -> Region:
    fields.setdefault("name", f"Region {_next()}")
    return Region.objects.create(**fields)


def make_site(**fields) -> Site:
    fields.setdefault("name", f"Site {_next()}")
    if "region" not in fields:
        fields["region"] = make_region()
    return Site.objects.create(**fields)


def make_specialty(**fields) -> Specialty:
    fields.setdefault("name", f"Specialty {_next()}")
    fields.setdefault("track", Track.ADULT)
    return Specialty.objects.create(**fields)


def make_department(**fields) -> Department:
    fields.setdefault("name", "Internal Medicine")
    fields.setdefault("track", Track.ADULT)
    if "site" not in fields:
        fields["site"] = make_site()
    return Department.objects.create(**fields)


def make_clinician(**fields) -> Clinician:
    number = _next()
    fields.setdefault("first_name", "Alex")
    fields.setdefault("last_name", f"Doe{number}")
    fields.setdefault("credentials", "MD")
    fields.setdefault("email", f"clinician{number}@example.org")
    fields.setdefault("role", Clinician.Role.PRIMARY_CARE)
    sites = fields.pop("sites", [])
    if fields["role"] == Clinician.Role.PRIMARY_CARE and "department" not in fields:
        fields["department"] = make_department()
    if fields["role"] == Clinician.Role.SPECIALIST and "specialty" not in fields:
        fields["specialty"] = make_specialty()
    clinician = Clinician.objects.create(**fields)
    clinician.sites.set(sites)
    return clinician


def make_specialist(**fields) -> Clinician:
    return make_clinician(role=Clinician.Role.SPECIALIST, **fields)


def make_event(**fields) -> Event:
    fields.setdefault("name", f"Event {_next()}")
    fields.setdefault("date", datetime.date.today() + datetime.timedelta(days=30))
    fields.setdefault("venue", "Main Hall")
    fields.setdefault("start_time", datetime.time(18, 0))
    fields.setdefault("rounds", 4)
    return Event.objects.create(**fields)


def make_table(**fields) -> Table:
    if "event" not in fields:
        fields["event"] = make_event()
    if "number" not in fields:
        fields["number"] = fields["event"].tables.count() + 1
    if "specialty" not in fields:
        fields["specialty"] = make_specialty()
    return Table.objects.create(**fields)


def make_anchor(**fields) -> Anchor:
    if "table" not in fields:
        fields["table"] = make_table()
    if "clinician" not in fields:
        fields["clinician"] = make_specialist(specialty=fields["table"].specialty)
    return Anchor.objects.create(**fields)


def make_group(members=(), **fields) -> TravelGroup:
    if "event" not in fields:
        fields["event"] = make_event()
    fields.setdefault("name", f"Group {_next()}")
    fields.setdefault("track", Track.ADULT)
    group = TravelGroup.objects.create(**fields)
    for clinician in members:
        GroupMember.objects.create(group=group, clinician=clinician)
    return group


def make_attendance(**fields) -> Attendance:
    if "event" not in fields:
        fields["event"] = make_event()
    if "clinician" not in fields:
        fields["clinician"] = make_clinician()
    return Attendance.objects.create(**fields)


def publish_round_robin(event: Event, *, by=None):
    """A version of ``event`` in which group i (by pk) sits at table (i + round) of its
    tables (by number), capacity one, published through rotations' own service; returns it.
    Needs at least as many tables as groups and as rounds."""
    from rotations.models import Schedule, Visit
    from rotations.services.publishing import publish_schedule

    groups = list(event.groups.order_by("pk"))
    tables = list(event.tables.order_by("number"))
    version = Schedule.objects.filter(event=event).order_by("-version").first() or None
    schedule = Schedule.objects.create(event=event, version=(version.version + 1) if version else 1)
    Visit.objects.bulk_create(
        Visit(schedule=schedule, round=r, group=g, table=tables[(i + r) % len(tables)])
        for r in range(1, event.rounds + 1)
        for i, g in enumerate(groups)
    )
    return publish_schedule(schedule=schedule, by=by)
