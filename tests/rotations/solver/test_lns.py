"""Large-neighbourhood search: deterministic for a seed, never worse, always valid."""

import importlib
import time
from fractions import Fraction

from benchmarks.synthetic import windowed_event
from rotations.solver import check_schedule
from rotations.solver.bounds import build_relaxation, fairness_bound
from rotations.solver.indexed import index_problem
from rotations.solver.lns import improve
from rotations.solver.metrics import figures

solve_module = importlib.import_module("rotations.solver.solve")


def search(problem, seed: int):
    ix = index_problem(problem)
    rel = build_relaxation(ix)
    share = fairness_bound(ix, rel)
    draft = solve_module._draft(solve_module._Part(ix, rel, problem), share)
    outcome = improve(
        ix,
        rel.possible,
        draft.triples,
        target=share,
        visits_bound=draft.visits_bound,
        value_bound=draft.value_bound,
        deadline=time.monotonic() + 60,
        seed=seed,
        should_stop=None,
        on_solution=lambda: None,
    )
    before = figures(ix, draft.triples, rel.possible)
    after = figures(ix, outcome.triples, rel.possible)
    return ix, outcome, before, after


def test_lns_improves_a_windowed_event_deterministically():
    # Small enough for a test; the layout leaves it short of its bounds.
    p = windowed_event(3, n_tables=12, n_groups=30, rounds=8)

    ix, first, before, after = search(p, seed=1)
    _, second, _, _ = search(p, seed=1)

    assert first.triples == second.triples
    assert (before.min_share, before.visits, before.value) == (Fraction(3, 4), 143, 207)
    assert (after.min_share, after.visits, after.value) == (Fraction(3, 4), 144, 208)
    assert check_schedule(p, [ix.visit(*key) for key in first.triples]) == []
