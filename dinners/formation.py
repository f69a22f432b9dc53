"""The one adapter between the dinners app and the pure group model
(``rotations.solver.dinners``): a season's sign-ups and the connection ledger in, a grouping
out. Nothing else in the app imports the solver package.

Met weights (how much having met before lowers a pair's value) come from the ledger: a dinner
together counts fully, an evening's table counts half; either fades with age, to a quarter
after three years or more. A pair keeps its strongest meeting."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from connections.models import Meeting
from rotations.solver.dinners import (
    DinnerProblem,
    Grouping,
    HostWish,
    Met,
    Person,
    form_groups,
)

from .models import DinnerSeason, SignUp

KIND_WEIGHT = {Meeting.Kind.DINNER: 1.0, Meeting.Kind.EVENING: 0.5}
FADE_YEARS = 4.0
FLOOR = 0.25
TIME_LIMIT_S = 25.0


def met_weight(*, kind: str, met_on: datetime.date, today: datetime.date) -> float:
    """How strongly one meeting counts: by kind, fading with age (never below ``FLOOR`` of
    the kind's weight)."""
    years = max(0.0, (today - met_on).days / 365.25)
    return round(KIND_WEIGHT.get(kind, 0.5) * max(FLOOR, 1 - years / FADE_YEARS), 3)


def met_pairs(
    clinician_ids: Sequence[int], *, today: datetime.date
) -> dict[tuple[int, int], float]:
    """(lower id, higher id) -> the strongest met weight among ``clinician_ids``, one query."""
    ids = list(clinician_ids)
    weights: dict[tuple[int, int], float] = {}
    rows = (
        Meeting.objects.filter(Q(clinician_a__in=ids) & Q(clinician_b__in=ids))
        .order_by()
        .values_list("clinician_a", "clinician_b", "kind", "date")
    )
    for a, b, kind, date in rows:
        pair = (a, b) if a < b else (b, a)
        weight = met_weight(kind=kind, met_on=date, today=today)
        if weight > weights.get(pair, 0.0):
            weights[pair] = weight
    return weights


@dataclass(frozen=True)
class Formation:
    problem: DinnerProblem
    grouping: Grouping


def build_problem(season: DinnerSeason, *, today: datetime.date) -> DinnerProblem:
    """The season's joined sign-ups as the model's people: region and site of their
    department (or their first practice site), department or specialty, the weekdays that
    suit, the sites they reach, whether they host; "not with" pairs among those who joined."""
    sign_ups = list(
        season.sign_ups.filter(status=SignUp.Status.JOINED)
        .select_related("clinician__department__site", "clinician__specialty")
        .prefetch_related("reach", "not_with", "clinician__sites")
        .order_by("clinician_id")
    )
    region_ids = set(season.regions.values_list("pk", flat=True))
    people = []
    joined = {s.clinician_id for s in sign_ups}
    not_with: set[tuple[str, str]] = set()
    for sign_up in sign_ups:
        clinician = sign_up.clinician
        sites = [clinician.department.site] if clinician.department_id else []
        sites += sorted(clinician.sites.all(), key=lambda site: site.pk)
        home = next((s for s in sites if s.region_id in region_ids), sites[0] if sites else None)
        reach = frozenset(str(site.pk) for site in sign_up.reach.all())
        people.append(
            Person(
                id=str(clinician.pk),
                region=str(home.region_id) if home else "",
                evenings=frozenset(sign_up.weekdays),
                site=str(home.pk) if home else "",
                department=str(clinician.department_id or ""),
                specialty=str(clinician.specialty_id or ""),
                reach=reach or None,
                host=HostWish(sign_up.host),
                name=clinician.full_name,
            )
        )
        for other in sign_up.not_with.all():
            if other.pk in joined and other.pk != clinician.pk:
                a, b = sorted((clinician.pk, other.pk))
                not_with.add((str(a), str(b)))
    met = tuple(
        Met(a=str(a), b=str(b), weight=weight)
        for (a, b), weight in sorted(met_pairs(sorted(joined), today=today).items())
    )
    return DinnerProblem(
        name=season.name,
        people=tuple(people),
        evenings=tuple(season.weekdays),
        met=met,
        not_with=tuple(sorted(not_with)),
        min_size=season.min_size,
        max_size=season.max_size,
    )


def form(
    season: DinnerSeason,
    *,
    today: datetime.date,
    time_limit_s: float = TIME_LIMIT_S,
    should_stop=None,
) -> Formation:
    """Form the season's groups (reads only; ``services.form_dinner_groups`` writes them)."""
    problem = build_problem(season, today=today)
    grouping = form_groups(problem, time_limit_s=time_limit_s, should_stop=should_stop)
    return Formation(problem=problem, grouping=grouping)
