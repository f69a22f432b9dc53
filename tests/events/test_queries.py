import pytest
from django.urls import reverse

from events.models import Event
from events.queries import Tab, event_tabs, round_ranges
from tests.factories import make_event

pytestmark = pytest.mark.django_db


def _tabs(event: Event, keys: list[str]) -> list[Tab]:
    e = {"event_pk": event.pk}
    every = {
        "overview": Tab("overview", "Overview", reverse("events:detail", kwargs={"pk": event.pk})),
        "attendance": Tab("attendance", "Attendance", reverse("events:attendance_list", kwargs=e)),
        "tables": Tab("tables", "Tables", reverse("events:table_list", kwargs=e)),
        "groups": Tab("groups", "Groups", reverse("events:group_list", kwargs=e)),
        "schedule": Tab("schedule", "Schedule", reverse("rotations:schedule_list", kwargs=e)),
        "itineraries": Tab("itineraries", "Itineraries", reverse("itineraries:list", kwargs=e)),
        "day": Tab("day", "Check-in", reverse("events:checkin", kwargs=e)),
    }
    return [every[key] for key in keys]


def test_event_tabs_before_publishing_leave_out_itineraries():
    event = make_event(status=Event.Status.DRAFT)

    tabs = event_tabs(event, active="tables")

    assert tabs == _tabs(event, ["overview", "attendance", "tables", "groups", "schedule", "day"])


@pytest.mark.parametrize("status", [Event.Status.PUBLISHED, Event.Status.FINISHED])
def test_event_tabs_once_published_include_itineraries(status):
    event = make_event(status=status)

    tabs = event_tabs(event, active="")

    assert tabs == _tabs(
        event, ["overview", "attendance", "tables", "groups", "schedule", "itineraries", "day"]
    )


def test_event_tabs_on_an_itineraries_page_include_itineraries_before_publishing():
    event = make_event(status=Event.Status.SCHEDULED)

    tabs = event_tabs(event, active="itineraries")

    assert [tab.key for tab in tabs] == [
        "overview",
        "attendance",
        "tables",
        "groups",
        "schedule",
        "itineraries",
        "day",
    ]


def test_event_tabs_read_no_rows(django_assert_num_queries):
    event = make_event(status=Event.Status.PUBLISHED)

    with django_assert_num_queries(0):
        event_tabs(event, active="schedule")


def test_event_header_highlights_the_active_tab(organizer_client):
    event = make_event()

    page = organizer_client.get(reverse("rotations:schedule_list", kwargs={"event_pk": event.pk}))

    tabs = page.text.split('class="nav nav-tabs event-tabs', 1)[1].split("</ul>", 1)[0]
    schedule_url = reverse("rotations:schedule_list", kwargs={"event_pk": event.pk})
    assert (
        f'<a class="nav-link active" aria-current="page" href="{schedule_url}">Schedule</a>' in tabs
    )
    assert (tabs.count('class="nav-link active"'), tabs.count('aria-current="page"')) == (1, 1)


@pytest.mark.parametrize(
    ("numbers", "words"),
    [
        ([], ""),
        ([4], "4"),
        ([4, 5, 6, 7, 8, 9, 10], "4–10"),
        ([1, 2, 3, 5, 7, 8], "1–3, 5, 7–8"),
        ([3, 1, 2, 2], "1–3"),
    ],
)
def test_round_ranges_joins_consecutive_rounds(numbers, words):
    assert round_ranges(numbers) == words
