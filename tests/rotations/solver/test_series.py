"""The series planner alone: exact optima against brute force on tiny seasons, true bounds and
valid plans on larger ones, determinism."""

import itertools
import random

import pytest

from benchmarks.series_synthetic import series_season
from rotations.solver.problem import Track
from rotations.solver.series import (
    Anchor,
    Attendance,
    Department,
    Evening,
    Group,
    Need,
    PlanStatus,
    SeriesIndex,
    SeriesProblem,
    SeriesTooLarge,
    Specialist,
    evaluate,
    evening_pairs,
    limits,
    plan_series,
    plan_violations,
)
from rotations.solver.series.bounds import evening_weights, flow_bound, lagrangian_bound

# Two evenings over sites A and B, A covered by both: group G1 (at A) chooses.
TINY = SeriesProblem(
    name="Tiny",
    evenings=(Evening("E1", ("A",), tables=1), Evening("E2", ("A", "B"), tables=1)),
    specialists=(
        Specialist("S1", "Cardiology", ("A",)),
        Specialist("S2", "Dermatology", ("A", "B")),
    ),
    groups=(Group("G1", "IM", (("A", 3),)), Group("G2", "IM", (("B", 2),))),
    departments=(Department("IM", ("Cardiology",)),),
)


def test_plan_series_tiny_meets_needs_before_pairs():
    plan = plan_series(TINY, time_limit_s=10)

    # Only E2 can give both groups a cardiologist; then S2 has no table left at E2.
    assert plan.status is PlanStatus.OPTIMAL
    assert plan.anchors == (Anchor("S1", "E2"),)
    assert plan.attendance == (Attendance("G1", "E2"), Attendance("G2", "E2"))
    assert (plan.shared_patient_pairs, plan.pairs_meeting, plan.upper_bound) == (8, 3, 3)
    assert (plan.needs, plan.needs_met, plan.needs_upper_bound) == (2, 2, 2)
    assert plan.unmet_needs == ()


def test_plan_series_without_needs_brings_most_pairs_together():
    problem = SeriesProblem(
        name="No needs", evenings=TINY.evenings, specialists=TINY.specialists, groups=TINY.groups
    )

    plan = plan_series(problem, time_limit_s=10)

    # S1 at E1 with G1 (3 pairs), S2 at E2 with G2 (2 pairs): 5 of 8.
    assert (plan.pairs_meeting, plan.upper_bound, plan.status) == (5, 5, PlanStatus.OPTIMAL)
    assert plan.anchors == (Anchor("S1", "E1"), Anchor("S2", "E2"))
    assert plan.summary() == "62% of shared-patient pairs meet this season (the most that can)"


def test_plan_series_reports_needs_no_plan_can_meet():
    problem = SeriesProblem(
        name="Unmeetable",
        evenings=(Evening("E1", ("A",), tables=2),),
        specialists=(Specialist("S1", "Cardiology", ("A",)),),
        groups=(Group("G1", "IM", (("A", 2),)), Group("G9", "IM", (("Z", 1),))),
        departments=(Department("IM", ("Cardiology", "Nephrology")),),
    )

    plan = plan_series(problem, time_limit_s=10)

    assert plan.unmet_needs == (
        Need("G1", "Nephrology"),
        Need("G9", "Cardiology"),
        Need("G9", "Nephrology"),
    )
    assert (plan.needs, plan.needs_met, plan.needs_upper_bound) == (4, 1, 1)
    assert plan.unplaced_groups == ("G9",)
    assert plan.status is PlanStatus.OPTIMAL


def test_plan_series_counts_only_pairs_whose_tracks_meet():
    problem = SeriesProblem(
        name="Tracks",
        evenings=(Evening("E1", ("A",), tables=2),),
        specialists=(
            Specialist("S1", "Cardiology", ("A",), track=Track.ADULT),
            Specialist("S2", "Pediatric Cardiology", ("A",), track=Track.PEDIATRIC),
        ),
        groups=(Group("G1", "PED", (("A", 4),), track=Track.PEDIATRIC),),
    )

    plan = plan_series(problem, time_limit_s=10)

    assert (plan.shared_patient_pairs, plan.pairs_meeting) == (4, 4)


def random_season(rng: random.Random) -> SeriesProblem:
    """A tiny season small enough to enumerate every plan."""
    sites = ["A", "B", "C"]
    evenings = tuple(
        Evening(
            f"E{e}",
            tuple(sorted(rng.sample(sites, rng.randint(1, 2)))),
            tables=rng.randint(0, 2),
        )
        for e in range(rng.randint(1, 3))
    )
    ids = [evening.id for evening in evenings]
    specialties = ["Cardiology", "Dermatology"]
    specialists = tuple(
        Specialist(
            f"S{p}",
            rng.choice(specialties),
            tuple(sorted(rng.sample(sites, rng.randint(1, 2)))),
            track=rng.choice(list(Track)),
            available_evenings=(
                None if rng.random() < 0.3 else frozenset(rng.sample(ids, rng.randint(0, len(ids))))
            ),
            max_evenings=rng.randint(0, 2),
        )
        for p in range(rng.randint(1, 4))
    )
    groups = tuple(
        Group(
            f"G{g}",
            rng.choice(["IM", "FM"]),
            tuple((site, rng.randint(1, 4)) for site in rng.sample(sites, rng.randint(1, 2))),
            track=rng.choice(list(Track)),
            evenings=rng.randint(1, 2),
        )
        for g in range(rng.randint(1, 3))
    )
    departments = (
        Department("IM", tuple(rng.sample(specialties, rng.randint(0, 2)))),
        Department("FM", tuple(rng.sample(specialties, rng.randint(0, 1)))),
    )
    return SeriesProblem("Random", evenings, specialists, groups, departments)


