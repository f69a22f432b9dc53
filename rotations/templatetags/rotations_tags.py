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


TRACK_MARKS = {"adult": "A", "pediatric": "P", "all-ages": "All"}


@register.filter
def short_name(name: str) -> str:
    """A group's name for the board's compact mode: the words before a comma as initials
    ("Internal Medicine, Back Bay" -> "IM Back Bay"); a name without a comma as it is."""
    head, sep, tail = name.partition(",")
    if not sep or not tail.strip():
        return name
    initials = "".join(word[0].upper() for word in head.split() if word[:1].isalnum())
    return f"{initials} {tail.strip()}"


@register.filter
def track_mark(track: str) -> str:
    """The letter beside a visit's colour that says its track without colour: A, P, All."""
    return TRACK_MARKS.get(track, "")


@register.simple_tag
def visit_key(round_: int, group_id: int, table_id: int) -> tuple[int, int, int]:
    return (round_, group_id, table_id)


@register.filter
def in_set(value, container) -> bool:
    return value in container
