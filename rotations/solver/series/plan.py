"""The series planner: which evenings each specialist anchors and each group attends.

``plan_series`` is the entry point. The season falls apart into parts that plan
independently (``bounds.components``: evenings no specialist or group links); each part is one
CP-SAT model, solved smallest part first, each with a share of the time left that grows with
its size. A part's model:

- ``y[p, e]``: specialist ``p`` anchors evening ``e`` (only evenings they may anchor), at most
  ``max_evenings`` of them; at most ``tables`` anchors an evening.
- ``x[g, e]``: group ``g`` attends evening ``e``, exactly ``SeriesIndex.attends[g]`` of its
  evenings; a group with no choice is a constant, not a variable.
- A pair meets when ``x[g, e]`` and ``y[p, e]`` for an evening ``e`` of both. Pairs of groups
  with no choice are summed per (specialist, evenings in common), so most of the objective
  sits on the ``y`` alone (with every group fixed the model is an assignment problem).
- A need (group, specialty) is met when an evening the group attends has an anchor of that
  specialty.

The objective is lexicographic -- needs met first, then pairs meeting -- as one weighted sum:
a need is worth more than every pair of the part together. Its proved bound ``B`` then bounds
both: no plan meets more than ``B // weight`` needs, and no plan that meets at least as many
needs as the plan found brings more than ``B - weight * needs met`` pairs together. The
structural bounds of ``bounds.py`` (which ignore needs) are true for every plan and often
tighter when the time runs out; the reported bound is the smallest.

The search is hinted with a starting plan, which is also the plan of a part the time left no
room to search: the max-weight assignment of ``bounds.flow_bound`` with each group at its best
evenings for it. Where groups choose (evenings that share sites), that start is poor -- the
flow counts a choosing group at every evening it may attend -- and the joint model is too
large for CP-SAT to improve much in its time, so the start is first improved by
``_alternate``: anchors by an assignment that knows where the groups are (needs included),
groups to their best evenings for those anchors, and again while the figures grow (for
groups that attend one evening each half is exact). There CP-SAT gets three quarters of the
part's time (``BOUND_SHARE``) and, unless it proved the part, ``bounds.lagrangian_bound``
the rest: the flow bound with each choosing group's pairs priced by Lagrange multipliers,
near the LP relaxation's value.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from rotations.solver.cpsat import run
from rotations.solver.problem import Progress
from rotations.solver.series.bounds import (
    Assignment,
    components,
    evening_weights,
    flow_bound,
    lagrangian_bound,
    specialist_bound,
)
from rotations.solver.series.limits import check_series_size
from rotations.solver.series.problem import (
    Anchor,
    Attendance,
    Need,
    PlanStatus,
    SeriesIndex,
    SeriesPlan,
    SeriesProblem,
)

# Up to this many variables a part is searched with one worker: as reproducible as the
# interleaved workers of a larger part and faster on a small model (as in ``cpsat.py``).
ONE_WORKER_VARIABLES = 20_000

# With less time than this left for a part, its starting plan is kept without a search.
MIN_SEARCH_S = 0.05

# The starting plan's rounds of "anchors for these groups, then groups for these anchors".
MAX_ALTERNATIONS = 50

# The share of a part's time the Lagrangian bound may take (only parts whose groups choose).
BOUND_SHARE = 0.25

Literal = cp_model.IntVar | bool


@dataclass(slots=True)
class _Part:
    evenings: list[int]
    specialists: list[int]
    groups: list[int]
    size: int
    # Filled by the search.
    anchored: dict[int, list[int]] = field(default_factory=dict)
    attended: dict[int, list[int]] = field(default_factory=dict)
    structural_bound: int = 0
    needs_structural: int = 0
    # CP-SAT's proved bound on the weighted objective, and a need's weight; None if no search.
    objective_bound: int | None = None
    need_weight: int = 1
    stopped: bool = False
    # CP-SAT proved the part's plan best.
    proved: bool = False


def plan_series(
    problem: SeriesProblem,
    *,
    time_limit_s: float = 30.0,
    seed: int = 0,
    num_workers: int = 2,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SeriesPlan:
    """Plan the season: the evenings each specialist anchors and each group attends.

    Plans are compared on the needs met (a group's department needs a specialty; met when an
    evening the group attends has an anchor of it), then on the shared-patient pairs that
    meet (a primary-care clinician and a specialist who practises at their site, at the same
    evening). Every plan keeps the rules of ``problem.plan_violations``: a specialist anchors
    only evenings they said yes to and at most ``max_evenings``; an evening holds at most
    ``tables`` anchors; a group attends exactly its ``evenings`` of the evenings it may
    attend (fewer if it may attend fewer). There is always such a plan.

    ``upper_bound`` is true: no plan that meets at least as many needs brings more pairs
    together (``needs_upper_bound`` likewise for needs). ``OPTIMAL`` means both figures equal
    their bounds. The time limit holds in every part; ``should_stop`` is polled during the
    search, and once it returns True the parts left keep their starting plan
    (``stopped=True``). The same problem, seed and worker count give the same plan unless
    the time limit or a stop cuts a search short. ``on_progress`` hears after each part.

    A problem over the limits of ``series/limits.py`` raises ``SeriesTooLarge``.
    """
    started = time.monotonic()
    deadline = started + time_limit_s
    check_series_size(problem)
    ix = SeriesIndex(problem)
    parts = _parts(ix)
    total = sum(part.size for part in parts) or 1
    left = total
    stopped = False
    for number, part in enumerate(parts, start=1):
        budget = max(0.0, deadline - time.monotonic()) * part.size / max(1, left)
        stopped = _plan_part(
            ix,
            part,
            deadline=time.monotonic() + budget,
            seed=seed,
            num_workers=num_workers,
            should_stop=None if stopped else should_stop,
            search=not stopped,
        )
        left -= part.size
        if on_progress is not None:
            on_progress(
                Progress(
                    fraction=1 - left / total,
                    message=f"Planned {number} of {len(parts)} parts of the season.",
                )
            )
    return _plan(ix, parts, started=started, stopped=stopped)


def _parts(ix: SeriesIndex) -> list[_Part]:
    part_of: dict[int, int] = {}
    parts: list[_Part] = []
    for number, evenings in enumerate(components(ix)):
        for e in evenings:
            part_of[e] = number
        parts.append(_Part(evenings=evenings, specialists=[], groups=[], size=1))
    for p, options in enumerate(ix.anchor_options):
        usable = [e for e in options if ix.tables[e] > 0]
        if usable and ix.max_evenings[p] > 0:
            part = parts[part_of[usable[0]]]
            part.specialists.append(p)
            part.size += len(usable)
    for g, options in enumerate(ix.attend_options):
        if ix.attends[g] > 0:
            part = parts[part_of[options[0]]]
            part.groups.append(g)
            part.size += len(ix.needs[g]) + len(ix.pairs[g]) * (
                1 if ix.attends[g] == len(options) else len(options)
            )
    return sorted(parts, key=lambda part: (part.size, part.evenings))


class _Model:
    """A part's CP-SAT model, with the definitions of its helper literals so that a hint can
    give them all a value."""

    def __init__(self) -> None:
        self.model = cp_model.CpModel()
        # (variable, is an AND (else an OR), of these literals), in the order made.
        self.defined: list[tuple[cp_model.IntVar, bool, list[Literal]]] = []
        self._and: dict[tuple[int, int], cp_model.IntVar] = {}

    def both(self, a: Literal, b: Literal) -> Literal:
        """A literal that can be true only when ``a`` and ``b`` are (objectives push it up)."""
        if a is True:
            return b
        if b is True:
            return a
        assert not isinstance(a, bool) and not isinstance(b, bool)
        key = (a.index, b.index)
        if key not in self._and:
            var = self.model.new_bool_var("")
            self.model.add_implication(var, a)
            self.model.add_implication(var, b)
            self.defined.append((var, True, [a, b]))
            self._and[key] = var
        return self._and[key]

    def any(self, literals: Sequence[Literal]) -> Literal:
        """A literal that can be true only when one of ``literals`` is."""
        if any(literal is True for literal in literals):
            return True
        if len(literals) == 1:
            return literals[0]
        var = self.model.new_bool_var("")
        self.model.add_bool_or([var.negated(), *literals])
        self.defined.append((var, False, list(literals)))
        return var


def _plan_part(
    ix: SeriesIndex,
    part: _Part,
    *,
    deadline: float,
    seed: int,
    num_workers: int,
    should_stop: Callable[[], bool] | None,
    search: bool,
) -> bool:
    """Plan one part in place (``part.anchored``, ``part.attended``, its bounds); True if
    ``should_stop`` stopped it."""
    weights = evening_weights(ix, part.specialists)
    flow_value, flow_choice = flow_bound(ix, part.specialists, weights)
    part.structural_bound = min(flow_value, sum(specialist_bound(ix, p) for p in part.specialists))
    part.needs_structural = sum(
        1 for g in part.groups for specialty in ix.needs[g] if ix.coverable(g, specialty)
    )
    part.anchored = {p: sorted(evenings) for p, evenings in flow_choice.items()}
    part.attended = {g: _best_evenings(ix, g, part.anchored) for g in part.groups}
    choosing = any(0 < ix.attends[g] < len(ix.attend_options[g]) for g in part.groups)
    if choosing:
        _alternate(ix, part)
    if not search or deadline - time.monotonic() < MIN_SEARCH_S:
        return False
    if _figures(ix, part, part.anchored, part.attended) == (
        part.needs_structural,
        part.structural_bound,
    ):
        return False  # the starting plan meets its bounds: nothing to search
    stopped = _search(
        ix,
        part,
        deadline=deadline,
        seed=seed,
        num_workers=num_workers,
        should_stop=should_stop,
        bound_share=BOUND_SHARE if choosing else 0.0,
    )
    if choosing and not stopped and not part.proved and deadline - time.monotonic() > 0:
        # Where groups choose, the flow bound counts them at every evening they may attend
        # and CP-SAT's bound closes slowly: the Lagrangian bound takes the time left.
        part.structural_bound = min(
            part.structural_bound,
            lagrangian_bound(
                ix,
                part.specialists,
                part.groups,
                lower=_figures(ix, part, part.anchored, part.attended)[1],
                deadline=deadline,
            ),
        )
    return stopped


def _search(
    ix: SeriesIndex,
    part: _Part,
    *,
    deadline: float,
    seed: int,
    num_workers: int,
    should_stop: Callable[[], bool] | None,
    bound_share: float,
) -> bool:
    """Search the part's CP-SAT model from its starting plan, leaving ``bound_share`` of the
    time to ``deadline`` unused; True if ``should_stop`` stopped it."""
    deadline -= bound_share * max(0.0, deadline - time.monotonic())

    m = _Model()
    model = m.model
    y: dict[tuple[int, int], cp_model.IntVar] = {}
    by_evening: dict[int, list[cp_model.IntVar]] = {}
    for p in part.specialists:
        mine = []
        for e in ix.anchor_options[p]:
            if ix.tables[e] > 0:
                y[p, e] = var = model.new_bool_var(f"y{p},{e}")
                mine.append(var)
                by_evening.setdefault(e, []).append(var)
        if len(mine) > ix.max_evenings[p]:
            model.add(sum(mine) <= ix.max_evenings[p])
    for e, anchors in by_evening.items():
        if len(anchors) > ix.tables[e]:
            model.add(sum(anchors) <= ix.tables[e])
    x: dict[tuple[int, int], Literal] = {}
    for g in part.groups:
        options = ix.attend_options[g]
        if ix.attends[g] == len(options):
            for e in options:
                x[g, e] = True
        else:
            choices = [model.new_bool_var(f"x{g},{e}") for e in options]
            for e, var in zip(options, choices, strict=True):
                x[g, e] = var
            model.add(sum(choices) == ix.attends[g])

    pairs: list[tuple[int, Literal]] = []
    fixed_pairs: dict[tuple[int, tuple[int, ...]], int] = {}
    for g in part.groups:
        attendable = set(ix.attend_options[g])
        fixed = ix.attends[g] == len(attendable)
        for p, weight in ix.pairs[g].items():
            common = tuple(e for e in ix.anchor_options[p] if e in attendable and (p, e) in y)
            if not common:
                continue
            if fixed:
                fixed_pairs[p, common] = fixed_pairs.get((p, common), 0) + weight
            else:
                meets = [m.both(x[g, e], y[p, e]) for e in common]
                if ix.attends[g] == 1:  # it attends one evening: at most one is true
                    pairs.extend((weight, literal) for literal in meets)
                else:
                    pairs.append((weight, m.any(meets)))
    for (p, common), weight in fixed_pairs.items():
        pairs.append((weight, m.any([y[p, e] for e in common])))

    has: dict[tuple[str, int], Literal] = {}
    for specialty in sorted({s for g in part.groups for s in ix.needs[g]}):
        for e in part.evenings:
            anchors = [y[p, e] for p in ix.specialists_of.get(specialty, []) if (p, e) in y]
            if anchors:
                has[specialty, e] = m.any(anchors)
    needs: list[tuple[int, Literal]] = []
    fixed_needs: dict[tuple[str, tuple[int, ...]], int] = {}
    for g in part.groups:
        options = ix.attend_options[g]
        fixed = ix.attends[g] == len(options)
        for specialty in ix.needs[g]:
            where = tuple(e for e in options if (specialty, e) in has)
            if not where:
                continue
            if fixed:
                fixed_needs[specialty, where] = fixed_needs.get((specialty, where), 0) + 1
            else:
                met = [m.both(x[g, e], has[specialty, e]) for e in where]
                if ix.attends[g] == 1:
                    needs.extend((1, literal) for literal in met)
                else:
                    needs.append((1, m.any(met)))
    for (specialty, where), count in fixed_needs.items():
        needs.append((count, m.any([has[specialty, e] for e in where])))

    part.need_weight = part.structural_bound + 1
    objective = sum(
        weight * literal for weight, literal in pairs if not isinstance(literal, bool)
    ) + sum(
        part.need_weight * count * literal
        for count, literal in needs
        if not isinstance(literal, bool)
    )
    constant = sum(weight for weight, literal in pairs if literal is True) + sum(
        part.need_weight * count for count, literal in needs if literal is True
    )
    if not pairs and not needs:
        return False
    model.maximize(objective)
    _hint(m, y, x, part)

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    # The model is mostly implications and clauses; without them in the LP relaxation its
    # bound is weak and a 1,000-clinician season is not proved in 10 s (with them: 0.4 s).
    solver.parameters.linearization_level = 2
    workers = 1 if len(model.proto.variables) <= ONE_WORKER_VARIABLES else max(1, num_workers)
    solver.parameters.num_workers = workers
    solver.parameters.interleave_search = workers > 1
    left = max(MIN_SEARCH_S, deadline - time.monotonic())
    solver.parameters.max_time_in_seconds = left
    solver.parameters.max_deterministic_time = left
    status, stopped = run(solver, model, should_stop)
    part.stopped = stopped
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return stopped
    part.proved = status == cp_model.OPTIMAL
    part.objective_bound = constant + math.floor(solver.best_objective_bound + 1e-6)
    if status == cp_model.OPTIMAL:
        part.objective_bound = constant + round(solver.objective_value)
    part.anchored = {}
    for (p, e), var in y.items():
        if solver.boolean_value(var):
            part.anchored.setdefault(p, []).append(e)
    part.attended = {
        g: [e for e in ix.attend_options[g] if x[g, e] is True or solver.boolean_value(x[g, e])]
        for g in part.groups
    }
    return stopped


def _figures(
    ix: SeriesIndex, part: _Part, anchored: dict[int, list[int]], attended: dict[int, list[int]]
) -> tuple[int, int]:
    """The part's (needs met, pairs meeting) under this plan."""
    specialties_at = _specialties_at(ix, anchored)
    needs = sum(
        1
        for g in part.groups
        for specialty in ix.needs[g]
        if any(specialty in specialties_at.get(e, ()) for e in attended.get(g, ()))
    )
    pairs = sum(
        weight
        for g in part.groups
        for p, weight in ix.pairs[g].items()
        if not set(attended.get(g, ())).isdisjoint(anchored.get(p, ()))
    )
    return needs, pairs


