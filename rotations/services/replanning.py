"""Re-plans on the day, side by side: a re-plan run solves each strategy (fewest changes,
best schedule) and writes each as a draft version (``write_options``); ``replan_options``
gives the figures the organizer compares; ``publish_replan`` publishes the chosen one.

The run itself is started and watched like any solve (``solving.start_solve`` with
``replan_from_round``, ``solving.run_solve``); this module holds what only re-plans do."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import display_name, record_audit
from events.models import Event
from rotations.models import Schedule, SolveRun, Strategy, replan_note
from rotations.services.adapter import apply_solution
from rotations.services.publishing import changed_itineraries, publish_schedule
from rotations.solver import Problem, Progress, Solution, solve
from rotations.solver import Strategy as SolverStrategy
from rotations.solver import Visit as SolverVisit

# Audit log actions written by re-plans.
SCHEDULE_REPLANNED = "schedule.replanned"
REPLAN_PUBLISHED = "schedule.replan_published"

# Fewest changes first: it is tiny, and the organizer's first choice on the day.
ALL_STRATEGIES = (Strategy.FEWEST_CHANGES.value, Strategy.BEST.value)


class FrozenRoundChanged(Exception):
    """A re-plan's result differs from the published schedule in a round that already
    happened; nothing is written."""


def frozen_visits(visits: Sequence[SolverVisit], from_round: int) -> set[SolverVisit]:
    """The visits of rounds before ``from_round``: what a re-plan keeps as it happened."""
    return {visit for visit in visits if visit.round < from_round}


def solve_options(
    problem: Problem,
    *,
    strategies: Sequence[str],
    time_limit_s: float,
    seed: int,
    num_workers: int,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[tuple[str, Solution]]:
    """Solve ``problem`` (a re-plan: ``previous`` and ``replan_from_round`` set) once per
    strategy, in order, within ``time_limit_s`` in all. Reads and writes nothing.

    Raises ``FrozenRoundChanged`` if a solution that has visits does not hold exactly the
    published visits in the rounds before ``replan_from_round``: the page promises "rounds
    1–(N-1) kept as they happened", and this makes it true whatever the solver does."""
    assert problem.replan_from_round is not None
    deadline = time.monotonic() + time_limit_s
    frozen = frozen_visits(problem.previous, problem.replan_from_round)
    options = []
    for strategy in strategies:
        solution = solve(
            problem,
            strategy=SolverStrategy(strategy),
            time_limit_s=max(1.0, deadline - time.monotonic()),
            seed=seed,
            num_workers=num_workers,
            on_progress=on_progress,
            should_stop=should_stop,
        )
        if solution.visits and frozen_visits(solution.visits, problem.replan_from_round) != frozen:
            raise FrozenRoundChanged(
                f"The {Strategy(strategy).label.lower()} re-plan changed a round before round "
                f"{problem.replan_from_round}; nothing was written."
            )
        options.append((strategy, solution))
    return options


def write_options(
    *,
    run: SolveRun,
    problem: Problem,
    options: Sequence[tuple[str, Solution]],
) -> list[Schedule]:
    """Write each option of a re-plan ``run`` as a draft version based on the published one
    (``run.pinned_from``), with its strategy and the run, and audit each in words
    (SCHEDULE_REPLANNED). Call inside the transaction that ends the run: all the options
    and the run's end are written together, or nothing is. The first option is the run's own
    ``solve_run`` version. The rounds that happened are pinned in each version."""
    assert run.replan_from_round is not None and run.pinned_from is not None
    held = [visit for visit in problem.previous if visit.round < run.replan_from_round]
    schedules = []
    for index, (strategy, solution) in enumerate(options):
        schedule = apply_solution(
            event=run.event,
            solution=solution,
            run=run if index == 0 else None,
            by=run.started_by,
            based_on=run.pinned_from,
            note=f"{replan_note(run.replan_from_round)} {Strategy(strategy).label}.",
            also_pinned=[*held, *problem.pinned],
            strategy=strategy,
            replan_run=run,
        )
        option = figures(schedule=schedule, published=run.pinned_from)
        record_audit(
            actor=run.started_by,
            action=SCHEDULE_REPLANNED,
            target=f"{run.event.name}, version {schedule.version}",
            message=(
                f"{display_name(run.started_by)} re-planned {run.event.name} from round "
                f"{run.replan_from_round} ({Strategy(strategy).label.lower()}): "
                f"{_changes_words(option)}"
            ),
            details={
                "event": run.event_id,
                "run": run.pk,
                "schedule": schedule.pk,
                "version": schedule.version,
                "published_version": run.pinned_from.version,
                "from_round": run.replan_from_round,
                "strategy": strategy,
                "changed_visits": option.changed_visits,
                "changed_itineraries": option.changed_itineraries,
            },
        )
        schedules.append(schedule)
    return schedules


