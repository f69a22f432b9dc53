"""The demo's dinner season (``manage.py load_demo`` calls ``load_demo_dinners`` through the
app's ``load_demo`` hook): the Boston and South Shore clinicians signed up, groups formed,
and the first dinners of a few groups held, recorded and claimed. Idempotent: a season of
the demo's name already there is left as it is."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clinicians.models import Region
from connections.models import Meeting

from . import services
from .models import Dinner, DinnerSeason, SignUp
from .queries import eligible_clinicians

DEMO_SEASON_NAME = "Facilitated Dinners (demo)"
DEMO_REGIONS = ["Boston", "South Shore"]


def load_demo_dinners(*, seed: int, created_by=None) -> str:
    """Create the demo season; returns a line for the command's output."""
    existing = DinnerSeason.objects.filter(name=DEMO_SEASON_NAME).first()
    if existing is not None:
        return f"Dinners: {existing.name} already there, {existing.groups.count()} groups"
    regions = list(Region.objects.filter(name__in=DEMO_REGIONS))
    if not regions:
        return "Dinners: no demo regions, no season"
    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        season = DinnerSeason.objects.create(
            name=DEMO_SEASON_NAME,
            # Started three weeks ago: the first dinners are past, the next to come.
            starts_on=today - datetime.timedelta(days=today.weekday() + 21),
            every_weeks=2,
            dinners_count=12,
            weekdays=["tue", "wed", "thu"],
            sign_up_by=timezone.now() - datetime.timedelta(days=28),
            created_by=created_by,
        )
        season.regions.set(regions)
        people = list(eligible_clinicians(season).order_by("pk"))
        # Those who met colleagues at last autumn's evening (the outcomes demo's ledger) are
        # keener: half of them sign up, a third of the others. So some who sign up have met,
        # and the season's figure shows the groups keeping them apart where a random
        # grouping does not.
        met = {
            pk
            for pair in Meeting.objects.values_list("clinician_a", "clinician_b").distinct()
            for pk in pair
        }
        joined = [c for c in people if rng.random() < (0.5 if c.pk in met else 0.33)]
        sign_ups = SignUp.objects.bulk_create(
            SignUp(
                season=season,
                clinician=clinician,
                status=SignUp.Status.JOINED,
                weekdays=sorted(rng.sample(["tue", "wed", "thu"], k=rng.randint(1, 3))),
                host=rng.choice(SignUp.Host.values),
                replied_at=timezone.now() - datetime.timedelta(days=30),
            )
            for clinician in joined
        )
        SignUp.objects.bulk_create(
            SignUp(season=season, clinician=c, status=SignUp.Status.DECLINED)
            for c in people
            if c not in set(joined)
        )
        # One "not with" wish, as someone might ask about a colleague they supervise.
        if len(sign_ups) > 1:
            sign_ups[0].not_with.add(sign_ups[1].clinician)
    services.form_dinner_groups(season=season, by=created_by, time_limit_s=10)
    past = Dinner.objects.filter(group__season=season, date__lt=today).select_related("group")
    for dinner in past.order_by("date", "group__number")[:6]:
        members = list(dinner.seats.values_list("clinician_id", flat=True))
        came = [m for m in members if rng.random() < 0.85]
        services.record_dinner(
            dinner=dinner,
            coming=members,
            attended=came,
            receipt_amount=Decimal(rng.randint(14, 24) * len(came)).quantize(Decimal("0.01")),
        )
    season.refresh_from_db()
    return (
        f"Dinners: {season.name}, {len(sign_ups)} signed up, {season.groups.count()} groups; "
        f"{season.new_pairs} of {season.pairs} pairs are new colleagues (a random grouping: "
        f"{season.random_new_pairs} of {season.random_pairs})"
    )