def brute_force(problem: SeriesProblem) -> tuple[int, int]:
    """The best (needs met, pairs meeting) over every valid plan."""
    ix = SeriesIndex(problem)
    specialist_choices = [
        [
            combo
            for k in range(min(ix.max_evenings[p], len(options)) + 1)
            for combo in itertools.combinations(options, k)
        ]
        for p, options in enumerate(ix.anchor_options)
    ]
    group_choices = [
        list(itertools.combinations(options, ix.attends[g]))
        for g, options in enumerate(ix.attend_options)
    ]
    best = (-1, -1)
    for anchored in itertools.product(*specialist_choices):
        anchors = [
            Anchor(problem.specialists[p].id, ix.evening_ids[e])
            for p, evenings in enumerate(anchored)
            for e in evenings
        ]
        # Plans over an evening's tables are not valid (the groups are checked below).
        if any("tables" in broken for broken in plan_violations(problem, anchors, [])):
            continue
        for attended in itertools.product(*group_choices):
            attendance = [
                Attendance(problem.groups[g].id, ix.evening_ids[e])
                for g, evenings in enumerate(attended)
                for e in evenings
            ]
            figures = evaluate(problem, anchors, attendance, ix)
            best = max(best, (figures.needs_met, figures.pairs_meeting))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_plan_series_equals_brute_force_optimum(seed):
    problem = random_season(random.Random(seed))

    plan = plan_series(problem, time_limit_s=20, seed=seed)

    assert plan_violations(problem, plan.anchors, plan.attendance) == []
    assert (plan.needs_met, plan.pairs_meeting) == brute_force(problem)
    assert plan.status is PlanStatus.OPTIMAL
    assert (plan.needs_upper_bound, plan.upper_bound) == (plan.needs_met, plan.pairs_meeting)


def overlapping_season(rng: random.Random) -> SeriesProblem:
    """A tiny season whose evenings overlap along a line of sites (E0: A-B, E1: B-C, E2: C-D),
    so groups at B or C choose between two evenings; small enough to enumerate."""
    covers = [("A", "B"), ("B", "C"), ("C", "D")]
    evenings = tuple(
        Evening(f"E{e}", sites, tables=rng.randint(1, 2)) for e, sites in enumerate(covers)
    )
    specialties = ["Cardiology", "Dermatology"]
    specialists = tuple(
        Specialist(
            f"S{p}",
            rng.choice(specialties),
            tuple(sorted(rng.sample("ABCD", rng.randint(1, 2)))),
            max_evenings=rng.randint(1, 2),
        )
        for p in range(rng.randint(2, 3))
    )
    # The first group is at B or C and attends one evening: at least one group chooses. The
    # others may span two sites (up to three evenings) and attend two.
    groups = (
        Group("G0", rng.choice(["IM", "FM"]), ((rng.choice("BC"), rng.randint(1, 4)),)),
        *(
            Group(
                f"G{g}",
                rng.choice(["IM", "FM"]),
                tuple((site, rng.randint(1, 4)) for site in rng.sample("ABCD", rng.randint(1, 2))),
                evenings=rng.randint(1, 2),
            )
            for g in range(1, rng.randint(2, 3))
        ),
    )
    departments = (
        Department("IM", tuple(rng.sample(specialties, rng.randint(0, 2)))),
        Department("FM", ()),
    )
    return SeriesProblem("Overlapping", evenings, specialists, groups, departments)


@pytest.mark.parametrize("seed", range(25))
def test_plan_series_with_overlapping_evenings_equals_brute_force_optimum(seed):
    problem = overlapping_season(random.Random(seed))
    ix = SeriesIndex(problem)
    assert any(len(options) > ix.attends[g] for g, options in enumerate(ix.attend_options))

    plan = plan_series(problem, time_limit_s=20, seed=seed)

    assert plan_violations(problem, plan.anchors, plan.attendance) == []
    assert (plan.needs_met, plan.pairs_meeting) == brute_force(problem)
    assert plan.status is PlanStatus.OPTIMAL
    assert (plan.needs_upper_bound, plan.upper_bound) == (plan.needs_met, plan.pairs_meeting)


