"""Dinner group formation alone: optima against exhaustive search on tiny seasons, the rules on
random ones, hosts, reasons, the bound, determinism and re-forming for a new season."""

import random
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.dinners_synthetic import dinner_season
from rotations.solver.dinners import (
    DinnerIndex,
    DinnerProblem,
    DinnersTooLarge,
    GroupingStatus,
    HostWish,
    Met,
    Person,
    form_groups,
    grouping_value,
    grouping_violations,
)
from rotations.solver.dinners.form import _construct, feasible_count


def person(pid: str, evenings: str = "tue", region: str = "North", **fields: object) -> Person:
    return Person(id=pid, region=region, evenings=frozenset(evenings.split()), **fields)  # type: ignore[arg-type]


def partitions(items: list[int]) -> Iterator[tuple[list[list[int]], list[int]]]:
    """Every way to put ``items`` into blocks or leave them out: (blocks, left out)."""
    if not items:
        yield [], []
        return
    first, rest = items[0], items[1:]
    for blocks, out in partitions(rest):
        yield blocks, [first, *out]
        for b in range(len(blocks)):
            yield [*blocks[:b], [first, *blocks[b]], *blocks[b + 1 :]], out
        yield [[first], *blocks], out


def brute_force(problem: DinnerProblem) -> tuple[int, int]:
    """The best (people placed, value) over every valid grouping."""
    ix = DinnerIndex(problem)
    best = (0, 0)
    for blocks, _ in partitions(list(range(len(problem.people)))):
        valid = all(
            problem.min_size <= len(block) <= problem.max_size
            and ix.common_mask(block) != 0
            and len({problem.people[i].region for i in block}) == 1
            and not any(j in ix.not_with[i] for i in block for j in block)
            for block in blocks
        )
        if valid:
            ids = [[problem.people[i].id for i in block] for block in blocks]
            best = max(best, (sum(map(len, blocks)), grouping_value(problem, ids)))
    return best


def random_problem(seed: int, people: int) -> DinnerProblem:
    rng = random.Random(seed)
    evenings = ("mon", "tue", "wed")
    signups = tuple(
        Person(
            id=f"P{i}",
            region=rng.choice(("North", "South")) if rng.random() < 0.3 else "North",
            evenings=frozenset(rng.sample(evenings, rng.randint(1, 3))),
            site=rng.choice("AB"),
            department=rng.choice(("IM", "FM", "PED")),
            specialty=rng.choice(("", "x")),
            host=rng.choice(list(HostWish)),
        )
        for i in range(people)
    )
    ids = [p.id for p in signups]
    pairs = [(a, b) for n, a in enumerate(ids) for b in ids[n + 1 :]]
    met = tuple(Met(a, b, rng.choice((0.5, 1.0))) for a, b in pairs if rng.random() < 0.3)
    not_with = tuple(pair for pair in pairs if rng.random() < 0.05)
    low = rng.randint(2, 3)
    return DinnerProblem(
        name="random",
        people=signups,
        evenings=evenings,
        met=met,
        not_with=not_with,
        min_size=low,
        max_size=low + rng.randint(0, 2),
    )


@pytest.mark.parametrize("seed", range(12))
def test_form_groups_matches_exhaustive_search_on_tiny_seasons(seed):
    problem = random_problem(seed, people=7)

    grouping = form_groups(problem, time_limit_s=5)

    placed = grouping.members
    assert (placed, grouping.value) == brute_force(problem)
    assert grouping.status is GroupingStatus.OPTIMAL
    assert grouping_violations(problem, grouping.groups) == []


def test_form_groups_pairs_new_colleagues_of_different_departments():
    # A and B met; so did C and D. A and C share a department, as do B and D.
    problem = DinnerProblem(
        name="tiny",
        people=(
            person("A", department="IM"),
            person("B", department="FM"),
            person("C", department="IM"),
            person("D", department="FM"),
        ),
        evenings=("tue",),
        met=(Met("A", "B", 1.0), Met("C", "D", 1.0)),
        min_size=2,
        max_size=2,
    )

    grouping = form_groups(problem, time_limit_s=5)

    assert sorted(group.members for group in grouping.groups) == [("A", "D"), ("B", "C")]
    assert (grouping.pairs, grouping.new_pairs) == (2, 2)


