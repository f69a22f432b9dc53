"""``manage.py solve_event EVENT [--wait] [--time-limit S] [--seed N] [--publish]``: solve an
event through Celery, exactly as the organizer's Solve button does."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError

from events.models import Event
from rotations import services
from rotations.models import Schedule, SolveRun

POLL_EVERY_S = 0.5
# After this long still queued, say that a worker is needed.
WORKER_HINT_AFTER_S = 10.0


def get_event(reference: str) -> Event:
    """The event with this id, or with exactly this name; CommandError otherwise."""
    if reference.isdigit():
        event = Event.objects.filter(pk=int(reference)).first()
        if event is not None:
            return event
    events = list(Event.objects.filter(name=reference).order_by("pk"))
    if len(events) == 1:
        return events[0]
    if len(events) > 1:
        ids = ", ".join(str(event.pk) for event in events)
        raise CommandError(f'{len(events)} events are named "{reference}"; give the id: {ids}.')
    raise CommandError(f'No event has the id or name "{reference}".')


@contextmanager
def start_refusals(not_ready: str) -> Iterator[None]:
    """Around ``services.start_solve``: its refusals as a ``CommandError``, an event that is
    not ready headed ``not_ready`` with its problems listed below."""
    try:
        yield
    except services.EventNotReady as exc:
        raise CommandError(
            f"{not_ready}:\n" + "\n".join(f"  - {problem}" for problem in exc.problems)
        ) from None
    except services.SolveAlreadyRunning as exc:
        raise CommandError(str(exc)) from None


def refuse_unless_succeeded(run: SolveRun, *, noun: str, result: str, nothing: str) -> None:
    """A ``CommandError`` (exit status 1) for a ``run`` that ended without success: ``noun``
    names the run ("re-plan"), ``result`` what it would have made ("schedule"), ``nothing``
    what a cancel left ("no schedule was written")."""
    if run.status == SolveRun.Status.SUCCEEDED:
        return
    if run.status == SolveRun.Status.INFEASIBLE:
        lines = "\n".join(f"  - {reason}" for reason in run.reasons)
        raise CommandError(f"No {result} keeps every rule:\n{lines}", returncode=1)
    if run.status == SolveRun.Status.CANCELLED:
        raise CommandError(f"The {noun} was cancelled; {nothing}.", returncode=1)
    raise CommandError(f"The {noun} failed: {run.error}", returncode=1)


class Command(BaseCommand):
    help = (
        "Queue a solve of EVENT (id or exact name) for the Celery worker. With --wait, follow "
        "its progress; exit status 0 when it succeeds, 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("event", help="the event's id or exact name")
        parser.add_argument("--wait", action="store_true", help="follow the solve to its end")
        parser.add_argument(
            "--time-limit", type=int, default=None, metavar="S", help="the solver's seconds"
        )
        parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed")
        parser.add_argument(
            "--publish", action="store_true", help="publish the schedule if the solve succeeds"
        )

    def handle(self, *args, **options):
        event = get_event(options["event"])
        if options["time_limit"] is not None and options["time_limit"] < 1:
            raise CommandError("--time-limit must be at least 1 second.")
        if options["seed"] < 0:
            raise CommandError("--seed must not be negative.")
        with start_refusals("The event is not ready to schedule"):
            run = services.start_solve(
                event=event, by=None, time_limit_s=options["time_limit"], seed=options["seed"]
            )
        self.stdout.write(f"Queued solve run {run.pk} for {event} ({run.time_limit_s} s).")
        if not (options["wait"] or options["publish"]):
            return
        run = self.follow(run, noun="solve")
        self.report(run, publish=options["publish"])

    def follow(self, run: SolveRun, *, noun: str) -> SolveRun:
        """Print a line each time the run's progress or message changes, until it ends. An
        interrupt (Ctrl-C) asks the run to stop and ends the command: "the ``noun`` was
        asked to stop"."""
        try:
            return self.poll(run)
        except KeyboardInterrupt:
            services.cancel_solve(run=run, by=None)
            raise CommandError(f"Interrupted: the {noun} was asked to stop.") from None

    def poll(self, run: SolveRun) -> SolveRun:
        shown = None
        hinted = False
        waited = 0.0
        while True:
            status = services.run_status(run=run)
            line = (status["progress"], status["message"])
            if status["status"] == SolveRun.Status.RUNNING and line != shown:
                self.stdout.write(f"  {status['progress']:3d}%  {status['message']}")
                shown = line
            if not status["is_active"]:
                return run
            queued = status["status"] == SolveRun.Status.QUEUED
            if queued and not hinted and waited >= WORKER_HINT_AFTER_S:
                self.stdout.write("  waiting for a worker: is `celery -A config worker` running?")
                hinted = True
            time.sleep(POLL_EVERY_S)
            waited += POLL_EVERY_S

    def report(self, run: SolveRun, *, publish: bool) -> None:
        if run.status == SolveRun.Status.SUCCEEDED:
            schedule = Schedule.objects.get(solve_run=run)
            proved = "optimal" if run.optimal else f"of at most {run.visits_upper_bound}"
            self.stdout.write(
                f"Succeeded: {run.visits} visits ({proved}), "
                f"min share {run.min_share:.2f} of at most {run.min_share_upper_bound:.2f}; "
                f"schedule version {schedule.version}."
            )
            if publish:
                services.publish_schedule(schedule=schedule, by=None)
                self.stdout.write(f"Published version {schedule.version}.")
            return
        refuse_unless_succeeded(
            run, noun="solve", result="schedule", nothing="no schedule was written"
        )