@pytest.mark.parametrize("seed", range(25))
def test_lagrangian_bound_is_at_least_the_most_pairs_and_at_most_the_flow(seed):
    problem = overlapping_season(random.Random(seed))
    # Without needs, brute force finds the most pairs any plan brings together.
    no_needs = SeriesProblem("No needs", problem.evenings, problem.specialists, problem.groups)
    ix = SeriesIndex(no_needs)
    everyone = range(len(no_needs.specialists))
    flow, _ = flow_bound(ix, everyone, evening_weights(ix, everyone))

    bound = lagrangian_bound(
        ix, everyone, range(len(no_needs.groups)), lower=0, deadline=float("inf")
    )

    assert brute_force(no_needs)[1] <= bound <= flow


@pytest.mark.parametrize("seed", range(3))
def test_plan_series_comes_close_to_its_bound_when_groups_choose(seed):
    # A third of the groups choose between two evenings: the flow bound counts them at both.
    problem = series_season(seed, clinicians=600, sites=12, evenings=4, overlap=1)
    ix = SeriesIndex(problem)
    everyone = range(len(problem.specialists))
    flow, _ = flow_bound(ix, everyone, evening_weights(ix, everyone))

    plan = plan_series(problem, time_limit_s=10, seed=seed)

    assert plan_violations(problem, plan.anchors, plan.attendance) == []
    assert plan.needs_met == plan.needs_upper_bound
    assert plan.upper_bound < flow
    assert plan.pairs_meeting <= plan.upper_bound
    assert plan.pairs_meeting >= 0.9 * plan.upper_bound


@pytest.mark.parametrize("seed", range(3))
def test_plan_series_bounds_hold_on_larger_seasons(seed):
    problem = series_season(seed, clinicians=600, sites=12, evenings=4, overlap=1)

    plan = plan_series(problem, time_limit_s=5, seed=seed)

    figures = evaluate(problem, plan.anchors, plan.attendance)
    assert plan_violations(problem, plan.anchors, plan.attendance) == []
    assert (figures.pairs_meeting, figures.needs_met) == (plan.pairs_meeting, plan.needs_met)
    assert figures.unmet_needs == plan.unmet_needs
    assert plan.pairs_meeting <= plan.upper_bound <= plan.shared_patient_pairs
    assert plan.needs_met <= plan.needs_upper_bound <= plan.needs


def test_plan_series_keeps_yes_dates_max_evenings_and_tables():
    problem = series_season(7, clinicians=800, sites=15, evenings=5, overlap=1)
    by_id = {specialist.id: specialist for specialist in problem.specialists}

    plan = plan_series(problem, time_limit_s=5)

    per_specialist: dict[str, int] = {}
    per_evening: dict[str, int] = {}
    for anchor in plan.anchors:
        assert anchor.evening in by_id[anchor.specialist].available_evenings
        per_specialist[anchor.specialist] = per_specialist.get(anchor.specialist, 0) + 1
        per_evening[anchor.evening] = per_evening.get(anchor.evening, 0) + 1
    assert all(count <= by_id[s].max_evenings for s, count in per_specialist.items())
    tables = {evening.id: evening.tables for evening in problem.evenings}
    assert all(count <= tables[e] for e, count in per_evening.items())
    assert sorted(a.group for a in plan.attendance) == sorted(g.id for g in problem.groups)


def test_plan_series_same_seed_same_plan():
    problem = series_season(3, clinicians=1_000, sites=10, evenings=4)

    first = plan_series(problem, time_limit_s=30, seed=5)
    second = plan_series(problem, time_limit_s=30, seed=5)

    assert first.status is PlanStatus.OPTIMAL
    assert (first.anchors, first.attendance) == (second.anchors, second.attendance)


def test_plan_violations_name_each_broken_rule():
    anchors = [Anchor("S1", "E1"), Anchor("S2", "E1"), Anchor("S1", "E2")]
    attendance = [Attendance("G2", "E1")]

    problems = plan_violations(TINY, anchors, attendance)

    assert problems == [
        'specialist "S1" anchors 2 evenings, more than their 1',
        'evening "E1" has 2 anchors for 1 tables',
        'group "G2" attends "E1", not one of the evenings it may attend',
        'group "G1" attends 0 evenings, not 1',
    ]


def test_plan_series_stop_keeps_a_valid_plan():
    problem = series_season(1, clinicians=600, sites=12, evenings=4, overlap=1)

    plan = plan_series(problem, time_limit_s=10, should_stop=lambda: True)

    assert plan.stopped
    assert plan.status is PlanStatus.FEASIBLE
    assert plan_violations(problem, plan.anchors, plan.attendance) == []
    assert plan.pairs_meeting <= plan.upper_bound


def test_plan_series_over_limits_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_EVENINGS", 1)

    with pytest.raises(SeriesTooLarge, match="2 evenings, more than the planner takes"):
        plan_series(TINY)


def test_evening_pairs_lists_the_affinity_of_each_evening():
    plan = plan_series(TINY, time_limit_s=10)

    pairs = evening_pairs(TINY, plan)

    assert pairs == {"E1": [], "E2": [("G1", "S1", 3)]}
