"""``manage.py replan_event EVENT --from-round N [--absent EMAIL ...] [--arrived EMAIL ...]
[--strategy fewest-changes|best] [--wait] [--publish] [--json]``: re-plan the rest of an
event on the day through Celery, exactly as the check-in page's Re-plan button does."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from events.models import Attendance, Event
from events.services import set_attendance_status
from rotations import services
from rotations.management.commands.solve_event import Command as SolveEventCommand
from rotations.management.commands.solve_event import (
    get_event,
    refuse_unless_succeeded,
    start_refusals,
)
from rotations.models import Schedule, SolveRun, Strategy


class Command(SolveEventCommand):
    help = (
        "Re-plan EVENT (id or exact name) from round N for the Celery worker: rounds before N "
        "stay as they happened. --absent marks people no-shows and --arrived checks them in "
        "first. Without --strategy both options (fewest changes, best) are computed and the "
        "fewest-changes one reported. Exit status 0 when the re-plan succeeds, 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("event", help="the event's id or exact name")
        parser.add_argument(
            "--from-round", type=int, required=True, metavar="N", help="first round planned again"
        )
        parser.add_argument(
            "--absent", nargs="+", default=[], metavar="EMAIL", help="mark these no-shows"
        )
        parser.add_argument(
            "--arrived", nargs="+", default=[], metavar="EMAIL", help="check these in"
        )
        parser.add_argument(
            "--strategy",
            choices=Strategy.values,
            default=None,
            help="solve only this option (default: both, reporting fewest changes)",
        )
        parser.add_argument("--wait", action="store_true", help="follow the re-plan to its end")
        parser.add_argument(
            "--time-limit", type=int, default=None, metavar="S", help="the solver's seconds"
        )
        parser.add_argument(
            "--publish", action="store_true", help="publish the option if the re-plan succeeds"
        )
        parser.add_argument(
            "--json", action="store_true", help="print the result as one JSON object"
        )

    def handle(self, *args, **options):
        event = get_event(options["event"])
        self.as_json = options["json"]
        from_round = options["from_round"]
        if not 1 <= from_round <= event.rounds:
            raise CommandError(
                f"{event.name} has rounds 1–{event.rounds}; there is no round {from_round}."
            )
        if not Schedule.objects.filter(event=event, is_published=True).exists():
            raise CommandError(
                f"{event.name} has no published schedule: a re-plan keeps the rounds that "
                "happened. Publish a schedule first."
            )
        if options["time_limit"] is not None and options["time_limit"] < 1:
            raise CommandError("--time-limit must be at least 1 second.")
        absent = self.attendances(event, options["absent"])
        arrived = self.attendances(event, options["arrived"])
        both = {a.pk for a in absent} & {a.pk for a in arrived}
        if both:
            raise CommandError("Someone is both --absent and --arrived.")
        strategies = [options["strategy"]] if options["strategy"] else None
        with start_refusals("The event cannot be re-planned"), transaction.atomic():
            for attendance in absent:
                set_attendance_status(attendance=attendance, status=Attendance.Status.NO_SHOW)
            for attendance in arrived:
                set_attendance_status(attendance=attendance, status=Attendance.Status.CHECKED_IN)
            run = services.start_solve(
                event=event,
                by=None,
                time_limit_s=options["time_limit"],
                replan_from_round=from_round,
                strategies=strategies,
            )
        self.say(
            f"Marked {len(absent)} no-show(s), checked in {len(arrived)}. Queued re-plan run "
            f"{run.pk} of {event} from round {from_round} ({run.time_limit_s} s)."
        )
        if not (options["wait"] or options["publish"] or options["json"]):
            return
        run = self.follow(run, noun="re-plan")
        self.report_replan(
            run, strategy=options["strategy"] or Strategy.FEWEST_CHANGES, publish=options["publish"]
        )

    def say(self, line: str) -> None:
        # With --json, stdout holds only the JSON object; the story goes to stderr.
        (self.stderr if self.as_json else self.stdout).write(line)

    def poll(self, run: SolveRun) -> SolveRun:
        stdout = self.stdout
        if self.as_json:
            self.stdout = self.stderr
        try:
            return super().poll(run)
        finally:
            self.stdout = stdout

    def attendances(self, event: Event, emails: list[str]) -> list[Attendance]:
        """The attendances of ``event`` with these emails (matched without regard to case)."""
        if not emails:
            return []
        found = {
            attendance.clinician.email.lower(): attendance
            for attendance in Attendance.objects.filter(event=event).select_related("clinician")
            if attendance.clinician.email
        }
        missing = [email for email in emails if email.lower() not in found]
        if missing:
            raise CommandError(f"Not at {event.name}: {', '.join(missing)}.")
        return [found[email.lower()] for email in emails]

    def report_replan(self, run: SolveRun, *, strategy: str, publish: bool) -> None:
        run.refresh_from_db()
        refuse_unless_succeeded(
            run, noun="re-plan", result="re-plan", nothing="nothing was written"
        )
        options = services.replan_options(run=run)
        chosen = next(option for option in options if option.strategy == strategy)
        if publish:
            try:
                services.publish_replan(schedule=chosen.schedule, by=None)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages), returncode=1) from None
            chosen.schedule.refresh_from_db()
        if self.as_json:
            result = chosen.as_json()
            result["options"] = [option.as_json() for option in options]
            result["published"] = chosen.schedule.is_published
            self.stdout.write(json.dumps(result, indent=2))
            return
        for option in options:
            self.stdout.write(
                f"{option.strategy_label}: version {option.schedule.version}, "
                f"{option.changed_visits} visits changed, {option.changed_itineraries} "
                f"itineraries to reprint, visits {option.visits_before} → {option.visits_after}."
            )
        if publish:
            self.stdout.write(f"Published version {chosen.schedule.version}.")
