import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from clinicians.models import Clinician, Track
from series import services
from tests.factories import (
    make_clinician,
    make_department,
    make_region,
    make_site,
    make_specialist,
    make_specialty,
    make_user,
)

BASE_URL = "https://rounds.example.org"


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


@pytest.fixture
def world(db):
    """Two regions: North (sites Quincy and Milton) and South (site Hingham). Primary care:
    two in Internal Medicine at Quincy, one in Pediatrics at Milton, one at Hingham, one
    retired at Quincy. Specialists: a cardiologist at Quincy and Hingham, a neonatologist at
    Milton, a dermatologist at Hingham only. A leader at Quincy. A series with a North evening
    (Quincy and Milton) and a South evening (Hingham), replies open for ten days."""
    north, south = make_region(name="North"), make_region(name="South")
    quincy = make_site(name="Quincy", region=north)
    milton = make_site(name="Milton", region=north)
    hingham = make_site(name="Hingham", region=south)
    im_quincy = make_department(name="Internal Medicine", site=quincy, track=Track.ADULT)
    peds_milton = make_department(name="Pediatrics", site=milton, track=Track.PEDIATRIC)
    im_hingham = make_department(name="Internal Medicine", site=hingham, track=Track.ADULT)
    cardiology = make_specialty(name="Cardiology", track=Track.ADULT)
    neonatology = make_specialty(name="Neonatology", track=Track.PEDIATRIC)
    dermatology = make_specialty(name="Dermatology", track=Track.ALL_AGES)
    ns = SimpleNamespace(
        north=north,
        south=south,
        quincy=quincy,
        milton=milton,
        hingham=hingham,
        cardiology=cardiology,
        neonatology=neonatology,
        dermatology=dermatology,
        ann=make_clinician(first_name="Ann", last_name="Adams", department=im_quincy),
        bob=make_clinician(first_name="Bob", last_name="Brown", department=im_quincy),
        cat=make_clinician(first_name="Cat", last_name="Clark", department=peds_milton),
        dan=make_clinician(first_name="Dan", last_name="Dunn", department=im_hingham),
        retired=make_clinician(last_name="Gone", department=im_quincy, is_active=False),
        leader=make_clinician(last_name="Lead", role=Clinician.Role.LEADER, sites=[quincy]),
        heart=make_specialist(last_name="Heart", specialty=cardiology, sites=[quincy, hingham]),
        baby=make_specialist(last_name="Baby", specialty=neonatology, sites=[milton]),
        skin=make_specialist(last_name="Skin", specialty=dermatology, sites=[hingham]),
        user=make_user(username="olive", first_name="Olive", last_name="Organizer"),
    )
    ns.series = services.create_series(
        name="Regional evenings",
        starts_on=datetime.date.today(),
        ends_on=datetime.date.today() + datetime.timedelta(days=120),
        regions=[north, south],
        by=ns.user,
    )
    ns.north_evening = services.add_evening(
        series=ns.series,
        name="North evening",
        date=datetime.date.today() + datetime.timedelta(days=30),
        venue="Quincy Hall",
        start_time=datetime.time(18, 0),
        region=north,
        sites=[quincy, milton],
        reply_by=in_days(10),
        cap=None,
        template=None,
        by=ns.user,
    )
    ns.south_evening = services.add_evening(
        series=ns.series,
        name="South evening",
        date=datetime.date.today() + datetime.timedelta(days=40),
        venue="Hingham Hall",
        start_time=datetime.time(18, 0),
        region=south,
        sites=[hingham],
        reply_by=in_days(20),
        cap=None,
        template=None,
        by=ns.user,
    )
    return ns


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """invite(evening) sends its invitations (the emails go at once) and returns them by
    clinician."""

    def _invite(evening, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            services.send_invitations(evening=evening, base_url=BASE_URL, by=by)
        return {i.clinician: i for i in evening.invitations.select_related("clinician")}

    return _invite


@pytest.fixture
def answer(django_capture_on_commit_callbacks):
    """answer(invitation, "yes", ...) replies with emails sent at once; returns the
    invitation shown next, fresh from the database."""

    def _answer(invitation, answer_, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            shown = services.reply(
                invitation=invitation, answer=answer_, base_url=BASE_URL, **kwargs
            )
        shown.refresh_from_db()
        return shown

    return _answer
