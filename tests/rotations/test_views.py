import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rotations import services
from rotations.models import Schedule, SolveRun, Visit
from tests.events.scenario import make_organizer, make_ready_event
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_with_perms(db):
    return make_organizer(username="olive")


@pytest.fixture
def organizer_client(client, organizer_with_perms):
    client.force_login(organizer_with_perms)
    return client


def make_schedule(event, *, version=1, published=False):
    """Each group visits a different table each round (rotating), every table once."""
    schedule = Schedule.objects.create(event=event, version=version, is_published=published)
    tables = list(event.tables.order_by("number"))
    groups = list(event.groups.order_by("name"))
    Visit.objects.bulk_create(
        Visit(
            schedule=schedule,
            round=r,
            group=group,
            table=tables[(index + r - 1) % len(tables)],
        )
        for index, group in enumerate(groups)
        for r in range(1, min(event.rounds, len(tables)) + 1)
    )
    return schedule


def _targets(event, schedule, run):
    e = {"event_pk": event.pk}
    visit = schedule.visits.first()
    return [
        ("rotations:schedule_list", "get", e),
        ("rotations:solve", "post", e),
        ("rotations:replan", "post", e),
        ("rotations:run", "get", {**e, "pk": run.pk}),
        ("rotations:run_status", "get", {**e, "pk": run.pk}),
        ("rotations:run_cancel", "post", {**e, "pk": run.pk}),
        ("rotations:schedule", "get", {**e, "pk": schedule.pk}),
        ("rotations:schedule_move", "get", {**e, "pk": schedule.pk}),
        ("rotations:visit_pin", "post", {**e, "schedule_pk": schedule.pk, "pk": visit.pk}),
        ("rotations:schedule_compare", "get", {**e, "pk": schedule.pk}),
        ("rotations:schedule_publish", "get", {**e, "pk": schedule.pk}),
    ]


@pytest.fixture
def scheduled():
    event = make_ready_event(groups=2, tables=3, rounds=3)
    schedule = make_schedule(event)
    run = SolveRun.objects.create(event=event, status=SolveRun.Status.SUCCEEDED)
    return event, schedule, run


def test_every_view_sends_a_logged_out_visitor_to_login(client, scheduled):
    targets = _targets(*scheduled)

    results = {
        name: getattr(client, method)(reverse(name, kwargs=kwargs))
        for name, method, kwargs in targets
    }

    assert {n: (r.status_code, r.url.split("?")[0]) for n, r in results.items()} == {
        n: (302, "/login/") for n, _m, _k in targets
    }


def test_every_view_refuses_a_user_without_permission(client, scheduled):
    client.force_login(make_user(username="nobody"))
    targets = _targets(*scheduled)

    codes = {
        name: getattr(client, method)(reverse(name, kwargs=kwargs)).status_code
        for name, method, kwargs in targets
    }

    assert codes == {name: 403 for name, _m, _k in targets}


def test_every_view_gives_404_through_another_events_id(organizer_client, scheduled):
    other = make_event()
    targets = [t for t in _targets(*scheduled) if len(t[2]) > 1]

    codes = {
        name: getattr(organizer_client, method)(
            reverse(name, kwargs={**kwargs, "event_pk": other.pk})
        ).status_code
        for name, method, kwargs in targets
    }

    assert codes == {name: 404 for name, _m, _k in targets}


def test_schedule_list_says_what_is_missing(organizer_client):
    event = make_event()

    response = organizer_client.get(
        reverse("rotations:schedule_list", kwargs={"event_pk": event.pk})
    )

    assert response.context["problems"] == [
        "The event has no tables.",
        "The event has no travelling groups.",
    ]
    assert reverse("events:table_list", kwargs={"event_pk": event.pk}) in response.content.decode()


def test_solve_refuses_an_event_that_is_not_ready(organizer_client):
    event = make_event()

    response = organizer_client.post(
        reverse("rotations:solve", kwargs={"event_pk": event.pk}), follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "The event cannot be solved yet:",
        "The event has no tables.",
        "The event has no travelling groups.",
    ]
    assert not SolveRun.objects.filter(event=event).exists()


