"""iCalendar (RFC 5545) files of itineraries, written by hand: one VEVENT per round.

Times are written in UTC (the "Z" form), which every calendar reads and converts to the
reader's zone, so no VTIMEZONE is needed; the event's own times are in settings.TIME_ZONE.
"""

import datetime
import re
import zoneinfo

from django.conf import settings
from django.utils import timezone

from .assembly import Itinerary, ItineraryRound

PRODID = "-//Rounds//Itineraries//EN"


# RFC 5545 TEXT allows no control character but HTAB; line breaks are written as "\n".
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value as RFC 5545 section 3.3.11 wants it: backslash, semicolon and comma
    escaped; every line break (CRLF, LF or a bare CR) as backslash-n; other control characters,
    which TEXT may not hold and some calendars take for a line end, as spaces."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (
        _CONTROLS.sub(" ", value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets (section 3.1), never inside a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not parts else 74  # continuation lines start with a space
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def format_utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def round_datetimes(itinerary: Itinerary) -> dict[int, tuple[datetime.datetime, datetime.datetime]]:
    """Each round's aware start and end in the event's zone; a round after midnight falls on the
    next day."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    day = itinerary.event.date
    result, last = {}, None
    for round_ in itinerary.rounds:
        start = datetime.datetime.combine(day, round_.start, tzinfo=zone)
        if last is not None and start < last:
            day += datetime.timedelta(days=1)
            start = datetime.datetime.combine(day, round_.start, tzinfo=zone)
        end = datetime.datetime.combine(day, round_.end, tzinfo=zone)
        if end < start:
            end += datetime.timedelta(days=1)
        result[round_.number] = (start, end)
        last = end
    return result


def _summary(itinerary: Itinerary, round_: ItineraryRound) -> str:
    if itinerary.kind == Itinerary.ANCHOR:
        if round_.away:
            return f"Round {round_.number}: away from Table {itinerary.table.number}"
        if round_.is_break:
            return f"Round {round_.number}: Break — no group at Table {itinerary.table.number}"
        table = itinerary.table
        return f"Round {round_.number}: Table {table.number} — {table.specialty}"
    if round_.is_break:
        return f"Round {round_.number}: Break — no table this round"
    return f"Round {round_.number}: Table {round_.table.number} — {round_.table.specialty}"


def _location(itinerary: Itinerary, round_: ItineraryRound) -> str:
    table = itinerary.table if itinerary.kind == Itinerary.ANCHOR else round_.table
    parts = [itinerary.event.venue]
    if table is not None:
        parts.append(table.location or f"Table {table.number}")
    return ", ".join(part for part in parts if part)


def _description(itinerary: Itinerary, round_: ItineraryRound) -> str:
    if round_.anchors:
        return "With " + "; ".join(f"{p.name}, {p.credentials}" for p in round_.anchors)
    if round_.groups:
        return "\n".join(
            f"{group.name}: " + "; ".join(member.name for member in group.members)
            for group in round_.groups
        )
    return ""


def build_calendar(*, itinerary: Itinerary) -> str:
    """The itinerary as an iCalendar file: one VEVENT per round, with stable UIDs
    (`round-<n>-attendance-<id>@rounds`) so a calendar that imports it again updates the
    rounds in place; SEQUENCE follows the schedule's version."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(itinerary.event.name)}",
    ]
    if itinerary.schedule is not None and itinerary.kind in (Itinerary.TRAVELLER, Itinerary.ANCHOR):
        stamp = format_utc(itinerary.schedule.published_at or timezone.now())
        times = round_datetimes(itinerary)
        for round_ in itinerary.rounds:
            start, end = times[round_.number]
            lines += [
                "BEGIN:VEVENT",
                f"UID:round-{round_.number}-attendance-{itinerary.attendance.pk}@rounds",
                f"DTSTAMP:{stamp}",
                f"SEQUENCE:{itinerary.schedule.version}",
                f"DTSTART:{format_utc(start)}",
                f"DTEND:{format_utc(end)}",
                f"SUMMARY:{escape_text(_summary(itinerary, round_))}",
                f"LOCATION:{escape_text(_location(itinerary, round_))}",
            ]
            description = _description(itinerary, round_)
            if description:
                lines.append(f"DESCRIPTION:{escape_text(description)}")
            if round_.is_break or round_.away:
                lines.append("TRANSP:TRANSPARENT")
            lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)