def test_form_groups_reports_why_people_are_not_placed():
    problem = DinnerProblem(
        name="reasons",
        people=(
            person("N1"),
            person("N2"),
            person("N3", evenings="wed"),
            person("S1", region="South"),
            person("N4"),
        ),
        evenings=("tue", "wed"),
        met=(Met("N2", "N4", 1.0),),
        not_with=(("N1", "N4"),),
        min_size=2,
        max_size=2,
    )

    grouping = form_groups(problem, time_limit_s=5)

    assert [group.members for group in grouping.groups] == [("N1", "N2")]
    assert {u.person: u.reason for u in grouping.unplaced} == {
        "N3": 'fewer than 2 sign-ups in region "North" suit any of their evenings',
        "N4": "the groups on their evenings are full (2 each)",
        "S1": """region "South" has 1 sign-up, fewer than a group's 2""",
    }


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(0, 40),
    exact_max=st.sampled_from([0, 10]),
)
def test_form_groups_always_keeps_the_rules(seed, people, exact_max):
    problem = random_problem(seed, people)

    grouping = form_groups(problem, time_limit_s=5, seed=seed, exact_max=exact_max)

    assert grouping_violations(problem, grouping.groups) == []
    placed = [member for group in grouping.groups for member in group.members]
    assert sorted(placed + [u.person for u in grouping.unplaced]) == sorted(
        p.id for p in problem.people
    )
    assert grouping.new_pairs <= grouping.new_pairs_upper_bound
    assert grouping.value == grouping_value(problem, [g.members for g in grouping.groups])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), people=st.integers(0, 40))
def test_random_baseline_keeps_the_rules(seed, people):
    problem = random_problem(seed, people)
    ix = DinnerIndex(problem)

    groups = []
    for region_people in ix.regions.values():
        state = _construct(
            ix, region_people, problem.min_size, problem.max_size, random.Random(seed), best=False
        )
        state.insert_unplaced(random.Random(seed), best=False)
        groups.extend(g for g in state.groups if g)

    for block in groups:
        assert problem.min_size <= len(block) <= problem.max_size
        assert ix.common_mask(block) != 0
        assert len({problem.people[i].region for i in block}) == 1
        assert not any(j in ix.not_with[i] for i in block for j in block)


def test_form_groups_is_valid_and_beats_random_on_a_synthetic_season():
    problem = dinner_season(3, people=600)

    grouping = form_groups(problem, time_limit_s=60, seed=1)

    assert grouping_violations(problem, grouping.groups) == []
    assert grouping.members == 600
    assert grouping.new_pairs > grouping.random_new_pairs
    assert grouping.new_pairs <= grouping.new_pairs_upper_bound


def test_form_groups_keeps_the_rules_and_beats_random_in_one_large_region():
    # 1,200 sign-ups in one region: formed and improved in parts of the region's groups.
    problem = dinner_season(9, people=1_200, region_size=1_200)
    assert len({p.region for p in problem.people}) == 1

    grouping = form_groups(problem, time_limit_s=60, seed=2)

    assert grouping_violations(problem, grouping.groups) == []
    assert grouping.members == 1_200
    assert all(g.host in g.members for g in grouping.groups)
    assert grouping.value == grouping_value(problem, [g.members for g in grouping.groups])
    assert grouping.new_pairs <= grouping.new_pairs_upper_bound
    # Nearly every pair is new; a random grouping of the same people leaves a sixth met.
    assert grouping.new_pairs >= 0.99 * grouping.pairs
    assert grouping.new_pairs - grouping.random_new_pairs >= 0.1 * grouping.pairs
    assert not grouping.stopped


def test_form_groups_in_parts_is_deterministic_by_seed():
    problem = dinner_season(10, people=700, region_size=700)

    first = form_groups(problem, time_limit_s=60, seed=3)
    again = form_groups(problem, time_limit_s=60, seed=3)

    assert first.groups == again.groups
    assert first.value == again.value


def test_form_groups_in_parts_stops_when_asked_and_stays_valid():
    problem = dinner_season(11, people=700, region_size=700)

    grouping = form_groups(problem, time_limit_s=60, should_stop=lambda: True)

    assert grouping.stopped is True
    assert grouping_violations(problem, grouping.groups) == []
    assert grouping.members == 700


def test_form_groups_is_deterministic_by_seed():
    problem = dinner_season(4, people=400)

    first = form_groups(problem, time_limit_s=60, seed=7)
    again = form_groups(problem, time_limit_s=60, seed=7)

    assert (first.groups, first.unplaced, first.random_new_pairs) == (
        again.groups,
        again.unplaced,
        again.random_new_pairs,
    )


def test_reforming_with_last_seasons_groups_as_met_yields_more_new_pairs():
    season = dinner_season(5, people=300, last_season=0.0, met_at_site=0.0, met_across=0.0)
    last = form_groups(season, time_limit_s=60)
    met = tuple(
        Met(a, b, 1.0)
        for group in last.groups
        for n, a in enumerate(group.members)
        for b in group.members[n + 1 :]
    )
    remembering = DinnerProblem(**{**_fields(season), "met": met})

    ignoring = form_groups(season, time_limit_s=60)
    reformed = form_groups(remembering, time_limit_s=60)

    ix = DinnerIndex(remembering)
    new_when_ignoring = sum(
        ix.is_new(ix.at[a], ix.at[b])
        for group in ignoring.groups
        for n, a in enumerate(group.members)
        for b in group.members[n + 1 :]
    )
    assert reformed.new_pairs > new_when_ignoring