def test_solve_then_run_page_and_status(organizer_client):
    event = make_ready_event(groups=2, tables=3, rounds=3)

    response = organizer_client.post(
        reverse("rotations:solve", kwargs={"event_pk": event.pk}), {"time_limit_s": "10"}
    )
    run = SolveRun.objects.get(event=event)
    queued_page = organizer_client.get(response.url)
    services.run_solve(run_id=run.pk)  # what the Celery worker does
    status = organizer_client.get(
        reverse("rotations:run_status", kwargs={"event_pk": event.pk, "pk": run.pk})
    ).json()
    done_page = organizer_client.get(response.url)

    schedule = Schedule.objects.get(event=event)
    assert response.url == run.get_absolute_url()
    assert (run.time_limit_s, queued_page.context["run"].is_active) == (10, True)
    assert (status["status"], status["is_active"], status["schedule_url"]) == (
        "succeeded",
        False,
        schedule.get_absolute_url(),
    )
    assert done_page.context["schedule"] == schedule
    assert "Open version 1" in done_page.content.decode()


def test_solve_while_a_run_is_active_goes_to_that_run(organizer_client):
    event = make_ready_event()
    active = SolveRun.objects.create(event=event, status=SolveRun.Status.RUNNING)

    response = organizer_client.post(reverse("rotations:solve", kwargs={"event_pk": event.pk}))

    assert response.url == active.get_absolute_url()


def test_replan_starts_a_solve_from_the_chosen_round_and_notes_it_on_the_grid(
    organizer_client,
):
    event = make_ready_event(groups=2, tables=3, rounds=3)
    published = make_schedule(event, published=True)

    response = organizer_client.post(
        reverse("rotations:replan", kwargs={"event_pk": event.pk}), {"from_round": "2"}
    )
    run = SolveRun.objects.get(event=event)
    services.run_solve(run_id=run.pk)
    schedule = Schedule.objects.get(solve_run=run)
    grid = organizer_client.get(schedule.get_absolute_url()).content.decode()

    assert response.url == reverse(
        "rotations:replan_options", kwargs={"event_pk": event.pk, "pk": run.pk}
    )
    assert (run.replan_from_round, run.pinned_from, schedule.based_on) == (2, published, published)
    assert "Re-planned from round 2: round 1 kept as it happened." in grid


def test_replan_without_a_published_schedule_goes_back_to_checkin_and_says_why(
    organizer_client,
):
    event = make_ready_event()

    response = organizer_client.post(
        reverse("rotations:replan", kwargs={"event_pk": event.pk}),
        {"from_round": "2"},
        follow=True,
    )

    assert response.redirect_chain == [
        (reverse("events:checkin", kwargs={"event_pk": event.pk}), 302)
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "The rounds cannot be re-planned yet:",
        "No schedule is published yet: a re-plan keeps the rounds that happened.",
    ]
    assert not SolveRun.objects.filter(event=event).exists()


def test_replan_refuses_a_round_the_event_does_not_have(organizer_client):
    event = make_ready_event(rounds=3)
    make_schedule(event, published=True)

    response = organizer_client.post(
        reverse("rotations:replan", kwargs={"event_pk": event.pk}), {"from_round": "9"}
    )

    assert response.url == reverse("events:checkin", kwargs={"event_pk": event.pk})
    assert not SolveRun.objects.filter(event=event).exists()


def test_cancel_a_queued_run(organizer_client):
    event = make_ready_event()
    run = SolveRun.objects.create(event=event)

    organizer_client.post(
        reverse("rotations:run_cancel", kwargs={"event_pk": event.pk, "pk": run.pk})
    )

    run.refresh_from_db()
    assert run.status == "cancelled"


def test_infeasible_run_page_shows_the_reasons(organizer_client):
    event = make_ready_event()
    run = SolveRun.objects.create(
        event=event,
        status=SolveRun.Status.INFEASIBLE,
        reasons=["Table 1 (Cardiology) is pinned in round 2 but its anchor is absent."],
    )

    response = organizer_client.get(run.get_absolute_url())

    assert "Table 1 (Cardiology) is pinned in round 2 but its anchor is absent." in (
        response.content.decode()
    )


def test_grid_shows_quality_and_summaries(organizer_client, scheduled):
    event, schedule, _run = scheduled

    response = organizer_client.get(schedule.get_absolute_url())

    grid = response.context["grid"]
    assert response.context["quality"] == "Every group meets all the tables it can (6 visits)."
    assert [(s.group.name, s.visits, s.possible) for s in grid.groups] == [
        ("IM 1", 3, 3),
        ("IM 2", 3, 3),
    ]
    assert [(s.table.number, s.visits, s.seats) for s in grid.tables] == [
        (1, 2, 3),
        (2, 2, 3),
        (3, 2, 3),
    ]


