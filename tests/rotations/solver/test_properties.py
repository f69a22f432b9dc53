"""Random small problems: whatever the solver returns keeps every hard rule.

The validity check here is written independently of ``rotations.solver.checks``.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from rotations.solver import Group, Problem, Status, Table, Track, Visit, solve

TRACKS = list(Track)


@st.composite
def problems(draw) -> Problem:
    rounds = draw(st.integers(1, 5))
    window = st.one_of(st.none(), st.frozensets(st.integers(1, rounds)))
    tables = tuple(
        Table(
            id=f"T{i}",
            specialty="S",
            track=draw(st.sampled_from(TRACKS)),
            capacity=draw(st.integers(1, 3)),
            available_rounds=draw(window),
        )
        for i in range(draw(st.integers(1, 5)))
    )
    groups = tuple(
        Group(
            id=f"G{i}", name="N", track=draw(st.sampled_from(TRACKS)), available_rounds=draw(window)
        )
        for i in range(draw(st.integers(1, 7)))
    )
    ids = st.tuples(
        st.sampled_from([g.id for g in groups]), st.sampled_from([t.id for t in tables])
    )
    affinity = tuple(
        (g, t, w) for (g, t), w in draw(st.lists(st.tuples(ids, st.integers(1, 4)), max_size=6))
    )
    met_before = frozenset(draw(st.lists(ids, max_size=4)))
    pinned = tuple(
        Visit(draw(st.integers(1, rounds)), g, t) for g, t in draw(st.lists(ids, max_size=2))
    )
    return Problem(
        name="random",
        rounds=rounds,
        tables=tables,
        groups=groups,
        affinity=affinity,
        met_before=met_before,
        pinned=pinned,
    )


def allowed(group: Track, table: Track) -> bool:
    return Track.ALL_AGES in (group, table) or group == table


def breaks_a_rule(problem: Problem, visits: tuple[Visit, ...]) -> bool:
    tables = {t.id: t for t in problem.tables}
    groups = {g.id: g for g in problem.groups}
    group_rounds = [(v.group, v.round) for v in visits]
    pairs = [(v.group, v.table) for v in visits]
    if len(set(group_rounds)) != len(group_rounds) or len(set(pairs)) != len(pairs):
        return True
    for v in visits:
        table, group = tables[v.table], groups[v.group]
        hosted = sum(1 for w in visits if (w.table, w.round) == (v.table, v.round))
        if hosted > table.capacity or not allowed(group.track, table.track):
            return True
        for present in (table.available_rounds, group.available_rounds):
            if present is not None and v.round not in present:
                return True
        if not 1 <= v.round <= problem.rounds:
            return True
    return not set(problem.pinned) <= set(visits)


@settings(max_examples=50, deadline=None)
@given(problems())
def test_solve_random_problem_schedule_is_valid(problem):
    solution = solve(problem, time_limit_s=5)

    if solution.status is Status.INFEASIBLE:
        assert (solution.visits, bool(solution.reasons)) == ((), True)
    else:
        assert breaks_a_rule(problem, solution.visits) is False
        assert len(solution.visits) <= solution.visits_upper_bound
        assert solution.min_share <= solution.min_share_upper_bound + 1e-9
