import datetime
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from dinners import services
from tests.factories import make_clinician, make_department, make_region, make_site

BASE_URL = "https://rounds.example.org"


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def make_season(regions, **fields):
    values = {
        "name": "Spring dinners",
        "starts_on": datetime.date.today() + datetime.timedelta(days=14),
        "every_weeks": 2,
        "dinners_count": 4,
        "weekdays": ["tue", "wed"],
        "min_size": 3,
        "max_size": 4,
        "budget_per_person": Decimal("20.00"),
        "regions": regions,
        "sign_up_by": in_days(7),
        "by": None,
    }
    values.update(fields)
    return services.create_season(**values)


SEEDED = importlib.import_module("dinners.migrations.0002_seed_questions").QUESTIONS


@pytest.fixture(autouse=True)
def question_bank(db):
    """The dozen questions the data migration seeds (a transactional test elsewhere may have
    flushed them)."""
    from dinners.models import DinnerQuestion

    for topic, text in SEEDED:
        DinnerQuestion.objects.get_or_create(text=text, defaults={"topic": topic})


@pytest.fixture
def world(db):
    """North (sites Quincy and Milton) taking part, South (Hingham) not. Eight clinicians in
    North (four at Quincy, four at Milton), one retired at Quincy, two at Hingham; a season of
    four dinners every two weeks, groups of 3 to 4, on Tuesdays or Wednesdays."""
    north, south = make_region(name="North"), make_region(name="South")
    quincy = make_site(name="Quincy", region=north)
    milton = make_site(name="Milton", region=north)
    hingham = make_site(name="Hingham", region=south)
    im = make_department(name="Internal Medicine", site=quincy)
    fm = make_department(name="Family Medicine", site=milton)
    south_dept = make_department(name="Internal Medicine", site=hingham)
    north_people = [make_clinician(first_name=f"Q{i}", department=im) for i in range(4)] + [
        make_clinician(first_name=f"M{i}", department=fm) for i in range(4)
    ]
    retired = make_clinician(first_name="Retired", department=im, is_active=False)
    south_people = [make_clinician(department=south_dept) for _ in range(2)]
    season = make_season([north])
    return SimpleNamespace(
        north=north,
        south=south,
        quincy=quincy,
        milton=milton,
        hingham=hingham,
        north_people=north_people,
        retired=retired,
        south_people=south_people,
        season=season,
    )


def join_everyone(world, weekdays=("tue",)):
    from dinners.models import SignUp

    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    for sign_up in SignUp.objects.filter(season=world.season):
        services.sign_up(sign_up=sign_up, joining=True, weekdays=weekdays, host="yes")
