"""The solver's entry point.

Phases, each leaving a valid schedule behind it:

1. Pins. Only pinned visits can make a problem infeasible; every conflict is reported.
2. Bounds (``bounds.py``). Dropping the round structure leaves a bipartite flow: its maximum
   bounds the visits, and flows with a lower bound per group bound the min share.
3. Parts (``parts.py``). Groups and tables that can never meet (tracks, locations, windows)
   split the problem into independent parts, e.g. the locations of a regional event. Each is
   solved on its own with the whole problem's share bound as its fairness floor, which keeps
   the combined schedule exactly as good as one solve of the whole.
4. Pairs (``bounds.py``). A min-cost max-flow with every group at its quota chooses which
   group meets which table, best value first: levels 1-3 of the objective on the relaxation.
5. Rounds (``layout.py``). The pairs are put into rounds, a max-flow per round; what windows
   keep from fitting is repaired with other visits.
6. Search, only for parts where phase 5 fell short of a bound: one exact CP-SAT model
   (``cpsat.py``) for a small part, large-neighbourhood search (``lns.py``) for a big one.
   Parts that need it and are big enough to be worth a process are searched in parallel.
7. Mixing and balance (``mixing.py``): re-timing visits to lower the repeated pairs, then
   moving visits to quieter tables of equal value, levels 1-3 (and then 4) unchanged.

On the example instances phase 5 places every chosen pair, so levels 1-3 meet their bounds
and are proved optimal without search.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from rotations.solver import cpsat, exact, lns, replan
from rotations.solver.bounds import (
    Relaxation,
    build_relaxation,
    build_relaxation_unless_stopped,
    choose_pairs,
    fairness_bound,
    quota,
    visits_bound_and_arcs,
)
from rotations.solver.indexed import Indexed, bits, index_problem
from rotations.solver.layout import Schedule, fill, lay_out
from rotations.solver.limits import check_size
from rotations.solver.metrics import Figures, figures, to_solution
from rotations.solver.mixing import balance_tables, reduce_repeats
from rotations.solver.parts import components, subproblem
from rotations.solver.problem import Problem, Progress, Solution, Status, Strategy, Visit
from rotations.solver.reasons import pin_conflicts

Triple = tuple[int, int, int]

# Choosing the pairs (one min-cost flow, which cannot be interrupted) takes about this many
# times as long as the max-flow of the visits bound on the same network (6x of CPU measured
# at 40,000 clinicians, 15 s against 2.6 s; 8 leaves room); with less time left than that,
# the solve lays out the max-flow's pairs instead (``_quick_draft``) rather than overrun its
# time limit.
MIN_COST_FLOW_FACTOR = 8

# A part is searched in its own process only if it has at least this many eligible
# (group, table) pairs: below that its search is over before a process has started.
PARALLEL_MIN_PAIRS = 2_000


def solve(
    problem: Problem,
    *,
    strategy: Strategy = Strategy.BEST,
    time_limit_s: float = 30.0,
    seed: int = 0,
    num_workers: int = 2,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Solution:
    """Schedule ``problem``: the best valid schedule found within ``time_limit_s`` seconds.

    The schedule always keeps hard rules 1-6 of ``docs/solver-format.md`` and the location rule
    of ``problem.py``; if the pinned visits break one, the status is ``INFEASIBLE``, there
    are no visits, and ``reasons`` says why. Schedules are compared level by level: min share
    of possible visits, total visits, value (affinity, with met-before visits worth less; see
    ``indexed.visit_value``), then repeated group pairs. ``OPTIMAL`` means the first three
    levels are proved best (each equals its flow bound, or CP-SAT proved it);
    ``proved_levels`` names the levels proved, mixing among them for a small event
    (``exact.py``); table balance (``table_spread``, the sum of squared visits per table) is
    improved but not proved.

    ``on_progress`` receives a ``Progress`` after each phase and each better CP-SAT schedule.
    ``should_stop`` is polled between phases and during the search; once it returns True the
    best schedule so far is returned with ``stopped=True``. Every phase also watches the time
    limit: the bounds and the layout (phases 2-5) poll it like ``should_stop``, and one cut
    short by it ends the solve the same way (``stopped=True``, the schedule as far as it got:
    the pinned visits alone if the bounds were not done); the search and mixing stop at it
    and keep what they found. Independent parts (see
    ``parts.py``) that need a search may be searched in child processes, up to
    ``num_workers`` of them at once. The same problem, seed and worker count give the same
    schedule unless the time limit or ``should_stop`` cuts a search short.

    A re-plan (``problem.replan_from_round`` N set, ``problem.previous`` the published
    schedule) keeps every published visit before N exactly and adds nothing before N; from N
    on, ``strategy`` decides (see ``replan.py``): ``FEWEST_CHANGES`` keeps every published
    visit that is still valid and only fills the open seats, ``BEST`` plans those rounds again
    and keeps published visits where that costs nothing. ``changed_visits``,
    ``changed_groups`` and ``kept_visits`` compare the result with the published schedule.
    Without ``replan_from_round``, ``previous`` and ``strategy`` are ignored.

    A problem over the size limits of ``limits.py`` (e.g. more than 200 rounds) raises
    ``limits.ProblemTooLarge`` at once, with a message that says which limit.
    """
    check_size(problem)
    if problem.replan_from_round is None:
        solution = _solve(
            problem,
            time_limit_s=time_limit_s,
            seed=seed,
            num_workers=num_workers,
            on_progress=on_progress,
            should_stop=should_stop,
        )
    else:
        solution = _replan(
            problem,
            strategy=strategy,
            time_limit_s=time_limit_s,
            seed=seed,
            num_workers=num_workers,
            on_progress=on_progress,
            should_stop=should_stop,
        )
    return exact.settle(solution)


def _replan(
    problem: Problem,
    *,
    strategy: Strategy,
    time_limit_s: float,
    seed: int,
    num_workers: int,
    on_progress: Callable[[Progress], None] | None,
    should_stop: Callable[[], bool] | None,
) -> Solution:
    """``solve`` of a re-plan: the kept visits checked, then ``strategy`` (``replan.py``),
    every phase within the one time limit."""
    started = time.monotonic()
    deadline = started + max(0.0, time_limit_s)
    reasons = pin_conflicts(problem)
    if reasons:
        if on_progress is not None:
            on_progress(Progress(1.0, "infeasible: the kept visits break a hard rule"))
        return _infeasible(reasons, started)
    base = replan.base_problem(problem)
    if strategy is Strategy.FEWEST_CHANGES:
        solution = replan.fewest_changes(
            problem,
            base,
            deadline=deadline,
            seed=seed,
            num_workers=num_workers,
            on_progress=on_progress,
            should_stop=should_stop,
        )
    else:
        stable = replan.stable_problem(problem, base)
        inner = _solve(
            stable,
            time_limit_s=max(0.0, deadline - time.monotonic()) * (1 - replan.KEEP_ROUNDS_SHARE),
            seed=seed,
            num_workers=num_workers,
            on_progress=on_progress,
            should_stop=should_stop,
        )
        solution = replan.restate(
            problem,
            base,
            inner,
            keep=not inner.stopped,
            deadline=deadline,
            should_stop=should_stop,
        )
    return replan.with_changes(problem, replace(solution, solve_seconds=time.monotonic() - started))


def _solve(
    problem: Problem,
    *,
    time_limit_s: float,
    seed: int,
    num_workers: int,
    on_progress: Callable[[Progress], None] | None,
    should_stop: Callable[[], bool] | None,
) -> Solution:
    """``solve`` of a problem that is not a re-plan."""
    run = _Run(
        time_limit_s=time_limit_s,
        seed=seed,
        num_workers=num_workers,
        on_progress=on_progress,
        should_stop=should_stop,
    )
    solution = run.solve(problem)
    # Phase 8 (``exact.py``): a small problem is finished by the exact model, levels 1-4.
    return exact.finish(
        problem,
        solution,
        indexed=run.indexed,
        deadline=run.deadline,
        seed=seed,
        on_progress=on_progress,
        should_stop=should_stop,
    )


@dataclass(slots=True)
class _Part:
    indexed: Indexed
    relaxation: Relaxation
    problem: Problem


@dataclass(slots=True)
class _Result:
    visits: list[Visit]
    proved: bool


@dataclass(slots=True)
class _Whole:
    """The whole problem after phase 2, with its bounds."""

    indexed: Indexed
    relaxation: Relaxation
    visits_bound: int
    share_bound: Fraction
    # The relaxation arcs of one maximum flow: pairs to lay out when there is no time to
    # choose better ones.
    max_flow_arcs: list[int]


@dataclass(slots=True)
class _Draft:
    """A part after the flow phases: plain data, so it can go to a child process (which
    indexes the same part the same way)."""

    triples: list[Triple]
    pairs: list[tuple[int, int]]
    proved: bool
    visits_bound: int  # at the share floor
    value_bound: int


@dataclass(slots=True)
class _SearchPlan:
    """Which parts phase 6 searches, and where."""

    size: dict[int, int]  # eligible (group, table) pairs of each part to search, by index
    remote: list[int]  # parts searched in child processes, by index
    lanes: int  # child processes side by side


class _Run:
    """One ``solve`` of a problem that is not a re-plan: the phases of the module docstring,
    one method each, sharing the time limit (counted from the run's creation), seed and
    callbacks."""

    def __init__(
        self,
        *,
        time_limit_s: float,
        seed: int,
        num_workers: int,
        on_progress: Callable[[Progress], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + max(0.0, time_limit_s)
        self.seed = seed
        self.num_workers = num_workers
        self.on_progress = on_progress
        self.should_stop = should_stop
        # The whole problem indexed, once phase 2 has it (the exact phase reuses it).
        self.indexed: Indexed | None = None
        # True once a phase before the search was cut short by a stop or the time limit.
        self.cut = False
        # True once the pairs were the quick ones of ``_quick_draft``.
        self.quick = False
        # Seconds the max-flow of the visits bound took, per arc of the relaxation.
        self.flow_s_per_arc = 0.0

    def report(
        self, fraction: float, message: str, visits: int | None = None, bound: int | None = None
    ) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(fraction, message, visits, bound))

    def stop_requested(self) -> bool:
        return self.should_stop is not None and self.should_stop()

    def halted(self) -> bool:
        """A stop was requested or the time limit is reached: what phases 2-5 poll, noting
        that they were cut short (the result is then ``stopped``)."""
        if self.stop_requested() or time.monotonic() >= self.deadline:
            self.cut = True
        return self.cut

    def solve(self, problem: Problem) -> Solution:
        """Phases 1-7 in order; a stop between two of them returns the best schedule so far."""
        reasons = self.check_pins(problem)
        if reasons:
            return _infeasible(reasons, self.started)
        indexed = self.indexed = index_problem(problem)
        whole = self.bound(indexed)
        # After a cut in the fairness bound, what it returned is an upper bound but no share
        # to plan with.
        parts = None if whole is None or self.cut else self.split_into_parts(whole)
        if whole is None or parts is None:
            return _stopped_early(indexed, self.started)
        # What each part has so far: its pins until it is laid out.
        results = [
            _Result([part.indexed.visit(*pin) for pin in part.indexed.pins], False)
            for part in parts
        ]
        if self.stop_requested():
            return self.finish(whole, results, stopped=True)
        drafts = self.choose_pairs_and_rounds(parts, whole, results)
        if drafts is None:
            return self.finish(whole, results, stopped=True)
        self.report(0.5, "laid out the rounds", None, whole.visits_bound)
        stopped = self.search_and_mix(parts, drafts, whole, results)
        return self.finish(whole, results, stopped=stopped)

    def check_pins(self, problem: Problem) -> list[str]:
        """Phase 1: why the pinned visits break a hard rule (nothing if they do not)."""
        self.report(0.0, "checking pinned visits")
        reasons = pin_conflicts(problem)
        if reasons:
            self.report(1.0, "infeasible: the pinned visits break a hard rule")
        return reasons

    def bound(self, indexed: Indexed) -> _Whole | None:
        """Phase 2: the relaxation and the bounds on visits and min share; None on a stop."""
        if self.halted():
            return None
        relaxation = build_relaxation_unless_stopped(indexed, self.halted)
        if relaxation is None or self.halted():
            return None
        flow_started = time.monotonic()
        bound, arcs = visits_bound_and_arcs(indexed, relaxation)
        self.flow_s_per_arc = (time.monotonic() - flow_started) / max(1, len(relaxation.arc_group))
        whole = _Whole(
            indexed, relaxation, bound, fairness_bound(indexed, relaxation, self.halted), arcs
        )
        self.report(0.1, f"at most {whole.visits_bound} visits", None, whole.visits_bound)
        return whole

    def split_into_parts(self, whole: _Whole) -> list[_Part] | None:
        """Phase 3: the independent parts, each indexed with its relaxation; None on a stop."""
        indexed = whole.indexed
        found = components(indexed)
        if len(found) == 1 and len(found[0][0]) == len(indexed.groups):
            return [_Part(indexed, whole.relaxation, indexed.problem)]
        parts = []
        for part_index, (groups, tables) in enumerate(found):
            part_problem = subproblem(indexed, groups, tables, part_index)
            part_indexed = index_problem(part_problem)
            relaxation = build_relaxation_unless_stopped(part_indexed, self.halted)
            if relaxation is None:
                return None
            parts.append(_Part(part_indexed, relaxation, part_problem))
        return parts

    def choose_pairs_and_rounds(
        self, parts: list[_Part], whole: _Whole, results: list[_Result]
    ) -> list[_Draft] | None:
        """Phases 4 and 5 for every part, each part's result updated as it is drafted; None
        on a stop. If the time left is too short for choosing the pairs of a problem in one
        part, the pairs of the visits bound's maximum flow are laid out instead and searched
        and mixed in the time left (the result is then ``stopped``); of a problem in several
        parts, the solve stops there."""
        drafts = []
        for part_index, part in enumerate(parts):
            needs = MIN_COST_FLOW_FACTOR * self.flow_s_per_arc * len(part.relaxation.arc_group)
            if time.monotonic() + needs <= self.deadline:
                draft = _draft(part, whole.share_bound, self.halted)
            elif len(parts) == 1:
                draft = _quick_draft(whole, self.halted)
                # Stopped, though the search and mixing still get the time left.
                self.quick = True
            else:
                self.cut = True
                return None
            drafts.append(draft)
            results[part_index] = _Result(
                [part.indexed.visit(*key) for key in draft.triples], draft.proved
            )
            if self.stop_requested() or self.cut:
                return None
        return drafts

    def search_and_mix(
        self, parts: list[_Part], drafts: list[_Draft], whole: _Whole, results: list[_Result]
    ) -> bool:
        """Phases 6 and 7 for every part, updating ``results``: True if stopped. Big parts
        go to child processes when there are several; if processes cannot be had here, they
        are searched in this one like the others."""
        plan = _plan_search(parts, drafts, self.num_workers)
        stopped = False
        if plan.remote:
            remote_stopped = self.search_in_processes(plan, parts, drafts, whole, results)
            if remote_stopped is None:
                plan.remote = []
            else:
                stopped = remote_stopped
        return self.search_here(plan, parts, drafts, whole, results, stopped=stopped)

    def search_in_processes(
        self,
        plan: _SearchPlan,
        parts: list[_Part],
        drafts: list[_Draft],
        whole: _Whole,
        results: list[_Result],
    ) -> bool | None:
        """Phases 6 and 7 for ``plan.remote``, ``plan.lanes`` processes side by side, sharing
        70% of the time left by size (the rest is for mixing): True if stopped, None if
        processes cannot be had here."""
        remote_total = sum(plan.size[part_index] for part_index in plan.remote) or 1
        remote_budget = max(0.0, self.deadline - time.monotonic()) * 0.7
        outcomes = _search_in_processes(
            [(parts[part_index].problem, drafts[part_index]) for part_index in plan.remote],
            whole.share_bound,
            [
                remote_budget * min(1.0, plan.lanes * plan.size[part_index] / remote_total)
                for part_index in plan.remote
            ],
            self.deadline,
            self.seed,
            max(1, self.num_workers // plan.lanes),
            plan.lanes,
            self.stop_requested,
        )
        if outcomes is None:
            return None
        stopped = False
        for part_index, (visits, proved, part_stopped) in zip(plan.remote, outcomes, strict=True):
            results[part_index] = _Result(visits, proved)
            stopped = stopped or part_stopped
        return stopped

    def search_here(
        self,
        plan: _SearchPlan,
        parts: list[_Part],
        drafts: list[_Draft],
        whole: _Whole,
        results: list[_Result],
        *,
        stopped: bool,
    ) -> bool:
        """Phases 6 and 7 for the parts not in ``plan.remote``, one after another; a part
        that needs a search gets 70% of the time left times its share of the size left (the
        rest is for mixing). True if stopped (``stopped``: already by the remote search)."""
        size_left = sum(
            plan.size[part_index] for part_index in plan.size if part_index not in plan.remote
        )
        for part_index, part in enumerate(parts):
            if part_index in plan.remote:
                continue
            if stopped or self.stop_requested():
                return True
            now = time.monotonic()
            search_until = now
            if part_index in plan.size:
                time_left = max(0.0, self.deadline - now)
                search_until += time_left * 0.7 * plan.size[part_index] / max(1, size_left)
                size_left -= plan.size[part_index]
            triples, proved, part_stopped = _improve(
                part,
                drafts[part_index],
                whole.share_bound,
                search_until=search_until,
                deadline=self.deadline,
                seed=self.seed,
                num_workers=self.num_workers,
                should_stop=self.should_stop,
                on_solution=lambda: self.report(
                    0.6, "found a better schedule", None, whole.visits_bound
                ),
            )
            results[part_index] = _Result([part.indexed.visit(*key) for key in triples], proved)
            stopped = stopped or part_stopped
        return stopped

    def finish(self, whole: _Whole, results: list[_Result], *, stopped: bool) -> Solution:
        """The parts' results put together as one solution of the whole problem."""
        stopped = stopped or self.cut or self.quick
        indexed = whole.indexed
        triples = sorted(
            (visit.round, indexed.group_index[visit.group], indexed.table_index[visit.table])
            for result in results
            for visit in result.visits
        )
        fig = figures(indexed, triples, whole.relaxation.possible)
        proved = all(result.proved for result in results) and (
            len(results) == 1 or fig.min_share == whole.share_bound
        )
        self.report(
            1.0,
            f"{fig.visits} of at most {whole.visits_bound} visits",
            fig.visits,
            whole.visits_bound,
        )
        return to_solution(
            tuple(sorted(indexed.visit(r, g, t) for r, g, t in triples)),
            fig,
            bound=whole.visits_bound,
            share_bound=float(whole.share_bound),
            proved=proved,
            stopped=stopped,
            seconds=time.monotonic() - self.started,
        )


def _plan_search(parts: list[_Part], drafts: list[_Draft], num_workers: int) -> _SearchPlan:
    """Parts short of a bound get a search; big ones in processes of their own, if there are
    at least two of them and two workers and cores for them."""
    searched = [part_index for part_index, draft in enumerate(drafts) if not draft.proved]
    size = {
        part_index: sum(len(tables) for tables in parts[part_index].indexed.eligible)
        for part_index in searched
    }
    lanes = min(num_workers, len(searched), os.cpu_count() or 1)
    remote = (
        [part_index for part_index in searched if size[part_index] >= PARALLEL_MIN_PAIRS]
        if lanes >= 2
        else []
    )
    if len(remote) < 2:
        remote = []
    return _SearchPlan(size, remote, lanes)


def _draft(part: _Part, share: Fraction, should_stop: Callable[[], bool] | None = None) -> _Draft:
    """Phases 4 and 5 for one part: which pairs meet, and in which rounds."""
    indexed, relaxation = part.indexed, part.relaxation
    choice = choose_pairs(indexed, relaxation, share)
    pairs = [(int(relaxation.arc_group[a]), int(relaxation.arc_table[a])) for a in choice.arcs]
    schedule = lay_out(
        indexed, pairs, [relaxation.free_rounds[a] for a in choice.arcs], should_stop
    )
    stopped = should_stop is not None and should_stop()
    if len(schedule.triples()) < choice.visits and not stopped:
        fill(schedule, [quota(share, p) for p in relaxation.possible], should_stop)
    triples = schedule.triples()
    fig = figures(indexed, triples, relaxation.possible)
    proved = fig.min_share >= share and fig.visits == choice.visits and fig.value == choice.value
    return _Draft(triples, pairs, proved, choice.visits, choice.value)


def _quick_draft(whole: _Whole, should_stop: Callable[[], bool]) -> _Draft:
    """Phase 5 alone for a problem in one part, out of time for phase 4: the pairs of one
    maximum flow, laid out in rounds. No level is proved (the value bound is out of reach)."""
    relaxation = whole.relaxation
    arcs = whole.max_flow_arcs
    pairs = [(int(relaxation.arc_group[a]), int(relaxation.arc_table[a])) for a in arcs]
    schedule = lay_out(whole.indexed, pairs, [relaxation.free_rounds[a] for a in arcs], should_stop)
    return _Draft(schedule.triples(), pairs, False, whole.visits_bound, 1 << 62)


def _improve(
    part: _Part,
    draft: _Draft,
    share: Fraction,
    *,
    search_until: float,
    deadline: float,
    seed: int,
    num_workers: int,
    should_stop: Callable[[], bool] | None,
    on_solution: Callable[[], None],
) -> tuple[list[Triple], bool, bool]:
    """Phases 6 and 7 for one part: (triples, levels 1-3 proved, stopped)."""
    indexed, relaxation = part.indexed, part.relaxation
    best, proved = draft.triples, draft.proved
    too_big = not proved and _more_triples_than(indexed, cpsat.MAX_TRIPLES)
    triples = None if proved or too_big else cpsat.eligible_triples(indexed)
    if too_big:
        # Too big for one exact model: search neighbourhoods of it.
        searched = lns.improve(
            indexed,
            relaxation.possible,
            best,
            target=share,
            visits_bound=draft.visits_bound,
            value_bound=draft.value_bound,
            deadline=search_until,
            seed=seed,
            should_stop=should_stop,
            on_solution=on_solution,
        )
        fig = figures(indexed, best, relaxation.possible)
        better = figures(indexed, searched.triples, relaxation.possible)
        if _capped(better, share) > _capped(fig, share):
            best, fig = searched.triples, better
        proved = _proved(fig, share, draft.visits_bound, draft.value_bound, (False, False, False))
        if searched.stopped:
            return best, proved, True
    elif triples is not None:
        outcome = cpsat.improve(
            indexed,
            relaxation.possible,
            best,
            deadline=search_until,
            seed=seed,
            num_workers=num_workers,
            should_stop=should_stop,
            on_solution=on_solution,
            triples=triples,
            share_cap=share,
        )
        fig = figures(indexed, best, relaxation.possible)
        found = figures(indexed, outcome.triples, relaxation.possible)
        if _capped(found, share) > _capped(fig, share):
            best, fig = outcome.triples, found
        proved = _proved(fig, share, draft.visits_bound, draft.value_bound, outcome.proved)
        if outcome.stopped:
            return best, proved, True
    schedule = _schedule_of(indexed, best)
    stopped = reduce_repeats(schedule, deadline=deadline, should_stop=should_stop)
    if not stopped:
        stopped = balance_tables(schedule, deadline=deadline, should_stop=should_stop)
    return schedule.triples(), proved, stopped


def _more_triples_than(indexed: Indexed, limit: int) -> bool:
    """More than ``limit`` eligible (round, group, table) triples: counted pair by pair, and
    only until the count passes ``limit``, so a large part costs no list of its triples
    (hundreds of millions at 40,000 clinicians)."""
    count = 0
    for g, tables in enumerate(indexed.eligible):
        mask = indexed.group_mask[g]
        for t in tables:
            count += (mask & indexed.table_mask[t]).bit_count()
        if count > limit:
            return True
    return False


# The stop flag of a child process searching one part (set by the parent on should_stop).
_child_stop: Any = None


def _child_init(flag: Any) -> None:
    global _child_stop
    _child_stop = flag


def _improve_in_child(
    problem: Problem,
    draft: _Draft,
    share: Fraction,
    search_s: float,
    total_s: float,
    seed: int,
    num_workers: int,
) -> tuple[list[Visit], bool, bool]:
    now = time.monotonic()
    indexed = index_problem(problem)
    part = _Part(indexed, build_relaxation(indexed), problem)
    triples, proved, stopped = _improve(
        part,
        draft,
        share,
        search_until=now + search_s,
        deadline=now + total_s,
        seed=seed,
        num_workers=num_workers,
        should_stop=_child_stop.is_set if _child_stop is not None else None,
        on_solution=lambda: None,
    )
    return [indexed.visit(*key) for key in triples], proved, stopped


def _search_in_processes(
    jobs: list[tuple[Problem, _Draft]],
    share: Fraction,
    budgets: list[float],
    deadline: float,
    seed: int,
    num_workers: int,
    lanes: int,
    stop_now: Callable[[], bool],
) -> list[tuple[list[Visit], bool, bool]] | None:
    """Phases 6 and 7 for these parts, ``lanes`` processes at a time; None if processes
    cannot be had here (e.g. inside a daemonic worker), and the caller does it in-process."""
    # Fork: the children start at once and import nothing, where spawn and forkserver would
    # import the caller's main module again (a script without a main guard would run again).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    flag = context.Event()
    left = max(0.0, deadline - time.monotonic())
    try:
        with ProcessPoolExecutor(
            max_workers=lanes, mp_context=context, initializer=_child_init, initargs=(flag,)
        ) as pool:
            futures: list[Future[tuple[list[Visit], bool, bool]]] = [
                pool.submit(
                    _improve_in_child, problem, draft, share, budget, left, seed, num_workers
                )
                for (problem, draft), budget in zip(jobs, budgets, strict=True)
            ]
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                if stop_now():
                    flag.set()
            return [future.result() for future in futures]
    except (AssertionError, OSError, RuntimeError):
        # multiprocessing refuses children of daemonic processes with an AssertionError;
        # a broken pool is a RuntimeError.
        return None


def _infeasible(reasons: list[str], started: float) -> Solution:
    return Solution(
        status=Status.INFEASIBLE,
        visits=(),
        visits_upper_bound=0,
        min_share_upper_bound=0.0,
        min_share=0.0,
        affinity=0,
        met_before_revisits=0,
        repeated_pairs=0,
        reasons=tuple(reasons),
        solve_seconds=time.monotonic() - started,
    )


def _stopped_early(indexed: Indexed, started: float) -> Solution:
    """The pinned visits alone, for a stop before the bounds are known."""
    triples = sorted(indexed.pins)
    fig = figures(indexed, triples, [len(bits(mask)) for mask in indexed.group_mask])
    return Solution(
        status=Status.FEASIBLE,
        visits=tuple(indexed.visit(*key) for key in triples),
        visits_upper_bound=sum(len(bits(mask)) for mask in indexed.group_mask),
        min_share_upper_bound=1.0,
        min_share=float(fig.min_share),
        affinity=fig.affinity,
        met_before_revisits=fig.met_before_revisits,
        repeated_pairs=fig.repeated_pairs,
        solve_seconds=time.monotonic() - started,
        stopped=True,
    )


def _capped(fig: Figures, share: Fraction) -> tuple[Fraction, int, int]:
    """Levels 1-3 of a part whose share floor is ``share``: a min share above the floor is
    worth no more than the floor, since another part keeps the whole schedule's min there."""
    return min(fig.min_share, share), fig.visits, fig.value


def _proved(
    fig: Figures,
    share_bound: Fraction,
    visits_bound: int,
    value_bound: int,
    cpsat_proved: tuple[bool, bool, bool],
) -> bool:
    """Levels 1-3 proved: each at its relaxation bound, or proved optimal by CP-SAT (which
    optimises a level only once the levels above it are at their optimum)."""
    if fig.min_share < share_bound and not cpsat_proved[0]:
        return False
    if fig.visits != visits_bound and not cpsat_proved[1]:
        return False
    return fig.value == value_bound or cpsat_proved[2]


def _schedule_of(indexed: Indexed, triples: list[Triple]) -> Schedule:
    schedule = Schedule.empty(indexed)
    for r, g, t in triples:
        if (r, g, t) not in schedule.pinned:
            schedule.place(r, g, t)
    return schedule
