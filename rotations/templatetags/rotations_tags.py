"""Display helpers of the schedule pages; none of them queries the database."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

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


# --- The board's cells, drawn in Python -------------------------------------------------
# A page of the board holds hundreds of chips; the template language costs about a
# millisecond a chip, these functions a few microseconds. The markup is the one the board's
# script (static/js/board.js) and its tests read.

# A placeholder id reversed once, then replaced by each visit's id.
_PK = 987654321


def _board_urls(event_pk: int, schedule_pk: int) -> tuple[str, str]:
    """The move form's URL and the pin URL of visit ``_PK``."""
    return _reversed_board_urls(get_script_prefix(), event_pk, schedule_pk)


@lru_cache(maxsize=512)
def _reversed_board_urls(_prefix: str, event_pk: int, schedule_pk: int) -> tuple[str, str]:
    # Cached: the URLs of a version never change (under one script prefix).
    move = reverse("rotations:schedule_move", kwargs={"event_pk": event_pk, "pk": schedule_pk})
    pin = reverse(
        "rotations:visit_pin",
        kwargs={"event_pk": event_pk, "schedule_pk": schedule_pk, "pk": _PK},
    )
    return move, pin


def _group_bits(group) -> tuple[str, str, str, str]:
    """A group's escaped name, its name as the chip shows it (both forms when compact mode
    shortens it), the words for the aria-label's short name and its track in words; kept on
    the group for the other chips of the page."""
    bits = getattr(group, "_board_bits", None)
    if bits is None:
        name = escape(group.name)
        short = short_name(group.name)
        if short != group.name:
            shown = (
                f'<span class="name-full">{name}</span>'
                f'<span class="name-short">{escape(short)}</span>'
            )
            also = f"; short name {escape(short)}"
        else:
            shown, also = name, ""
        bits = (name, shown, also, escape(group.get_track_display().lower()))
        group._board_bits = bits
    return bits


def _chip(visit, *, round_: int, table, move_url: str, pin_url: str, changed: bool, base) -> str:
    group = visit.group
    name, shown, also, track_words = _group_bits(group)
    pinned = visit.pinned
    track = group.track
    label = (
        f"Group {name}, round {round_}, table {table.number} {escape(table.specialty.name)}, "
        f"{track_words} track{', pinned' if pinned else ''}{', changed' if changed else ''}{also}"
    )
    mark = (
        f'<span class="chip-changed" aria-hidden="true" title="Changed from version '
        f'{base.version if base else ""}">✎</span>'
        if changed
        else ""
    )
    pin = pin_url.replace(str(_PK), str(visit.pk))
    pin_title = "Pinned: click to unpin" if pinned else "Not pinned: click to pin"
    pin_label = f"{'Unpin' if pinned else 'Pin'} {name} in round {round_}"
    title = f' title="{name}"' if also else ""
    return (
        f'<div class="visit-chip track-{track}{" is-pinned" if pinned else ""}'
        f'{" is-changed" if changed else ""}" data-visit data-group="{visit.group_id}" '
        f'data-round="{round_}" data-table="{table.pk}" data-name="{name}">'
        f'<span class="chip-mark" aria-hidden="true">{TRACK_MARKS.get(track, "")}</span> '
        f'<a class="chip-name" href="{move_url}?group={visit.group_id}&amp;from_round={round_}'
        f'&amp;round={round_}&amp;table={table.pk}"{title} aria-label="{label}" '
        f'aria-describedby="board-help">{shown}</a>{mark}'
        f'<button type="submit" form="board-pin" formaction="{pin}" '
        f'class="btn-pin{" pinned" if pinned else ""}" title="{pin_title}" '
        f'aria-label="{pin_label}"><svg class="pin-icon{"" if pinned else " pin-open"}" '
        'aria-hidden="true" focusable="false"><use href="#pin-shape"></use></svg></button></div>'
    )


@register.simple_tag(takes_context=True)
def board_chips(context, cell, round_: int):
    """The visits of one cell of the board (a round at a table): a chip each, with its link
    to the move form (the board without JavaScript) and its pin button (which posts the
    page's one pin form, ``#board-pin``)."""
    schedule = context["schedule"]
    move_url, pin_url = _board_urls(context["event"].pk, schedule.pk)
    changed = context["grid"].changed
    base = schedule.based_on if schedule.based_on_id else None
    return mark_safe(
        "".join(
            _chip(
                visit,
                round_=round_,
                table=cell.table,
                move_url=move_url,
                pin_url=pin_url,
                changed=(round_, visit.group_id, cell.table.pk) in changed,
                base=base,
            )
            for visit in cell.visits
        )
    )


@register.simple_tag(takes_context=True)
def board_cell(context, cell, round_: int):
    """One cell of the board, the ``<td>`` with its chips."""
    table = cell.table
    closed = "" if cell.open else ", no anchor there"
    return mark_safe(
        f'<td class="board-cell{"" if cell.open else " cell-closed"}" '
        f'id="cell-r{round_}-t{table.pk}" data-cell data-round="{round_}" '
        f'data-table="{table.pk}" data-capacity="{table.capacity}" '
        f'data-label="round {round_}, table {table.number} {escape(table.specialty.name)}'
        f'{closed}">{board_chips(context, cell, round_)}</td>'
    )


@register.simple_tag(takes_context=True)
def board_idle(context, groups, round_: int):
    """The groups there in round ``round_`` but at no table (the board's "Not at a table"
    cell), each a chip to drag or pick up onto a table."""
    move_url, _ = _board_urls(context["event"].pk, context["schedule"].pk)
    chips = []
    for group in groups:
        name, shown, also, track_words = _group_bits(group)
        title = f' title="{name}"' if also else ""
        chips.append(
            f'<div class="idle-chip" data-visit data-idle data-group="{group.pk}" '
            f'data-round="{round_}" data-name="{name}"><span class="chip-mark" '
            f'aria-hidden="true">{TRACK_MARKS.get(group.track, "")}</span> <a class="chip-name" '
            f'href="{move_url}?group={group.pk}&amp;from_round={round_}&amp;round={round_}"'
            f'{title} aria-label="Group {name}, round {round_}, not at a table, '
            f'{track_words} track{also}" aria-describedby="board-help">{shown}</a></div>'
        )
    return mark_safe("".join(chips))
