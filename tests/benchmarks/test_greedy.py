"""The greedy baseline: round by round, each group takes the best free table it may visit."""

from benchmarks.greedy import greedy_triples
from benchmarks.synthetic import windowed_event
from rotations.solver import Group, Problem, Table, Track, Visit, check_schedule
from rotations.solver.indexed import index_problem


def problem(**overrides) -> Problem:
    fields = {
        "name": "two by two",
        "rounds": 2,
        "tables": (
            Table(id="T0", specialty="Cardiology", track=Track.ALL_AGES),
            Table(id="T1", specialty="Neurology", track=Track.ALL_AGES),
        ),
        "groups": (
            Group(id="G0", name="Group 0", track=Track.ALL_AGES),
            Group(id="G1", name="Group 1", track=Track.ALL_AGES),
        ),
    }
    return Problem(**(fields | overrides))


def test_greedy_triples_takes_the_first_free_table_without_affinity():
    ix = index_problem(problem())

    triples = greedy_triples(ix)

    assert triples == [(1, 0, 0), (1, 1, 1), (2, 0, 1), (2, 1, 0)]


def test_greedy_triples_takes_the_table_with_most_affinity_first():
    ix = index_problem(problem(affinity=(("G0", "T1", 2),)))

    triples = greedy_triples(ix)

    assert triples == [(1, 0, 1), (1, 1, 0), (2, 0, 0), (2, 1, 1)]


def test_greedy_triples_prefers_a_table_not_met_before():
    ix = index_problem(problem(met_before=frozenset({("G0", "T0")})))

    triples = greedy_triples(ix)

    assert triples[:2] == [(1, 0, 1), (1, 1, 0)]


def test_greedy_triples_keeps_pins_and_the_track_rule():
    tables = (
        Table(id="T0", specialty="Cardiology", track=Track.ADULT),
        Table(id="T1", specialty="Neonatology", track=Track.PEDIATRIC),
    )
    groups = (
        Group(id="G0", name="Adults", track=Track.ADULT),
        Group(id="G1", name="Children", track=Track.PEDIATRIC),
    )
    ix = index_problem(
        problem(tables=tables, groups=groups, pinned=(Visit(round=2, group="G0", table="T0"),))
    )

    triples = greedy_triples(ix)

    assert triples == [(1, 1, 1), (2, 0, 0)]


def test_greedy_triples_on_a_windowed_event_break_no_hard_rule():
    p = windowed_event(5, n_tables=20, n_groups=40)
    ix = index_problem(p)

    visits = [ix.visit(*triple) for triple in greedy_triples(ix)]

    assert visits
    assert check_schedule(p, visits) == []