def _specialties_at(ix: SeriesIndex, anchored: dict[int, list[int]]) -> dict[int, set[str]]:
    at: dict[int, set[str]] = {}
    for p, evenings in anchored.items():
        for e in evenings:
            at.setdefault(e, set()).add(ix.problem.specialists[p].specialty)
    return at


def _alternate(ix: SeriesIndex, part: _Part) -> int:
    """Improve the part's starting plan, needs met first and then pairs meeting: with the
    groups where they are, anchor the specialists by a max-weight assignment (each pair a
    specialist would meet is worth its clinicians, the first specialist of a specialty at an
    evening is worth a need for each group there that needs it); with the anchors where they
    are, send each group to its best evenings; again until the figures stop growing. For
    groups that attend one evening each half is exact, so a round never makes the plan worse
    (``MAX_ALTERNATIONS`` rounds at most). Returns the pairs meeting.

    With the groups fixed the planner's model is an assignment and CP-SAT solves it fast;
    with groups that choose, neither half alone is hard but the two together are, and a
    search that starts from the flow's anchors alone (which counts a choosing group at every
    evening it may attend) stays far from good plans in its time."""
    flow = Assignment(ix, part.specialists)
    need_weight = 1 + sum(sum(ix.pairs[g].values()) for g in part.groups)
    best = _figures(ix, part, part.anchored, part.attended)
    for _ in range(MAX_ALTERNATIONS):
        weights = np.zeros(len(flow.arcs), dtype=np.int64)
        bonus = np.zeros(len(flow.kinds), dtype=np.int64)
        for g, evenings in part.attended.items():
            for p, weight in ix.pairs[g].items():
                for e in evenings:
                    arc = flow.arc_at.get((p, e))
                    if arc is not None:
                        weights[arc] += weight
            for specialty in ix.needs[g]:
                for e in evenings:
                    kind = flow.kind_at.get((e, specialty))
                    if kind is not None:
                        bonus[kind] += need_weight
        _, taken = flow.solve(weights, bonus)
        anchored: dict[int, list[int]] = {}
        for taken_arc in np.flatnonzero(taken).tolist():
            p, e = flow.arcs[taken_arc]
            specialty = ix.problem.specialists[p].specialty
            if weights[taken_arc] > 0 or bonus[flow.kind_at[e, specialty]] > 0:
                anchored.setdefault(p, []).append(e)
        specialties_at = _specialties_at(ix, anchored)
        attended = {
            g: _best_evenings(ix, g, anchored, specialties_at, need_weight) for g in part.groups
        }
        figures = _figures(ix, part, anchored, attended)
        if figures <= best:
            break
        best, part.anchored, part.attended = figures, anchored, attended
    return best[1]


