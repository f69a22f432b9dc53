"""Small display helpers for the organizer's pages; none of them queries the database."""

from django import template
from django.utils.html import format_html

from events.queries import TRACK_LABELS, Tab, event_tabs, round_ranges

register = template.Library()

# The states of events' own models; solve runs have theirs in rotations_tags.run_badge.
STATUS_CLASSES = {
    # Event statuses
    "draft": "text-bg-secondary",
    "scheduled": "text-bg-info",
    "published": "text-bg-success",
    "finished": "text-bg-dark",
    # Attendance statuses
    "invited": "text-bg-light border",
    "confirmed": "text-bg-primary",
    "checked-in": "text-bg-success",
    "no-show": "text-bg-danger",
}


@register.simple_tag
def track_badge(track: str | None):
    """A coloured badge for a track value (adult / pediatric / all-ages)."""
    if not track:
        return ""
    return format_html(
        '<span class="badge badge-track badge-track-{}">{}</span>',
        track,
        TRACK_LABELS.get(track, track),
    )


@register.simple_tag
def status_badge(value: str, label: str):
    return format_html(
        '<span class="badge {}">{}</span>', STATUS_CLASSES.get(value, "text-bg-secondary"), label
    )


@register.simple_tag
def event_header_tabs(event, active) -> list[Tab]:
    """The tabs of ``event``'s header, its own and those the apps above events register."""
    return event_tabs(event, active=active or "")


@register.filter
def rounds_text(rounds) -> str:
    """[1, 2, 3, 5, 7, 8] → "1–3, 5, 7–8" (``queries.round_ranges``); "none" for none."""
    return round_ranges(rounds or ()) or "none"


@register.filter
def present_rounds(anchor, rounds: int) -> list[int]:
    return anchor.present_rounds(rounds)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
