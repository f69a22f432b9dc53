"""Display helpers of the schedule pages; none of them queries the database."""

from django import template
from django.utils.html import format_html

from rotations.models import SolveRun

register = template.Library()

RUN_STATUS_CLASSES = {
    SolveRun.Status.QUEUED: "text-bg-secondary",
    SolveRun.Status.RUNNING: "text-bg-info",
    SolveRun.Status.SUCCEEDED: "text-bg-success",
    SolveRun.Status.INFEASIBLE: "text-bg-warning",
    SolveRun.Status.FAILED: "text-bg-danger",
    SolveRun.Status.CANCELLED: "text-bg-secondary",
}


@register.simple_tag
def run_badge(run: SolveRun):
    """A coloured badge for a solve run's status."""
    return format_html(
        '<span class="badge {}">{}</span>',
        RUN_STATUS_CLASSES.get(run.status, "text-bg-secondary"),
        run.get_status_display(),
    )
