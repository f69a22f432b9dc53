"""The board's JSON views (rotations.views.Board*) and the board's layouts on the grid page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rotations.models import Schedule
from tests.events.scenario import make_organizer, make_ready_event
from tests.rotations.test_views import make_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def olive(db):
    return make_organizer(username="olive")


@pytest.fixture
def board(client, olive):
    """Two groups over three tables in rounds 1-3 of four (round 4 is empty)."""
    client.force_login(olive)
    event = make_ready_event(groups=2, tables=3, rounds=4)
    return client, make_schedule(event)


def _url(name, schedule):
    return reverse(f"rotations:{name}", kwargs={"event_pk": schedule.event_id, "pk": schedule.pk})


def _where(schedule, group_name):
    return sorted(
        schedule.visits.filter(group__name=group_name).values_list("round", "table__number")
    )


def test_board_move_answers_the_redrawn_cells_and_an_undo(board):
    client, schedule = board
    group = schedule.event.groups.get(name="IM 1")
    table = schedule.visits.get(group=group, round=3).table

    response = client.post(
        _url("board_move", schedule),
        {"group": group.pk, "from_round": 3, "round": 4, "table": table.pk},
    )

    answer = response.json()
    assert (response.status_code, answer["ok"], answer["url"]) == (200, True, None)
    assert answer["message"] == (
        f"Moved IM 1 from {_label(table)} in round 3 to {_label(table)} in round 4."
    )
    assert sorted(answer["cells"]) == [f"cell-r3-t{table.pk}", f"cell-r4-t{table.pk}"]
    assert 'aria-label="Group IM 1, round 4, table' in answer["cells"][f"cell-r4-t{table.pk}"]
    assert sorted(answer["idle"]) == ["idle-r3", "idle-r4"]
    assert _where(schedule, "IM 1")[-1] == (4, table.number)

    undo = client.post(
        _url("board_replay", schedule), {"token": answer["inverse"], "direction": "undo"}
    )

    assert undo.json()["message"] == (
        f"Undone: IM 1 at {_label(table)} in round 3; IM 1 out of round 4."
    )
    assert _where(schedule, "IM 1")[-1] == (3, table.number)


def _label(table):
    return f"table {table.number} ({table.specialty.name})"


def test_board_swap_refused_says_the_rules_words_and_writes_nothing(board):
    client, schedule = board
    im1, im2 = schedule.event.groups.order_by("name")
    before = sorted(schedule.visits.values_list("round", "group_id", "table_id"))

    # Round 1 of IM 1 for round 2 of IM 2: each is already somewhere in the other's round.
    response = client.post(
        _url("board_swap", schedule),
        {"group": im1.pk, "round": 1, "other_group": im2.pk, "other_round": 2},
    )

    assert response.status_code == 422
    assert {
        "IM 1 is already at another table in round 2.",
        "IM 2 is already at another table in round 1.",
    } <= set(response.json()["errors"])
    assert sorted(schedule.visits.values_list("round", "group_id", "table_id")) == before


def test_board_replay_refuses_another_organizers_undo(board, client):
    client_, schedule = board
    group = schedule.event.groups.get(name="IM 1")
    table = schedule.visits.get(group=group, round=3).table
    answer = client_.post(
        _url("board_move", schedule),
        {"group": group.pk, "from_round": 3, "round": 4, "table": table.pk},
    ).json()
    client_.force_login(make_organizer(username="oscar"))

    response = client_.post(
        _url("board_replay", schedule), {"token": answer["inverse"], "direction": "undo"}
    )

    assert (response.status_code, response.json()["errors"]) == (
        422,
        ["Only your own edits of this event's board can be undone here."],
    )
    assert _where(schedule, "IM 1")[-1] == (4, table.number)


def test_board_move_on_a_published_version_answers_its_draft(client, olive):
    client.force_login(olive)
    published = make_schedule(make_ready_event(groups=2, tables=3, rounds=4), published=True)
    group = published.event.groups.get(name="IM 1")
    table = published.visits.get(group=group, round=3).table

    answer = client.post(
        _url("board_move", published),
        {"group": group.pk, "from_round": 3, "round": 4, "table": table.pk},
    ).json()

    draft = Schedule.objects.get(event=published.event, version=2)
    assert (answer["url"], answer["version"]) == (draft.get_absolute_url(), 2)
    assert _where(published, "IM 1")[-1] == (3, table.number)
    assert _where(draft, "IM 1")[-1] == (4, table.number)


def _move_queries(client, schedule):
    group = schedule.event.groups.order_by("name").first()
    visit = schedule.visits.filter(group=group).order_by("-round").first()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            _url("board_move", schedule),
            {"group": group.pk, "from_round": visit.round, "round": visit.round, "table": ""},
        )
    assert response.json()["ok"] is True
    return len(queries)


def test_board_move_queries_do_not_grow_with_the_event(client, olive):
    client.force_login(olive)
    small = make_schedule(make_ready_event(groups=2, tables=3, rounds=3))
    large = make_schedule(make_ready_event(groups=12, tables=14, rounds=10))

    assert _move_queries(client, large) == _move_queries(client, small)


@pytest.mark.parametrize(
    ("query", "caption", "compact"),
    [
        ("", "Schedule grid: rounds by tables", False),
        ("?view=rounds&compact=1", "Schedule grid: tables by rounds", True),
    ],
)
def test_grid_page_layouts(board, query, caption, compact):
    client, schedule = board

    response = client.get(schedule.get_absolute_url() + query)

    page = response.content.decode()
    assert (f'aria-label="{caption}"' in page, "board-compact" in page) == (True, compact)
    assert response.context["board_links"]["compact"] == ("view=rounds" if compact else "compact=1")


def test_move_page_shows_the_groups_itinerary_and_free_seats(board):
    client, schedule = board
    group = schedule.event.groups.get(name="IM 1")

    response = client.get(_url("schedule_move", schedule) + f"?group={group.pk}&from_round=3")

    facts = response.context["facts"]
    assert [
        (slot.number, visit.table.number if visit else None) for slot, visit, _ in facts.itinerary
    ] == [(r, n) for r, n in _where(schedule, "IM 1")] + [(4, None)]
    assert [len(seats) for _slot, seats in facts.free_seats][-1] == 3
