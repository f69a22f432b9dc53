"""Demo season: regional evenings over three of the demo's regions, with invitations and
replies in every state (yes, no, late or early, another evening, waiting list, no answer), and
the season planned from them, so that a newcomer sees the series at once. ``load_demo`` calls
``load_demo_series`` through ``SeriesConfig.load_demo`` (events may not import this app).

It needs the demo catalogue loaded first. The series is found by its name: loading again
leaves an existing demo season as it is. No email is sent.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from clinicians.demo import DEMO_SEED
from clinicians.models import Region, Site

from . import planning, services
from .models import Evening, Invitation, Series, SeriesPlan
from .queries import eligible_clinician_ids

DEMO_SERIES_NAME = "Regional evenings (demo)"
# (region, days from today, venue); each evening covers every site of its region.
DEMO_EVENINGS = (
    ("Boston", 35, "Back Bay Medical Library"),
    ("North Shore", 49, "Salem Harbor Conference Room"),
    ("South Shore", 63, "Quincy Community Hall"),
)
# How the invited answer, by share (the rest have not answered yet).
REPLY_SHARES = (
    (Invitation.Status.YES, 0.50),
    (Invitation.Status.NO, 0.10),
    (Invitation.Status.PARTIAL, 0.10),
    (Invitation.Status.OTHER_EVENING, 0.05),
)
# The first evening has a cap; this many of those who said yes beyond it wait for a place.
WAITING = 4


def load_demo_series(
    *, seed: int = DEMO_SEED, today: datetime.date | None = None, created_by=None
) -> tuple[Series, bool]:
    """Create the demo season in one transaction: three evenings (Boston, North Shore, South
    Shore), every eligible clinician invited and their replies drawn with ``seed``. Returns
    the series and whether it was created."""
    existing = Series.objects.filter(name=DEMO_SERIES_NAME).first()
    if existing is not None:
        return existing, False
    rng = random.Random(seed)
    today = today or datetime.date.today()
    now = timezone.now()
    with transaction.atomic():
        regions = {r.name: r for r in Region.objects.filter(name__in=[e[0] for e in DEMO_EVENINGS])}
        series = services.create_series(
            name=DEMO_SERIES_NAME,
            starts_on=today + datetime.timedelta(days=DEMO_EVENINGS[0][1]),
            ends_on=today + datetime.timedelta(days=DEMO_EVENINGS[-1][1]),
            regions=list(regions.values()),
            by=created_by,
        )
        evenings: list[Evening] = []
        for region_name, days, venue in DEMO_EVENINGS:
            region = regions[region_name]
            date = today + datetime.timedelta(days=days)
            evenings.append(
                services.add_evening(
                    series=series,
                    name=f"{region_name} evening (demo)",
                    date=date,
                    venue=venue,
                    start_time=datetime.time(18, 0),
                    region=region,
                    sites=list(Site.objects.filter(region=region)),
                    reply_by=timezone.make_aware(
                        datetime.datetime.combine(
                            date - datetime.timedelta(days=7), datetime.time(12)
                        )
                    ),
                    cap=None,
                    template=None,
                    by=created_by,
                )
            )
        invitations = []
        for number, evening in enumerate(evenings):
            for clinician_id in sorted(eligible_clinician_ids(evening)):
                invitation = Invitation(evening=evening, clinician_id=clinician_id, sent_at=now)
                draw = rng.random()
                for status, share in REPLY_SHARES:
                    if draw < share:
                        invitation.status = status
                        invitation.replied_at = now
                        break
                    draw -= share
                if invitation.status == Invitation.Status.PARTIAL:
                    invitation.arrives_at = datetime.time(18, 30)
                elif invitation.status == Invitation.Status.OTHER_EVENING:
                    invitation.moved_to = evenings[(number + 1) % len(evenings)]
                invitations.append(invitation)
        # The first evening is capped at those who said yes first; the last few yes-sayers
        # there wait for a place.
        first = [
            i for i in invitations if i.evening == evenings[0] and i.status == Invitation.Status.YES
        ]
        for invitation in first[-WAITING:]:
            invitation.status = Invitation.Status.WAITING
            invitation.waitlisted_at = now
        coming = sum(
            1 for i in invitations if i.evening == evenings[0] and i.status in Invitation.COMING
        )
        Evening.objects.filter(pk=evenings[0].pk).update(cap=coming)
        Invitation.objects.bulk_create(invitations)
        # The season planned from these replies (a fraction of a second), as "Plan the
        # season" would.
        series_plan = SeriesPlan.objects.create(
            series=series, status=SeriesPlan.Status.RUNNING, created_by=created_by
        )
        problem = planning.build_series_problem(series)
        plan = planning.plan_series(problem, time_limit_s=10, seed=seed)
        planning.write_plan(series_plan=series_plan, problem=problem, plan=plan)
    return series, True