def _best_evenings(
    ix: SeriesIndex,
    g: int,
    anchored: dict[int, list[int]],
    specialties_at: dict[int, set[str]] | None = None,
    need_weight: int = 0,
) -> list[int]:
    """The group's evenings where the most of its pairs meet, given the anchors (ties: the
    earlier evening); with ``specialties_at``, each of its needs met there is worth
    ``need_weight`` pairs."""
    options = ix.attend_options[g]
    if ix.attends[g] == len(options):
        return list(options)
    score = dict.fromkeys(options, 0)
    for p, weight in ix.pairs[g].items():
        for e in anchored.get(p, []):
            if e in score:
                score[e] += weight
    if specialties_at is not None:
        for e in options:
            score[e] += need_weight * len(specialties_at.get(e, set()).intersection(ix.needs[g]))
    ranked = sorted(options, key=lambda e: (-score[e], e))
    return sorted(ranked[: ix.attends[g]])


def _hint(
    m: _Model,
    y: dict[tuple[int, int], cp_model.IntVar],
    x: dict[tuple[int, int], Literal],
    part: _Part,
) -> None:
    """Hint the starting plan of ``part``, helper literals included."""
    value: dict[int, bool] = {}
    anchored = {(p, e) for p, evenings in part.anchored.items() for e in evenings}
    attended = {(g, e) for g, evenings in part.attended.items() for e in evenings}
    for key, var in y.items():
        value[var.index] = key in anchored
    for key, literal in x.items():
        if not isinstance(literal, bool):
            value[literal.index] = key in attended

    def of(literal: Literal) -> bool:
        return literal if isinstance(literal, bool) else value[literal.index]

    for var, is_and, literals in m.defined:
        value[var.index] = (all if is_and else any)(of(literal) for literal in literals)
    for index, hinted in value.items():
        m.model.add_hint(m.model.get_bool_var_from_proto_index(index), hinted)


