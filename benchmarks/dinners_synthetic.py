"""Synthetic dinner seasons for the group-formation benchmark and tests (``dinner_season``).

Sign-ups like a health system's: regions of about 500 people over five sites each; each
person at one site, in one of eight departments (a specialty within it), suited by one to three
of four weekday evenings (Tuesday and Thursday most often), a third volunteering to host and a
fifth declining, a third naming the few sites they can reach (their own and its neighbours).
The connection ledger: colleagues at one site have often met at an evening (a pair in three,
weight 0.3-1.0), across sites rarely; ``last_season`` of the people were in last season's
dinner groups of seven (weight 1.0). One person in two hundred asks not to be grouped with a
colleague at their site.
"""

from __future__ import annotations

import random

from rotations.solver.dinners.problem import DinnerProblem, HostWish, Met, Person

EVENINGS = ("mon", "tue", "wed", "thu")
# Weekday evenings and how often each suits someone.
EVENING_WEIGHTS = (2, 4, 3, 4)
DEPARTMENTS = {
    "Internal Medicine": ("General", "Hospital Medicine", "Geriatrics"),
    "Family Medicine": ("General", "Sports Medicine"),
    "Pediatrics": ("General", "Neonatology"),
    "Surgery": ("General Surgery", "Orthopedics", "Urology"),
    "Cardiology": ("General", "Electrophysiology"),
    "Psychiatry": ("Adult", "Child"),
    "Emergency Medicine": ("General",),
    "Obstetrics and Gynecology": ("General",),
}
DEPARTMENT_WEIGHTS = (5, 4, 3, 3, 2, 2, 2, 2)


def dinner_season(
    seed: int = 0,
    *,
    people: int = 3_000,
    region_size: int = 500,
    sites_per_region: int = 4,
    met_at_site: float = 0.6,
    met_across: float = 0.03,
    last_season: float = 0.6,
    min_size: int = 6,
    max_size: int = 8,
) -> DinnerProblem:
    """A season of ``people`` sign-ups drawn from ``seed`` (see the module)."""
    rng = random.Random(seed)
    regions = max(1, round(people / region_size))
    names = list(DEPARTMENTS)
    signups: list[Person] = []
    for i in range(people):
        region = i * regions // people
        site = rng.randrange(sites_per_region)
        department = rng.choices(names, DEPARTMENT_WEIGHTS)[0]
        evenings = set(rng.choices(EVENINGS, EVENING_WEIGHTS, k=rng.choice((1, 2, 2, 3))))
        reach = None
        if rng.random() < 1 / 3:
            reach = frozenset(
                f"R{region}S{s}" for s in (site - 1, site, site + 1) if 0 <= s < sites_per_region
            )
        signups.append(
            Person(
                id=f"P{i:05}",
                region=f"R{region}",
                site=f"R{region}S{site}",
                department=department,
                specialty=rng.choice(DEPARTMENTS[department]),
                evenings=frozenset(evenings),
                reach=reach,
                host=rng.choices(list(HostWish), (1, 1.4, 0.6))[0],
            )
        )

    met: dict[tuple[int, int], float] = {}
    by_site: dict[str, list[int]] = {}
    by_region: dict[str, list[int]] = {}
    for i, person in enumerate(signups):
        by_site.setdefault(person.site, []).append(i)
        by_region.setdefault(person.region, []).append(i)
    for colleagues in by_site.values():
        for a, i in enumerate(colleagues):
            for j in colleagues[a + 1 :]:
                if rng.random() < met_at_site:
                    met[i, j] = rng.choice((0.3, 0.6, 1.0))
    for members in by_region.values():
        for _ in range(round(met_across * len(members) * len(members) / 2)):
            i, j = sorted(rng.sample(members, 2))
            met.setdefault((i, j), 0.3)
        # Last season's dinner groups.
        diners = [i for i in members if rng.random() < last_season]
        rng.shuffle(diners)
        for start in range(0, len(diners) - 6, 7):
            group = sorted(diners[start : start + 7])
            for a, i in enumerate(group):
                for j in group[a + 1 :]:
                    met[i, j] = 1.0

    not_with = []
    for colleagues in by_site.values():
        for i in colleagues:
            if rng.random() < 0.005 and len(colleagues) > 1:
                j = rng.choice([j for j in colleagues if j != i])
                not_with.append((signups[i].id, signups[j].id))

    return DinnerProblem(
        name=f"Synthetic dinners {people} (seed {seed})",
        people=tuple(signups),
        evenings=EVENINGS,
        met=tuple(Met(signups[i].id, signups[j].id, weight) for (i, j), weight in met.items()),
        not_with=tuple(not_with),
        min_size=min_size,
        max_size=max_size,
    )