def _fields(problem: DinnerProblem) -> dict[str, object]:
    return {name: getattr(problem, name) for name in DinnerProblem.__slots__}


def test_every_group_gets_a_host_who_volunteers_when_one_can():
    problem = DinnerProblem(
        name="hosts",
        people=(
            person("A", site="Quincy", host=HostWish.NO),
            person("B", site="Milton", host=HostWish.YES, reach=frozenset({"Milton"})),
            person("C", site="Quincy", host=HostWish.YES),
            person("D", site="Quincy", host=HostWish.IF_NEEDED),
        ),
        evenings=("tue",),
        min_size=4,
        max_size=4,
    )

    grouping = form_groups(problem, time_limit_s=5)

    # C volunteers, but B cannot reach Quincy; B volunteers and everyone reaches Milton.
    assert [(g.host, g.dinner_site, g.out_of_reach) for g in grouping.groups] == [
        ("B", "Milton", ())
    ]


def test_a_group_of_people_who_decline_still_gets_a_host():
    problem = DinnerProblem(
        name="hosts",
        people=(person("A", host=HostWish.NO), person("B", host=HostWish.NO)),
        evenings=("tue",),
        min_size=2,
        max_size=2,
    )

    grouping = form_groups(problem, time_limit_s=5)

    assert [g.host for g in grouping.groups] == ["A"]


def test_group_evening_is_one_all_members_suit():
    problem = DinnerProblem(
        name="evening",
        people=(person("A", "mon thu"), person("B", "thu"), person("C", "wed thu")),
        evenings=("mon", "wed", "thu"),
        min_size=3,
        max_size=3,
    )

    grouping = form_groups(problem, time_limit_s=5)

    assert [(g.evening, g.members) for g in grouping.groups] == [("thu", ("A", "B", "C"))]


def test_new_pairs_bound_counts_only_possible_new_partners():
    # A met B; C is not to be with A; D dines on another evening: A has no new partner.
    problem = DinnerProblem(
        name="bound",
        people=(person("A"), person("B"), person("C"), person("D", "wed")),
        evenings=("tue", "wed"),
        met=(Met("A", "B", 0.5),),
        not_with=(("A", "C"),),
        min_size=2,
        max_size=3,
    )

    grouping = form_groups(problem, time_limit_s=5)

    # B's only new partner is C (and C's is B).
    assert grouping.new_pairs_upper_bound == 1
    assert grouping.new_pairs == 1


def test_feasible_count_knows_which_numbers_split_into_groups():
    assert [n for n in range(1, 20) if feasible_count(n, 6, 8)] == [
        6,
        7,
        8,
        12,
        13,
        14,
        15,
        16,
        18,
        19,
    ]


def test_form_groups_stops_when_asked_and_stays_valid():
    problem = dinner_season(6, people=500)

    grouping = form_groups(problem, time_limit_s=60, should_stop=lambda: True)

    assert grouping.stopped is True
    assert grouping.status is GroupingStatus.FEASIBLE
    assert grouping_violations(problem, grouping.groups) == []


def test_form_groups_refuses_sizes_that_make_no_sense():
    problem = DinnerProblem(name="bad", people=(), evenings=("tue",), min_size=5, max_size=4)

    with pytest.raises(DinnersTooLarge, match=r"the largest group \(4\) is smaller"):
        form_groups(problem, time_limit_s=5)


def test_summary_words_the_figure():
    problem = dinner_season(7, people=120)

    grouping = form_groups(problem, time_limit_s=30)

    assert grouping.summary() == (
        f"{grouping.new_pairs:,} of {grouping.pairs:,} pairs in your groups are new colleagues; "
        f"a random grouping gives {grouping.random_new_pairs:,}"
        + (f" of {grouping.random_pairs:,}" if grouping.random_pairs != grouping.pairs else "")
        + (f"; {len(grouping.unplaced)} not placed" if grouping.unplaced else "")
    )


def test_form_groups_reports_progress_after_each_region():
    problem = dinner_season(8, people=60, region_size=20)
    heard = []

    form_groups(problem, time_limit_s=30, on_progress=heard.append)

    assert [(round(p.fraction, 2), p.message) for p in heard] == [
        (0.33, 'Region "R0": 20 sign-ups grouped'),
        (0.67, 'Region "R1": 20 sign-ups grouped'),
        (1.0, 'Region "R2": 20 sign-ups grouped'),
    ]


def test_dinners_benchmark_prints_a_valid_line_a_season(capsys):
    from benchmarks.dinners_bench import main

    status = main(["--sizes", "40", "--time-limit", "10"])

    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert len(lines) == 2
    assert "INVALID" not in lines[1]