@dataclass(frozen=True, slots=True)
class ReplanOption:
    """One re-planned version against the published one it would replace."""

    schedule: Schedule
    strategy: str
    from_round: int
    # (round, group) slots from ``from_round`` whose table changed, appeared or disappeared.
    changed_visits: int
    changed_groups: int
    # Clinicians whose itinerary changes (to reprint): ``changed_itineraries``.
    changed_itineraries: int
    gained: int
    lost: int
    visits_before: int
    visits_after: int
    # The rounds before ``from_round`` hold exactly the published visits.
    frozen_kept: bool

    @property
    def strategy_label(self) -> str:
        return Strategy(self.strategy).label if self.strategy else "Re-plan"

    def as_json(self) -> dict[str, object]:
        return {
            "version": self.schedule.version,
            "schedule": self.schedule.pk,
            "strategy": self.strategy,
            "from_round": self.from_round,
            "published": self.schedule.is_published,
            "changed_visits": self.changed_visits,
            "changed_groups": self.changed_groups,
            "changed_itineraries": self.changed_itineraries,
            "visits_gained": self.gained,
            "visits_lost": self.lost,
            "visits_before": self.visits_before,
            "visits_after": self.visits_after,
            "frozen_rounds_kept": self.frozen_kept,
        }


def figures(*, schedule: Schedule, published: Schedule) -> ReplanOption:
    """How ``schedule`` (a re-plan from its ``replan_from_round``) differs from
    ``published``. Reads only; six queries."""
    start = schedule.replan_from_round or 1
    old = set(published.visits.values_list("round", "group_id", "table_id"))
    new = set(schedule.visits.values_list("round", "group_id", "table_id"))
    old_slots = {(r, g): t for r, g, t in old if r >= start}
    new_slots = {(r, g): t for r, g, t in new if r >= start}
    changed = {
        slot
        for slot in old_slots.keys() | new_slots.keys()
        if old_slots.get(slot) != new_slots.get(slot)
    }
    return ReplanOption(
        schedule=schedule,
        strategy=schedule.strategy,
        from_round=start,
        changed_visits=len(changed),
        changed_groups=len({group for _round, group in changed}),
        changed_itineraries=len(changed_itineraries(old=published, new=schedule)),
        gained=len(new - old),
        lost=len(old - new),
        visits_before=len(old),
        visits_after=len(new),
        frozen_kept={v for v in old if v[0] < start} == {v for v in new if v[0] < start},
    )


def replan_options(*, run: SolveRun) -> list[ReplanOption]:
    """The versions a re-plan ``run`` wrote, in the order of its strategies, each with its
    figures against the version that was published when the re-plan started. Reads only."""
    if run.pinned_from is None:
        return []
    schedules = sorted(
        Schedule.objects.filter(replan_run=run),
        key=lambda s: ALL_STRATEGIES.index(s.strategy) if s.strategy in ALL_STRATEGIES else 9,
    )
    return [figures(schedule=schedule, published=run.pinned_from) for schedule in schedules]


def publish_replan(*, schedule: Schedule, by: AbstractBaseUser | None) -> Schedule:
    """Publish a re-plan's option, in one transaction with ``publish_schedule`` (which audits
    the publish and lists the itineraries to reprint), and audit it in words as a re-plan
    (REPLAN_PUBLISHED). Refused (ValidationError) when the version is not a re-plan, or when
    another version was published since the re-plan started: its figures would be wrong and
    it may undo that version's changes."""
    if schedule.replan_from_round is None or schedule.based_on_id is None:
        raise ValidationError(f"Version {schedule.version} is not a re-plan.")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=schedule.event_id)
        current = Schedule.objects.filter(event=event, is_published=True).first()
        if current is not None and current.pk == schedule.pk:
            return schedule
        if current is None or current.pk != schedule.based_on_id:
            raise ValidationError(
                f"Version {current.version if current else '?'} was published after this "
                "re-plan started. Re-plan again from the check-in page."
            )
        option = figures(schedule=schedule, published=current)
        schedule = publish_schedule(schedule=schedule, by=by)
        record_audit(
            actor=by,
            action=REPLAN_PUBLISHED,
            target=f"{event.name}, version {schedule.version}",
            message=(
                f"{display_name(by)} published the re-plan of {event.name} from round "
                f"{schedule.replan_from_round} ({option.strategy_label.lower()}), version "
                f"{schedule.version} in place of version {current.version}: "
                f"{_changes_words(option)}"
            ),
            details={
                "event": event.pk,
                "schedule": schedule.pk,
                "version": schedule.version,
                "previous_version": current.version,
                "from_round": schedule.replan_from_round,
                "strategy": schedule.strategy,
                "changed_visits": option.changed_visits,
                "changed_itineraries": option.changed_itineraries,
            },
        )
    return schedule


def _changes_words(option: ReplanOption) -> str:
    visits = option.changed_visits
    people = option.changed_itineraries
    return (
        f"{visits} visit{'' if visits == 1 else 's'} changed, "
        f"{people} itinerar{'y' if people == 1 else 'ies'}."
    )
