"""``manage.py plan_series SERIES [--wait] [--json] [--time-limit S]``: plan a season through
Celery, exactly as the series page's "Plan the season" button does.

``--json`` prints the plan's figures (``pairs_meeting``: shared-patient pairs the plan brings
to the same evening) and, from the evenings' schedules as they are when the plan ends,
``pairs_meeting_scheduled`` (the pairs a schedule seats at the same table,
``queries.scheduled_pairs``; null while no evening has a schedule) and
``evenings_scheduled``. Those follow the schedules: after a new plan, set up and solve the
evenings again for them to catch up."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from series import planning
from series.models import Series, SeriesPlan
from series.queries import scheduled_pairs

POLL_EVERY_S = 0.5
# After this long still queued, say that a worker is needed.
WORKER_HINT_AFTER_S = 10.0
# The plan's figures --json prints, in this order; then pairs_meeting_scheduled and
# evenings_scheduled, from the evenings' schedules.
JSON_KEYS = (
    "evenings",
    "specialists",
    "groups",
    "shared_patient_pairs",
    "pairs_meeting",
    "upper_bound",
    "needs",
    "needs_met",
    "optimal",
    "summary",
)


def get_series(reference: str) -> Series:
    """The series with this id, or with exactly this name; CommandError otherwise."""
    if reference.isdigit():
        series = Series.objects.filter(pk=int(reference)).first()
        if series is not None:
            return series
    found = list(Series.objects.filter(name=reference).order_by("pk"))
    if len(found) == 1:
        return found[0]
    if found:
        ids = ", ".join(str(series.pk) for series in found)
        raise CommandError(f'{len(found)} series are named "{reference}"; give the id: {ids}.')
    raise CommandError(f'No series has the id or name "{reference}".')


class Command(BaseCommand):
    help = (
        "Queue a plan of the season SERIES (id or exact name) for the Celery worker. With "
        "--wait, follow it to its end; exit status 0 when it succeeds, 1 otherwise. --json "
        "prints the plan's figures as JSON (implies --wait)."
    )

    def add_arguments(self, parser):
        parser.add_argument("series", help="the series' id or exact name")
        parser.add_argument("--wait", action="store_true", help="follow the plan to its end")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument(
            "--time-limit",
            type=int,
            default=planning.PLAN_TIME_LIMIT_S,
            metavar="S",
            help="the planner's seconds",
        )

    def handle(self, *args, **options):
        series = get_series(options["series"])
        if options["time_limit"] < 1:
            raise CommandError("--time-limit must be at least 1 second.")
        try:
            series_plan = planning.start_plan(
                series=series, by=None, time_limit_s=options["time_limit"]
            )
        except (planning.PlanAlreadyRunning, planning.QueueUnavailable) as exc:
            raise CommandError(str(exc)) from None
        quiet = options["json"]
        if not quiet:
            self.stdout.write(f"Queued plan {series_plan.pk} of {series}.")
        if not (options["wait"] or options["json"]):
            return
        status = self.poll(series_plan, quiet=quiet)
        if status["status"] != SeriesPlan.Status.SUCCEEDED:
            raise CommandError(f"The plan failed: {status['error']}", returncode=1)
        figures = status["figures"]
        scheduled = scheduled_pairs(series)
        if quiet:
            out = {key: figures.get(key) for key in JSON_KEYS}
            out["pairs_meeting_scheduled"] = scheduled.pairs if scheduled.scheduled else None
            out["evenings_scheduled"] = scheduled.scheduled
            self.stdout.write(json.dumps(out, indent=2))
        else:
            self.stdout.write(f"Planned: {figures['summary']}.")
            if scheduled.scheduled:
                self.stdout.write(
                    f"In the schedules of {scheduled.scheduled} of the {scheduled.evenings} "
                    f"evenings, {scheduled.pairs} of the {figures['shared_patient_pairs']} "
                    "shared-patient pairs sit at the same table."
                )

    def poll(self, series_plan: SeriesPlan, *, quiet: bool) -> dict:
        shown = None
        hinted = False
        waited = 0.0
        while True:
            status = planning.plan_status(series_plan=series_plan)
            line = (status["progress"], status["message"])
            if not quiet and status["status"] == SeriesPlan.Status.RUNNING and line != shown:
                self.stdout.write(f"  {status['progress']:3d}%  {status['message']}")
                shown = line
            if not status["is_active"]:
                return status
            queued = status["status"] == SeriesPlan.Status.QUEUED
            if queued and not hinted and waited >= WORKER_HINT_AFTER_S:
                self.stderr.write("  waiting for a worker: is `celery -A config worker` running?")
                hinted = True
            time.sleep(POLL_EVERY_S)
            waited += POLL_EVERY_S
