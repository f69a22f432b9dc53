"""What rotations adds to the event's pages, which events builds without knowing rotations:
the schedule and publish steps of the event page, the re-plan box of the check-in page, the
groups page's "Next: the schedule" box, and the header's "Schedule" tab. Registered in
``RotationsConfig.ready``."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from events.models import Event
from events.queries import DONE, TODO, WAITING, WARNING, EventFacts, Step, Tab

from .forms import ReplanForm
from .models import SolveRun
from .services import readiness_problems


def schedule_tab(*, event: Event, active: str) -> Tab:
    """The header's "Schedule" tab, after "Groups"."""
    url = reverse("rotations:schedule_list", kwargs={"event_pk": event.pk})
    return Tab("schedule", "Schedule", url)


def schedule_steps(facts: EventFacts, steps: list[Step]) -> list[Step]:
    """The schedule step (solve, the versions, the last run) and the publish step."""
    event = facts.event
    schedules = list(event.schedules.order_by("-version").only("pk", "version", "is_published"))
    url = reverse("rotations:schedule_list", kwargs={"event_pk": event.pk})
    return [
        _schedule_step(facts, schedules, url),
        _publish_step(schedules, url),
    ]


def _schedule_step(facts: EventFacts, schedules: list, url: str) -> Step:
    last_run = facts.event.solve_runs.order_by("-created_at").first()
    notes = []
    missing = []
    if not facts.tables:
        missing.append("tables")
    if not facts.groups:
        missing.append("travelling groups")
    # The one readiness check, the same that start_solve refuses with.
    problems = [] if missing or schedules else readiness_problems(event=facts.event)
    if missing:
        state = WAITING
        summary = "Needs " + " and ".join(missing) + " before it can be solved."
    elif problems:
        state, summary, notes = WAITING, "Not ready to solve yet.", problems
    elif last_run is not None and last_run.is_active:
        state, summary = WAITING, "The solver is working…"
    elif schedules:
        state = DONE
        summary = f"{len(schedules)} version(s); latest is version {schedules[0].version}."
    else:
        state, summary = TODO, "Ready to solve."
    if last_run is not None and last_run.status in (
        SolveRun.Status.INFEASIBLE,
        SolveRun.Status.FAILED,
    ):
        notes.append(f"The last solve {last_run.get_status_display().lower()}.")
        if state == DONE:
            state = WARNING
    return Step("schedule", "Schedule", state, summary, url, "Open the schedule", notes)


def _publish_step(schedules: list, url: str) -> Step:
    published = next((s for s in schedules if s.is_published), None)
    notes = []
    if published and schedules[0].pk != published.pk:
        notes.append(f"Version {schedules[0].version} has changes that are not published yet.")
    if published:
        state = WARNING if notes else DONE
        summary = f"Version {published.version} is published."
    else:
        state = TODO if schedules else WAITING
        summary = "Not published yet." if schedules else "Needs a schedule first."
    return Step("publish", "Publish", state, summary, url, "Publish", notes)


def replan_panel(*, event: Event, request: HttpRequest, **context) -> str:
    """The check-in page's "Someone missing?" box: re-plan the rounds still to come."""
    context = {
        "event": event,
        "replan_form": ReplanForm(event=event),
        "has_published": event.schedules.filter(is_published=True).exists(),
    }
    return render_to_string("rotations/includes/replan_box.html", context, request=request)


def solve_next_panel(*, event: Event, request: HttpRequest, **context) -> str:
    """The groups page's "Next: the schedule" box, while the event has no schedule yet and is
    ready to be solved (the same readiness check ``start_solve`` makes): solve from there."""
    if event.schedules.exists() or not event.groups.exists():
        return ""
    active_run = next(
        (r for r in event.solve_runs.order_by("-created_at")[:1] if r.is_active), None
    )
    if active_run is None and readiness_problems(event=event):
        return ""
    context = {"event": event, "active_run": active_run}
    return render_to_string("rotations/includes/solve_next_box.html", context, request=request)