def _plan(ix: SeriesIndex, parts: list[_Part], *, started: float, stopped: bool) -> SeriesPlan:
    """The plan of the parts, with its figures and bounds."""
    problem = ix.problem
    anchored: list[set[int]] = [set() for _ in problem.specialists]
    attended: list[set[int]] = [set() for _ in problem.groups]
    for part in parts:
        for p, evenings in part.anchored.items():
            anchored[p].update(evenings)
        for g, evenings in part.attended.items():
            attended[g].update(evenings)
    specialties_at: list[set[str]] = [set() for _ in problem.evenings]
    for p, anchored_at in enumerate(anchored):
        for e in anchored_at:
            specialties_at[e].add(problem.specialists[p].specialty)

    pairs_meeting = 0
    needs_met = 0
    unmet: list[Need] = []
    upper_bound = 0
    needs_upper_bound = 0
    proved = True
    for part in parts:
        part_pairs = sum(
            weight
            for g in part.groups
            for p, weight in ix.pairs[g].items()
            if not attended[g].isdisjoint(anchored[p])
        )
        part_needs = sum(
            1
            for g in part.groups
            for specialty in ix.needs[g]
            if any(specialty in specialties_at[e] for e in attended[g])
        )
        pair_bound, need_bound = part.structural_bound, part.needs_structural
        if part.objective_bound is not None:
            need_bound = min(need_bound, part.objective_bound // part.need_weight)
            pair_bound = min(pair_bound, part.objective_bound - part.need_weight * part_needs)
        pair_bound = max(pair_bound, part_pairs)
        need_bound = max(need_bound, part_needs)
        proved = proved and part_pairs == pair_bound and part_needs == need_bound
        pairs_meeting += part_pairs
        needs_met += part_needs
        upper_bound += pair_bound
        needs_upper_bound += need_bound
    for g, group in enumerate(problem.groups):
        for specialty in ix.needs[g]:
            if not any(specialty in specialties_at[e] for e in attended[g]):
                unmet.append(Need(group=group.id, specialty=specialty))
    # Groups that attend no evening: their pairs cannot meet, their needs are unmet.
    unplaced = tuple(group.id for g, group in enumerate(problem.groups) if ix.attends[g] == 0)

    return SeriesPlan(
        status=PlanStatus.OPTIMAL if proved and not stopped else PlanStatus.FEASIBLE,
        anchors=tuple(
            sorted(
                Anchor(specialist=problem.specialists[p].id, evening=ix.evening_ids[e])
                for p, evenings in enumerate(anchored)
                for e in evenings
            )
        ),
        attendance=tuple(
            sorted(
                Attendance(group=problem.groups[g].id, evening=ix.evening_ids[e])
                for g, evenings in enumerate(attended)
                for e in evenings
            )
        ),
        shared_patient_pairs=ix.shared_patient_pairs,
        pairs_meeting=pairs_meeting,
        upper_bound=upper_bound,
        needs=sum(len(needs) for needs in ix.needs),
        needs_met=needs_met,
        needs_upper_bound=needs_upper_bound,
        unmet_needs=tuple(unmet),
        unplaced_groups=unplaced,
        solve_seconds=time.monotonic() - started,
        stopped=stopped,
    )