def test_grid_quality_uses_the_runs_bound(organizer_client, scheduled):
    event, schedule, _run = scheduled
    run = SolveRun.objects.create(
        event=event,
        status=SolveRun.Status.SUCCEEDED,
        visits=6,
        visits_upper_bound=6,
        optimal=True,
    )
    schedule.solve_run = run
    schedule.save()

    response = organizer_client.get(schedule.get_absolute_url())

    assert response.context["quality"] == (
        "Optimal: every group meets all the tables it can (3 of 3)."
    )


def _grid_queries(client, schedule):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(schedule.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_grid_queries_do_not_grow_with_the_event(organizer_client):
    small = make_schedule(make_ready_event(groups=2, tables=3, rounds=3))
    large = make_schedule(make_ready_event(groups=8, tables=9, rounds=8))

    assert _grid_queries(organizer_client, large) == _grid_queries(organizer_client, small)


def test_grid_of_a_large_event_shows_a_page_of_tables_in_the_same_queries(organizer_client):
    small = make_schedule(make_ready_event(groups=2, tables=3, rounds=3))
    large = make_schedule(make_ready_event(groups=30, tables=30, rounds=10))

    small_queries = _grid_queries(organizer_client, small)
    with CaptureQueriesContext(connection) as queries:
        response = organizer_client.get(f"{large.get_absolute_url()}?tables=3")

    grid = response.context["grid"]
    assert len(queries) == small_queries
    assert (grid.page, grid.pages, [s.table.number for s in grid.columns]) == (
        3,
        3,
        list(range(25, 31)),
    )
    assert [len(cells) for _slot, cells in grid.rows] == [6] * 10
    assert (len(grid.tables), grid.total_visits) == (30, 300)
    assert [label for _, label in grid.page_ranges] == [
        "Tables 1–12",
        "Tables 13–24",
        "Tables 25–30",
    ]


def test_grid_page_size_does_not_grow_with_the_tables(organizer_client):
    twelve = make_schedule(make_ready_event(groups=12, tables=12, rounds=10))
    thirty_six = make_schedule(make_ready_event(groups=36, tables=36, rounds=10))

    one_page = len(organizer_client.get(twelve.get_absolute_url()).content)
    first_of_three = len(organizer_client.get(thirty_six.get_absolute_url()).content)

    # The same 12 columns of 10 rounds; only the page links, the groups' list and the
    # "not at a table" column grow with the event.
    assert first_of_three < one_page * 1.5


def test_grid_of_a_large_event_links_to_the_move_form_and_lists_only_short_groups(
    organizer_client,
):
    from rotations.views import GROUPS_LISTED, MOVE_FORM_INLINE_CHOICES

    small = make_schedule(make_ready_event(groups=2, tables=3, rounds=3))
    large = make_schedule(make_ready_event(groups=GROUPS_LISTED + 5, tables=40, rounds=4))
    assert GROUPS_LISTED + 5 + 40 > MOVE_FORM_INLINE_CHOICES
    short = large.event.groups.order_by("name")[3]
    large.visits.filter(group=short, round=2).delete()

    small_queries = _grid_queries(organizer_client, small)
    with CaptureQueriesContext(connection) as queries:
        response = organizer_client.get(large.get_absolute_url())

    page = response.content.decode()
    move_url = reverse(
        "rotations:schedule_move", kwargs={"event_pk": large.event_id, "pk": large.pk}
    )
    # No form with a choice per group and table: a link to the move form's own page.
    assert len(queries) <= small_queries
    assert (response.context["move_form"], page.count("<option")) == (None, 4)
    assert f'href="{move_url}">Open the move form</a>' in page
    assert [s.group.name for s in response.context["group_rows"]] == [short.name]
    assert f"The other {GROUPS_LISTED + 4} groups get every visit they can." in page
    # The small event keeps the form on the page.
    assert organizer_client.get(small.get_absolute_url()).context["move_form"] is not None

    everyone = organizer_client.get(large.get_absolute_url() + "?tables=2&groups=all")
    assert len(everyone.context["group_rows"]) == GROUPS_LISTED + 5
    assert everyone.context["groups_hidden"] == 0


def test_grid_chips_pin_through_the_pages_one_form(organizer_client):
    schedule = make_schedule(make_ready_event(groups=2, tables=3, rounds=3))
    visit = schedule.visits.select_related("group").order_by("round", "group__name").first()
    pin_url = reverse(
        "rotations:visit_pin",
        kwargs={"event_pk": schedule.event_id, "schedule_pk": schedule.pk, "pk": visit.pk},
    )

    page = organizer_client.get(schedule.get_absolute_url()).content.decode()

    assert page.count('<form id="board-pin" method="post" hidden>') == 1
    assert page.count('form="board-pin"') == schedule.visits.count()
    assert f'form="board-pin" formaction="{pin_url}"' in page
    assert f'aria-label="Pin {visit.group.name} in round {visit.round}"' in page
    organizer_client.post(pin_url)
    visit.refresh_from_db()
    assert visit.pinned


def test_run_status_polled_again_within_a_second_reads_no_run(organizer_client):
    event = make_ready_event()
    run = SolveRun.objects.create(event=event, status=SolveRun.Status.RUNNING, progress=40)
    url = reverse("rotations:run_status", kwargs={"event_pk": event.pk, "pk": run.pk})
    organizer_client.get(url)

    with CaptureQueriesContext(connection) as queries:
        status = organizer_client.get(url).json()

    assert (status["progress"], status["status"]) == (40, "running")
    assert [q["sql"] for q in queries if "rotations_solverun" in q["sql"]] == []


def test_move_refused_says_why(organizer_client, scheduled):
    event, schedule, _run = scheduled
    group = event.groups.get(name="IM 1")
    taken = schedule.visits.get(group__name="IM 2", round=1).table

    response = organizer_client.post(
        reverse("rotations:schedule_move", kwargs={"event_pk": event.pk, "pk": schedule.pk}),
        {"group": group.pk, "round": "1", "table": taken.pk},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Table {taken.number} ({taken.specialty.name}) hosts 1 group a round and already has "
        "IM 2 in round 1.",
        f"IM 1 already visits table {taken.number} ({taken.specialty.name}) in round 2: a group "
        "meets each table once.",
    ]


def test_move_out_of_a_round_then_back(organizer_client, scheduled):
    event, schedule, _run = scheduled
    group = event.groups.get(name="IM 1")
    table = schedule.visits.get(group=group, round=2).table
    url = reverse("rotations:schedule_move", kwargs={"event_pk": event.pk, "pk": schedule.pk})

    out = organizer_client.post(url, {"group": group.pk, "round": "2", "table": ""})
    back = organizer_client.post(url, {"group": group.pk, "round": "2", "table": table.pk})

    assert out.url == back.url == schedule.get_absolute_url()
    visit = schedule.visits.get(group=group, round=2)
    assert (visit.table, visit.pinned) == (table, True)


def test_move_on_a_published_version_makes_a_new_version(organizer_client):
    event = make_ready_event(groups=2, tables=3, rounds=3)
    schedule = make_schedule(event, published=True)
    group = event.groups.get(name="IM 1")

    response = organizer_client.post(
        reverse("rotations:schedule_move", kwargs={"event_pk": event.pk, "pk": schedule.pk}),
        {"group": group.pk, "round": "1", "table": ""},
    )

    new = Schedule.objects.get(event=event, version=2)
    assert response.url == new.get_absolute_url()
    assert (schedule.visits.count(), new.visits.count()) == (6, 5)


def test_pin_toggle(organizer_client, scheduled):
    event, schedule, _run = scheduled
    visit = schedule.visits.first()

    organizer_client.post(
        reverse(
            "rotations:visit_pin",
            kwargs={"event_pk": event.pk, "schedule_pk": schedule.pk, "pk": visit.pk},
        )
    )

    visit.refresh_from_db()
    assert visit.pinned is True


def test_resolve_keeps_pins_of_the_version(organizer_client, scheduled):
    event, schedule, _run = scheduled
    SolveRun.objects.filter(event=event).delete()

    organizer_client.post(
        reverse("rotations:solve", kwargs={"event_pk": event.pk}),
        {"time_limit_s": "10", "pinned_from": schedule.pk},
    )

    assert SolveRun.objects.get(event=event).pinned_from == schedule


def test_compare_lists_changed_visits(organizer_client, scheduled):
    event, schedule, _run = scheduled
    second = make_schedule(event, version=2)
    second.based_on = schedule
    second.save()
    second.visits.filter(group__name="IM 1", round=1).delete()

    response = organizer_client.get(
        reverse("rotations:schedule_compare", kwargs={"event_pk": event.pk, "pk": second.pk})
    )

    assert response.context["other"] == schedule
    assert [(c.round, c.group.name, c.new_table) for c in response.context["changes"]] == [
        (1, "IM 1", None)
    ]


def test_publish_confirm_then_publish_lists_changed_itineraries(organizer_client, scheduled):
    event, schedule, _run = scheduled
    url = reverse("rotations:schedule_publish", kwargs={"event_pk": event.pk, "pk": schedule.pk})

    confirm = organizer_client.get(url)
    response = organizer_client.post(url)
    after = organizer_client.get(url)

    everyone = set(event.attendances.values_list("clinician", flat=True))
    assert {c.pk for c in confirm.context["changed"]} == everyone
    assert response.url == url
    schedule.refresh_from_db()
    event.refresh_from_db()
    assert (schedule.is_published, event.status) == (True, "published")
    assert {c.pk for c in after.context["changed"]} == everyone


def test_move_twice_through_a_published_version_lands_in_one_draft(organizer_client):
    event = make_ready_event(groups=2, tables=3, rounds=3)
    schedule = make_schedule(event, published=True)
    url = reverse("rotations:schedule_move", kwargs={"event_pk": event.pk, "pk": schedule.pk})
    im1, im2 = event.groups.get(name="IM 1"), event.groups.get(name="IM 2")

    first = organizer_client.post(url, {"group": im1.pk, "round": "1", "table": ""})
    second = organizer_client.post(url, {"group": im2.pk, "round": "1", "table": ""}, follow=True)

    draft = Schedule.objects.get(event=event, version=2)
    assert first.url == draft.get_absolute_url()
    assert second.redirect_chain == [(draft.get_absolute_url(), 302)]
    assert [str(m) for m in second.context["messages"]][-1] == (
        "IM 2 is out of round 1. The published version stays as it is: your change is in "
        "version 2, the draft already based on it, to publish when ready."
    )
    assert (Schedule.objects.filter(event=event).count(), draft.visits.count()) == (2, 4)


def _overfull(schedule):
    """Write a second group into round 1 of a capacity-1 table, behind the rules' back."""
    visit = schedule.visits.get(group__name="IM 1", round=1)
    other = schedule.visits.get(group__name="IM 2", round=1)
    schedule.visits.filter(group=other.group, table=visit.table).delete()
    Visit.objects.filter(pk=other.pk).delete()
    Visit.objects.create(schedule=schedule, round=1, group=other.group, table=visit.table)
    return visit.table


def test_publish_page_lists_the_rules_a_version_breaks(organizer_client, scheduled):
    event, schedule, _run = scheduled
    table = _overfull(schedule)
    url = reverse("rotations:schedule_publish", kwargs={"event_pk": event.pk, "pk": schedule.pk})

    confirm = organizer_client.get(url)
    refused = organizer_client.post(url)

    rule = f"Table {table.number} ({table.specialty.name}) has 2 groups in round 1 but hosts 1."
    assert (confirm.status_code, refused.status_code) == (200, 200)
    assert confirm.context["broken"] == refused.context["broken"] == [rule]
    assert rule in refused.content.decode()
    schedule.refresh_from_db()
    event.refresh_from_db()
    assert (schedule.is_published, event.status) == (False, "draft")


@pytest.mark.parametrize("pinned_from", ["abc", "-1", "1.5", "99999999999999999999999", "other"])
def test_solve_with_a_bad_pinned_from_says_so_and_starts_nothing(
    organizer_client, scheduled, pinned_from
):
    event, _schedule, _run = scheduled
    SolveRun.objects.filter(event=event).delete()
    if pinned_from == "other":  # a version of another event's schedule
        pinned_from = Schedule.objects.create(event=make_event(), version=1).pk

    response = organizer_client.post(
        reverse("rotations:solve", kwargs={"event_pk": event.pk}),
        {"time_limit_s": "10", "pinned_from": pinned_from},
        follow=True,
    )

    assert response.redirect_chain == [
        (reverse("rotations:schedule_list", kwargs={"event_pk": event.pk}), 302)
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "There is no such version of this event's schedule to keep the pins of; no solve was "
        "started."
    ]
    assert SolveRun.objects.filter(event=event).exists() is False


@pytest.mark.parametrize("other", ["abc", "²", "99999999999999999999999"])
def test_compare_ignores_a_bad_version_in_the_query(organizer_client, scheduled, other):
    event, schedule, _run = scheduled
    url = reverse("rotations:schedule_compare", kwargs={"event_pk": event.pk, "pk": schedule.pk})

    response = organizer_client.get(url, {"with": other})

    assert (response.status_code, response.context["other"]) == (200, None)
