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

from rotations.solver import cpsat, lns, replan
from rotations.solver.bounds import (
    Relaxation,
    build_relaxation,
    choose_pairs,
    fairness_bound,
    quota,
    visits_bound,
)
from rotations.solver.indexed import Indexed, bits, index_problem
from rotations.solver.layout import Schedule, fill, lay_out
from rotations.solver.metrics import Figures, figures
from rotations.solver.mixing import balance_tables, reduce_repeats
from rotations.solver.parts import components, subproblem
from rotations.solver.problem import Problem, Progress, Solution, Status, Strategy, Visit
from rotations.solver.reasons import pin_conflicts

Triple = tuple[int, int, int]

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
    levels are proved best (each equals its flow bound, or CP-SAT proved it); mixing and
    table balance (``table_spread``, the sum of squared visits per table) are improved but
    not proved.

    ``on_progress`` receives a ``Progress`` after each phase and each better CP-SAT schedule.
    ``should_stop`` is polled between phases and during the search; once it returns True the
    best schedule so far is returned with ``stopped=True``. Independent parts (see
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
    """
    if problem.replan_from_round is None:
        return _solve(
            problem,
            time_limit_s=time_limit_s,
            seed=seed,
            num_workers=num_workers,
            on_progress=on_progress,
            should_stop=should_stop,
        )
    started = time.monotonic()
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
            deadline=started + max(0.0, time_limit_s),
            seed=seed,
            num_workers=num_workers,
            on_progress=on_progress,
            should_stop=should_stop,
        )
    else:
        inner = _solve(
            replan.stable_problem(problem, base),
            time_limit_s=time_limit_s,
            seed=seed,
            num_workers=num_workers,
            on_progress=on_progress,
            should_stop=should_stop,
        )
        solution = replan.restate(problem, base, inner, keep=not inner.stopped)
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
    started = time.monotonic()
    deadline = started + max(0.0, time_limit_s)

    def report(
        fraction: float, message: str, visits: int | None = None, bound: int | None = None
    ) -> None:
        if on_progress is not None:
            on_progress(Progress(fraction, message, visits, bound))

    def stop_now() -> bool:
        return should_stop is not None and should_stop()

    report(0.0, "checking pinned visits")
    reasons = pin_conflicts(problem)
    if reasons:
        report(1.0, "infeasible: the pinned visits break a hard rule")
        return _infeasible(reasons, started)

    ix = index_problem(problem)
    if stop_now():
        return _stopped_early(ix, started)
    rel = build_relaxation(ix)
    if stop_now():
        return _stopped_early(ix, started)
    bound = visits_bound(ix, rel)
    share_bound = fairness_bound(ix, rel, should_stop)
    report(0.1, f"at most {bound} visits", None, bound)

    found = components(ix)
    if len(found) == 1 and len(found[0][0]) == len(ix.groups):
        parts = [_Part(ix, rel, ix.problem)]
    else:
        parts = []
        for k, (groups, tables) in enumerate(found):
            sub = subproblem(ix, groups, tables, k)
            sub_ix = index_problem(sub)
            parts.append(_Part(sub_ix, build_relaxation(sub_ix), sub))
            if stop_now():
                return _stopped_early(ix, started)
    # What each part has so far: its pins until it is laid out.
    results = [_Result([part.ix.visit(*pin) for pin in part.ix.pins], False) for part in parts]

    def finish(stopped: bool) -> Solution:
        triples = sorted(
            (v.round, ix.group_index[v.group], ix.table_index[v.table])
            for result in results
            for v in result.visits
        )
        fig = figures(ix, triples, rel.possible)
        proved = all(result.proved for result in results) and (
            len(parts) == 1 or fig.min_share == share_bound
        )
        report(1.0, f"{fig.visits} of at most {bound} visits", fig.visits, bound)
        return _solution(ix, triples, fig, bound, share_bound, proved, stopped, started)

    if stop_now():
        return finish(True)
    drafts = []
    for k, part in enumerate(parts):
        draft = _draft(part, share_bound, should_stop)
        drafts.append(draft)
        results[k] = _Result([part.ix.visit(*key) for key in draft.triples], draft.proved)
        if stop_now():
            return finish(True)
    report(0.5, "laid out the rounds", None, bound)

    # Parts short of a bound get a search; big ones in processes of their own.
    searched = [k for k, draft in enumerate(drafts) if not draft.proved]
    size = {k: sum(len(e) for e in parts[k].ix.eligible) for k in searched}
    lanes = min(num_workers, len(searched), os.cpu_count() or 1)
    remote = [k for k in searched if size[k] >= PARALLEL_MIN_PAIRS] if lanes >= 2 else []
    if len(remote) < 2:
        remote = []
    # Spend most of the time left on search, keeping some for mixing; parts share it by size,
    # in-process ones one after another, the others in ``lanes`` processes side by side.
    stopped = False
    remote_total = sum(size[k] for k in remote) or 1
    remote_budget = max(0.0, deadline - time.monotonic()) * 0.7
    left_size = sum(size[k] for k in searched if k not in remote)
    if remote:
        outcomes = _search_in_processes(
            [(parts[k].problem, drafts[k]) for k in remote],
            share_bound,
            [remote_budget * min(1.0, lanes * size[k] / remote_total) for k in remote],
            deadline,
            seed,
            max(1, num_workers // lanes),
            lanes,
            stop_now,
        )
        if outcomes is not None:
            for k, (visits, proved, part_stopped) in zip(remote, outcomes, strict=True):
                results[k] = _Result(visits, proved)
                stopped = stopped or part_stopped
        else:
            left_size += sum(size[k] for k in remote)
            remote = []
    for k, part in enumerate(parts):
        if k in remote:
            continue
        if stopped or stop_now():
            return finish(True)
        now = time.monotonic()
        search_until = now
        if k in size:
            search_until += max(0.0, deadline - now) * 0.7 * size[k] / max(1, left_size)
            left_size -= size[k]
        triples, proved, part_stopped = _improve(
            part,
            drafts[k],
            share_bound,
            search_until=search_until,
            deadline=deadline,
            seed=seed,
            num_workers=num_workers,
            should_stop=should_stop,
            on_solution=lambda: report(0.6, "found a better schedule", None, bound),
        )
        results[k] = _Result([part.ix.visit(*key) for key in triples], proved)
        stopped = stopped or part_stopped
    return finish(stopped)


@dataclass(slots=True)
class _Part:
    ix: Indexed
    rel: Relaxation
    problem: Problem


@dataclass(slots=True)
class _Result:
    visits: list[Visit]
    proved: bool


@dataclass(slots=True)
class _Draft:
    """A part after the flow phases: plain data, so it can go to a child process (which
    indexes the same part the same way)."""

    triples: list[Triple]
    pairs: list[tuple[int, int]]
    proved: bool
    visits_bound: int  # at the share floor
    value_bound: int


def _draft(part: _Part, share: Fraction, should_stop: Callable[[], bool] | None = None) -> _Draft:
    """Phases 4 and 5 for one part: which pairs meet, and in which rounds."""
    ix, rel = part.ix, part.rel
    choice = choose_pairs(ix, rel, share)
    pairs = [(int(rel.arc_group[a]), int(rel.arc_table[a])) for a in choice.arcs]
    schedule = lay_out(ix, pairs, [rel.free_rounds[a] for a in choice.arcs], should_stop)
    stopped = should_stop is not None and should_stop()
    if len(schedule.triples()) < choice.visits and not stopped:
        fill(schedule, [quota(share, p) for p in rel.possible], should_stop)
    triples = schedule.triples()
    fig = figures(ix, triples, rel.possible)
    proved = fig.min_share >= share and fig.visits == choice.visits and fig.value == choice.value
    return _Draft(triples, pairs, proved, choice.visits, choice.value)


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
    ix, rel = part.ix, part.rel
    best, proved = draft.triples, draft.proved
    triples = None if proved else cpsat.eligible_triples(ix)
    if triples is not None and len(triples) > cpsat.MAX_TRIPLES:
        # Too big for one exact model: search neighbourhoods of it.
        searched = lns.improve(
            ix,
            rel.possible,
            best,
            target=share,
            visits_bound=draft.visits_bound,
            value_bound=draft.value_bound,
            deadline=search_until,
            seed=seed,
            should_stop=should_stop,
            on_solution=on_solution,
        )
        fig = figures(ix, best, rel.possible)
        better = figures(ix, searched.triples, rel.possible)
        if _capped(better, share) > _capped(fig, share):
            best, fig = searched.triples, better
        proved = _proved(fig, share, draft.visits_bound, draft.value_bound, (False, False, False))
        if searched.stopped:
            return best, proved, True
    elif triples is not None:
        outcome = cpsat.improve(
            ix,
            rel.possible,
            best,
            deadline=search_until,
            seed=seed,
            num_workers=num_workers,
            should_stop=should_stop,
            on_solution=on_solution,
            triples=triples,
            share_cap=share,
        )
        fig = figures(ix, best, rel.possible)
        found = figures(ix, outcome.triples, rel.possible)
        if _capped(found, share) > _capped(fig, share):
            best, fig = outcome.triples, found
        proved = _proved(fig, share, draft.visits_bound, draft.value_bound, outcome.proved)
        if outcome.stopped:
            return best, proved, True
    schedule = _schedule_of(ix, best)
    stopped = reduce_repeats(schedule, deadline=deadline, should_stop=should_stop)
    if not stopped:
        stopped = balance_tables(schedule, deadline=deadline, should_stop=should_stop)
    return schedule.triples(), proved, stopped


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
    ix = index_problem(problem)
    part = _Part(ix, build_relaxation(ix), problem)
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
    return [ix.visit(*key) for key in triples], proved, stopped


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


def _stopped_early(ix: Indexed, started: float) -> Solution:
    """The pinned visits alone, for a stop before the bounds are known."""
    triples = sorted(ix.pins)
    fig = figures(ix, triples, [len(bits(mask)) for mask in ix.group_mask])
    return Solution(
        status=Status.FEASIBLE,
        visits=tuple(ix.visit(*key) for key in triples),
        visits_upper_bound=sum(len(bits(mask)) for mask in ix.group_mask),
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


def _schedule_of(ix: Indexed, triples: list[Triple]) -> Schedule:
    schedule = Schedule.empty(ix)
    for r, g, t in triples:
        if (r, g, t) not in schedule.pinned:
            schedule.place(r, g, t)
    return schedule


def _solution(
    ix: Indexed,
    triples: list[Triple],
    fig: Figures,
    bound: int,
    share_bound: Fraction,
    proved: bool,
    stopped: bool,
    started: float,
) -> Solution:
    return Solution(
        status=Status.OPTIMAL if proved and not stopped else Status.FEASIBLE,
        visits=tuple(sorted(ix.visit(r, g, t) for r, g, t in triples)),
        visits_upper_bound=bound,
        min_share_upper_bound=float(share_bound),
        min_share=float(fig.min_share),
        affinity=fig.affinity,
        met_before_revisits=fig.met_before_revisits,
        repeated_pairs=fig.repeated_pairs,
        solve_seconds=time.monotonic() - started,
        stopped=stopped,
        table_spread=fig.table_spread,
    )
