import datetime

import pytest
from django.urls import reverse

from itineraries.assembly import get_itinerary
from itineraries.calendars import build_calendar, escape_text, fold_line
from tests.factories import make_event
from tests.itineraries.factories import make_schedule, make_small_event

pytestmark = pytest.mark.django_db


def parse_events(text: str) -> list[dict[str, str]]:
    """The VEVENTs of an iCalendar file: unfold lines (RFC 5545 3.1), then name:value pairs."""
    assert text.endswith("\r\n")
    unfolded = text.replace("\r\n ", "")
    events, current = [], None
    for line in unfolded.split("\r\n"):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return events


def calendar_of(small, clinician) -> str:
    return build_calendar(itinerary=get_itinerary(attendance=small.attendance(clinician)))


def test_build_calendar_traveller_one_event_per_round_in_utc(settings):
    settings.TIME_ZONE = "America/New_York"
    small = make_small_event()
    attendance = small.attendance(small.fay)

    events = parse_events(calendar_of(small, small.fay))

    # 14 May 2030 is daylight time in New York: UTC-4.
    assert [(e["UID"], e["DTSTART"], e["DTEND"], e["SUMMARY"]) for e in events] == [
        (
            f"round-1-attendance-{attendance.pk}@rounds",
            "20300514T220000Z",
            "20300514T221000Z",
            "Round 1: Table 2 — Dermatology",
        ),
        (
            f"round-2-attendance-{attendance.pk}@rounds",
            "20300514T221200Z",
            "20300514T222200Z",
            "Round 2: Table 1 — Cardiology",
        ),
        (
            f"round-3-attendance-{attendance.pk}@rounds",
            "20300514T222400Z",
            "20300514T223400Z",
            "Round 3: Break — no table this round",
        ),
    ]
    assert [e["LOCATION"] for e in events] == [
        "Main Hall\\, Hall B",
        "Main Hall\\, Hall A",
        "Main Hall",
    ]
    assert events[0]["DESCRIPTION"] == "With Bob Skin\\, DO"
    assert events[2]["TRANSP"] == "TRANSPARENT"


def test_build_calendar_winter_event_uses_standard_time(settings):
    settings.TIME_ZONE = "America/New_York"
    small = make_small_event()
    small.event.date = datetime.date(2030, 1, 15)
    small.event.save()

    events = parse_events(calendar_of(small, small.fay))

    assert (events[0]["DTSTART"], events[0]["DTEND"]) == ("20300115T230000Z", "20300115T231000Z")


def test_build_calendar_uids_stable_across_republish():
    small = make_small_event()
    before = parse_events(calendar_of(small, small.dana))
    small.schedule.is_published = False
    small.schedule.save()
    make_schedule(event=small.event)

    after = parse_events(calendar_of(small, small.dana))

    assert [e["UID"] for e in after] == [e["UID"] for e in before]
    assert [(e["SEQUENCE"], e["SUMMARY"]) for e in after] == [
        ("2", "Round 1: Break — no table this round"),
        ("2", "Round 2: Break — no table this round"),
        ("2", "Round 3: Break — no table this round"),
    ]


def test_build_calendar_anchor_summary_names_their_table():
    small = make_small_event()

    events = parse_events(calendar_of(small, small.ann))

    assert [e["SUMMARY"] for e in events] == [
        "Round 1: Table 1 — Cardiology",
        "Round 2: Table 1 — Cardiology",
        "Round 3: away from Table 1",
    ]
    assert events[0]["DESCRIPTION"] == "Quincy IM: Dana Able\\; Eli Baker"


def test_build_calendar_round_after_midnight_is_next_day(settings):
    settings.TIME_ZONE = "UTC"
    small = make_small_event()
    small.event.start_time = datetime.time(23, 55)
    small.event.save()

    events = parse_events(calendar_of(small, small.dana))

    assert [(e["DTSTART"], e["DTEND"]) for e in events] == [
        ("20300514T235500Z", "20300515T000500Z"),
        ("20300515T000700Z", "20300515T001700Z"),
        ("20300515T001900Z", "20300515T002900Z"),
    ]


def test_build_calendar_unpublished_has_no_events():
    attendance = make_small_event().event.attendances.first()
    attendance.event.schedules.update(is_published=False)

    text = build_calendar(itinerary=get_itinerary(attendance=attendance))

    assert parse_events(text) == []
    assert text.startswith(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rounds//Itineraries//EN\r\n"
    )


def test_escape_text_escapes_specials():
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_fold_line_keeps_lines_within_75_octets():
    line = "SUMMARY:" + "é" * 100

    folded = fold_line(line)

    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_calendar_view_serves_ics_attachment(client):
    small = make_small_event()
    token = small.attendance(small.dana).link_token

    response = client.get(reverse("itineraries:calendar", kwargs={"token": token}))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="spring-rounds.ics"'
    assert len(parse_events(response.content.decode())) == 3


def test_calendar_view_unknown_token_is_404(client):
    make_event()

    assert client.get("/i/unknown-token/calendar.ics").status_code == 404


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("Ann\rLee", "Ann\\nLee"),
        ("Ann\r\nLee\nKim", "Ann\\nLee\\nKim"),
        ("Ann\x0bLee\x00\x7f\tKim", "Ann Lee  \tKim"),
        ("Lee, Ann; MD\\PhD", "Lee\\, Ann\\; MD\\\\PhD"),
    ],
)
def test_escape_text_escapes_line_breaks_and_controls(value, escaped):
    assert escape_text(value) == escaped


def test_build_calendar_escapes_and_folds_every_text_field():
    small = make_small_event()
    small.event.name = "Spring; Rounds, " + "long name " * 10
    small.event.venue = "Main Hall,\rNorth wing"
    small.event.save()
    small.cardiology.location = "Hall A;\rby the door"
    small.cardiology.save()
    small.dana.first_name = "Da\rna, " + "Á" * 60
    small.dana.save()

    text = calendar_of(small, small.ann)

    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "\r" not in text.replace("\r\n", "") and "\n" not in text.replace("\r\n", "")
    unfolded = text.replace("\r\n ", "")
    assert "X-WR-CALNAME:Spring\\; Rounds\\, " + "long name " * 10 + "\r\n" in unfolded
    events = parse_events(text)
    assert events[0]["LOCATION"] == "Main Hall\\,\\nNorth wing\\, Hall A\\;\\nby the door"
    assert events[0]["DESCRIPTION"] == ("Quincy IM: Da\\nna\\, " + "Á" * 60 + " Able\\; Eli Baker")
