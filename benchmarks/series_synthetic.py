"""Synthetic seasons for the series planner's benchmark and tests (``series_season``).

A season like the program Rounds is modelled on: sites in regions along a line, evenings that
each cover a stretch of a region's sites (with ``overlap``, neighbouring evenings share sites,
so groups there choose), specialists who practise at one to four nearby sites (sometimes
across a region's edge) and said yes to about two thirds of the evenings covering them,
primary-care groups of six to eight clinicians by department and site (a share of them
spanning two neighbouring sites), and evenings with tables for fewer than half of the
specialists who said yes.
"""

from __future__ import annotations

import math
import random

from rotations.solver.problem import Track
from rotations.solver.series.problem import (
    Department,
    Evening,
    Group,
    SeriesProblem,
    Specialist,
)

# Primary-care departments: (id, name, track, the specialties each of its groups needs).
DEPARTMENTS = [
    ("IM", "Internal Medicine", Track.ADULT, ("Cardiology", "Endocrinology", "Gastroenterology")),
    ("FM", "Family Medicine", Track.ALL_AGES, ("Cardiology", "Dermatology", "Orthopedics")),
    ("PED", "Pediatrics", Track.PEDIATRIC, ("Pediatric Cardiology", "Allergy")),
    ("OB", "Obstetrics and Gynecology", Track.ADULT, ("Endocrinology",)),
]
# Their share of primary-care clinicians.
DEPARTMENT_WEIGHTS = [4, 3, 2, 1]

# Specialties, their track, and how common they are.
SPECIALTIES = [
    ("Cardiology", Track.ADULT, 5),
    ("Endocrinology", Track.ADULT, 3),
    ("Gastroenterology", Track.ADULT, 3),
    ("Nephrology", Track.ADULT, 2),
    ("Neurology", Track.ADULT, 3),
    ("Oncology", Track.ADULT, 3),
    ("Pulmonology", Track.ADULT, 2),
    ("Rheumatology", Track.ADULT, 1),
    ("Urology", Track.ADULT, 2),
    ("General Surgery", Track.ADULT, 3),
    ("Dermatology", Track.ALL_AGES, 2),
    ("Orthopedics", Track.ALL_AGES, 4),
    ("Ophthalmology", Track.ALL_AGES, 2),
    ("Psychiatry", Track.ALL_AGES, 3),
    ("Allergy", Track.ALL_AGES, 1),
    ("Otolaryngology", Track.ALL_AGES, 2),
    ("Pediatric Cardiology", Track.PEDIATRIC, 1),
    ("Pediatric Endocrinology", Track.PEDIATRIC, 1),
    ("Neonatology", Track.PEDIATRIC, 1),
]


def series_season(
    seed: int = 0,
    *,
    clinicians: int = 10_000,
    sites: int = 100,
    evenings: int = 20,
    specialist_share: float = 0.25,
    spanning: float = 0.2,
    tables_share: float = 0.45,
    overlap: int = 0,
) -> SeriesProblem:
    """A season of ``clinicians`` (``specialist_share`` of them specialists) over ``sites``
    and ``evenings``, drawn from ``seed``. ``spanning`` is the share of groups with
    clinicians at two sites; each evening has tables for ``tables_share`` of the specialists
    who said yes to it. Each evening covers its stretch of sites and ``overlap`` more on each
    side within the region, so a group at such a site chooses between two evenings."""
    rng = random.Random(seed)
    site_ids = [f"S{i:03}" for i in range(sites)]
    n_regions = max(1, min(sites, evenings // 3 or 1))
    regions = [
        site_ids[i * sites // n_regions : (i + 1) * sites // n_regions] for i in range(n_regions)
    ]
    per_region = [
        evenings // n_regions + (1 if i < evenings % n_regions else 0) for i in range(n_regions)
    ]
    covers: list[tuple[str, ...]] = []
    for region, count in zip(regions, per_region, strict=True):
        for j in range(count):
            first = max(0, j * len(region) // count - overlap)
            last = min(len(region), (j + 1) * len(region) // count + overlap)
            covers.append(tuple(region[first:last]) or tuple(region))
    covering: dict[str, list[int]] = {}
    for e, covered in enumerate(covers):
        for site in covered:
            covering.setdefault(site, []).append(e)
    evening_ids = [f"E{e + 1:02}" for e in range(len(covers))]

    names = [name for name, _, _ in SPECIALTIES]
    tracks = {name: track for name, track, _ in SPECIALTIES}
    weights = [weight for _, _, weight in SPECIALTIES]
    n_specialists = round(clinicians * specialist_share)
    specialists = []
    yes_count = [0] * len(covers)
    for i in range(n_specialists):
        specialty = rng.choices(names, weights)[0]
        home = rng.randrange(sites)
        extra = rng.choices([0, 1, 2, 3], [35, 35, 20, 10])[0]
        practise = {home}
        for _ in range(extra):
            practise.add(min(sites - 1, max(0, home + rng.randint(-4, 4))))
        practise_sites = tuple(site_ids[s] for s in sorted(practise))
        theirs = sorted({e for site in practise_sites for e in covering.get(site, [])})
        yes = [e for e in theirs if rng.random() < 0.65]
        for e in yes:
            yes_count[e] += 1
        specialists.append(
            Specialist(
                id=f"P{i:05}",
                name=f"Specialist {i}",
                specialty=specialty,
                track=tracks[specialty],
                sites=practise_sites,
                available_evenings=frozenset(evening_ids[e] for e in yes),
                max_evenings=rng.choices([1, 2], [7, 3])[0],
            )
        )

    groups: list[Group] = []
    primary = clinicians - n_specialists
    site_weight = [rng.uniform(0.5, 1.5) for _ in range(sites)]
    per_site = [0] * sites
    for s in rng.choices(range(sites), site_weight, k=primary):
        per_site[s] += 1
    for s, count in enumerate(per_site):
        by_department = [0] * len(DEPARTMENTS)
        for d in rng.choices(range(len(DEPARTMENTS)), DEPARTMENT_WEIGHTS, k=count):
            by_department[d] += 1
        for d, members in enumerate(by_department):
            department, name, track, _ = DEPARTMENTS[d]
            n_groups = max(1, math.ceil(members / 8)) if members else 0
            for k in range(n_groups):
                size = members // n_groups + (1 if k < members % n_groups else 0)
                clinicians_at = [(site_ids[s], size)]
                neighbour = s + rng.choice([-1, 1])
                if size >= 2 and 0 <= neighbour < sites and rng.random() < spanning:
                    away = size // 2
                    clinicians_at = [(site_ids[s], size - away), (site_ids[neighbour], away)]
                groups.append(
                    Group(
                        id=f"G{len(groups):05}",
                        name=f"{name}, {site_ids[s]} {k + 1}",
                        department=department,
                        track=track,
                        clinicians=tuple(clinicians_at),
                    )
                )

    return SeriesProblem(
        name=f"series:{seed}:{clinicians}:{sites}:{evenings}",
        evenings=tuple(
            Evening(
                id=evening_ids[e],
                label=f"Evening {e + 1} ({covered[0]}-{covered[-1]})",
                sites=covered,
                tables=max(3, math.ceil(tables_share * yes_count[e])),
            )
            for e, covered in enumerate(covers)
        ),
        specialists=tuple(specialists),
        groups=tuple(groups),
        departments=tuple(
            Department(id=department, name=name, needs=needs)
            for department, name, _, needs in DEPARTMENTS
        ),
    )
