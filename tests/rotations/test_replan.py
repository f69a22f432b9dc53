"""Re-plans on the day through the app: a no-show at check-in, the Re-plan button, both
options side by side, publishing the chosen one. The real solver runs (no stubs)."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from events.models import Anchor, Attendance, GroupMember
from rotations import services
from rotations.models import Schedule, SolveRun
from rotations.services import changed_itineraries
from tests.events.scenario import make_organizer, make_ready_event

FROM_ROUND = 3


def rows(schedule, **filters):
    return sorted(schedule.visits.filter(**filters).values_list("round", "group_id", "table_id"))


@pytest.fixture
def organizer(db):
    return make_organizer(username="olive")


@pytest.fixture
def day(organizer):
    """A published four-round event of 4 groups and 8 tables, and the table with the most
    published visits from round 3 on (its anchor is the one who will not come)."""
    event = make_ready_event(groups=4, tables=8, rounds=4, name="North, spring")
    run = services.start_solve(event=event, by=organizer, time_limit_s=5)
    services.run_solve(run_id=run.pk)
    published = services.publish_schedule(
        schedule=Schedule.objects.get(solve_run=run), by=organizer
    )
    later = published.visits.filter(round__gte=FROM_ROUND)
    table = max(event.tables.all(), key=lambda t: (later.filter(table=t).count(), -t.number))
    return SimpleNamespace(
        event=event,
        published=published,
        table=table,
        anchor=Anchor.objects.get(table=table),
        groups_there=set(later.filter(table=table).values_list("group_id", flat=True)),
        slots_there=later.filter(table=table).count(),
    )


def _replan(client, day):
    attendance = day.event.attendances.get(clinician=day.anchor.clinician)
    client.post(
        reverse("events:attendance_status", kwargs={"event_pk": day.event.pk, "pk": attendance.pk}),
        {"status": Attendance.Status.NO_SHOW},
    )
    response = client.post(
        reverse("rotations:replan", kwargs={"event_pk": day.event.pk}),
        {"from_round": str(FROM_ROUND)},
    )
    run = SolveRun.objects.get(event=day.event, replan_from_round=FROM_ROUND)
    # What the worker does with the task message.
    services.run_solve(run_id=run.pk)
    run.refresh_from_db()
    return response, run


def test_replan_computes_both_options_and_shows_them_side_by_side(organizer_client, day):
    response, run = _replan(organizer_client, day)
    page = organizer_client.get(response.url)
    options = page.context["options"]

    assert response.url == reverse(
        "rotations:replan_options", kwargs={"event_pk": day.event.pk, "pk": run.pk}
    )
    assert (run.status, run.strategies) == ("succeeded", ["fewest-changes", "best"])
    assert [(o.strategy, o.schedule.based_on, o.schedule.is_published) for o in options] == [
        ("fewest-changes", day.published, False),
        ("best", day.published, False),
    ]
    html = page.content.decode()
    assert "Re-planned from round 3: rounds 1–2 kept as they happened." in html
    assert "Publish fewest changes" in html
    assert "Publish best schedule" in html


def test_replan_keeps_the_rounds_that_happened_in_both_options(organizer_client, day):
    _response, run = _replan(organizer_client, day)

    for schedule in Schedule.objects.filter(replan_run=run):
        assert rows(schedule, round__lt=FROM_ROUND) == rows(day.published, round__lt=FROM_ROUND)
    assert [option.frozen_kept for option in services.replan_options(run=run)] == [True, True]


def test_replan_fewest_changes_moves_only_the_groups_at_the_missing_table(organizer_client, day):
    _response, run = _replan(organizer_client, day)
    fewest, best = services.replan_options(run=run)
    old = {(r, g): t for r, g, t in rows(day.published, round__gte=FROM_ROUND)}
    new = {(r, g): t for r, g, t in rows(fewest.schedule, round__gte=FROM_ROUND)}
    moved = {group for slot, table in old.items() if new.get(slot) != table for _r, group in [slot]}
    new_tables = {t for slot, t in new.items() if old.get(slot) != t}
    expected_people = set(
        GroupMember.objects.filter(group_id__in=day.groups_there).values_list(
            "clinician", flat=True
        )
    ) | set(
        Anchor.objects.filter(table_id__in={day.table.pk, *new_tables}).values_list(
            "clinician", flat=True
        )
    )

    assert moved == day.groups_there
    assert rows(fewest.schedule, round__gte=FROM_ROUND, table=day.table) == []
    # Every group that lost its visit has a free seat elsewhere in that round.
    assert all(slot in new for slot in old)
    assert (fewest.changed_visits, fewest.visits_before, fewest.visits_after) == (
        day.slots_there,
        day.published.visits.count(),
        day.published.visits.count(),
    )
    assert set(changed_itineraries(old=day.published, new=fewest.schedule)) == expected_people
    assert fewest.changed_itineraries == len(expected_people)
    assert best.changed_visits >= fewest.changed_visits


def test_replan_publish_publishes_the_chosen_option_and_audits_it_in_words(
    organizer_client, day, organizer
):
    _response, run = _replan(organizer_client, day)
    fewest, _best = services.replan_options(run=run)

    response = organizer_client.post(
        reverse(
            "rotations:replan_publish", kwargs={"event_pk": day.event.pk, "pk": fewest.schedule.pk}
        )
    )

    fewest.schedule.refresh_from_db()
    assert response.url == reverse(
        "rotations:schedule_publish", kwargs={"event_pk": day.event.pk, "pk": fewest.schedule.pk}
    )
    assert fewest.schedule.is_published is True
    messages = list(
        AuditEntry.objects.filter(
            action__in=[services.SCHEDULE_REPLANNED, services.REPLAN_PUBLISHED]
        )
        .order_by("pk")
        .values_list("message", flat=True)
    )
    v = fewest.schedule.version
    assert messages == [
        f"Olive Organizer re-planned North, spring from round 3 (fewest changes): "
        f"{fewest.changed_visits} visits changed, {fewest.changed_itineraries} itineraries.",
        f"Olive Organizer re-planned North, spring from round 3 (best schedule): "
        f"{_best.changed_visits} visits changed, {_best.changed_itineraries} itineraries.",
        f"Olive Organizer published the re-plan of North, spring from round 3 (fewest "
        f"changes), version {v} in place of version {day.published.version}: "
        f"{fewest.changed_visits} visits changed, {fewest.changed_itineraries} itineraries.",
    ]


def test_replan_publish_after_another_publish_is_refused(organizer_client, day, organizer):
    _response, run = _replan(organizer_client, day)
    fewest, best = services.replan_options(run=run)
    services.publish_replan(schedule=best.schedule, by=organizer)

    response = organizer_client.post(
        reverse(
            "rotations:replan_publish", kwargs={"event_pk": day.event.pk, "pk": fewest.schedule.pk}
        ),
        follow=True,
    )

    fewest.schedule.refresh_from_db()
    assert fewest.schedule.is_published is False
    assert [str(m) for m in response.context["messages"]][-1:] == [
        f"Version {best.schedule.version} was published after this re-plan started. "
        "Re-plan again from the check-in page."
    ]


def test_replan_a_late_group_that_arrived_is_planned_again(organizer_client, day):
    late = day.event.groups.order_by("name").last()
    late.absent_rounds = [1, 2, 3, 4]
    late.save(update_fields=["absent_rounds"])
    member = late.memberships.first().clinician
    organizer_client.post(
        reverse(
            "events:attendance_status",
            kwargs={
                "event_pk": day.event.pk,
                "pk": day.event.attendances.get(clinician=member).pk,
            },
        ),
        {"status": Attendance.Status.CHECKED_IN},
    )

    problem = services.build_problem(
        event=day.event, pinned_from=day.published, replan_from_round=FROM_ROUND
    )

    assert {g.id: g.available_rounds for g in problem.groups}[f"G{late.pk}"] == frozenset({3, 4})
