"""The plan's purpose carried into each evening: a series evening's solve values the visits
that seat a group with a specialist who shares its patients (planning.SHARED_PATIENT_PAIR_WEIGHT),
and the series reports the pairs the solved schedules actually seat
(queries.scheduled_pairs), beside the plan's figure."""

import io
import json
from unittest import mock

import pytest
from celery import current_app
from django.core.management import call_command

from clinicians.models import Track
from events.models import Anchor, Event, GroupMember, TravelGroup
from rotations.models import Schedule
from rotations.services import build_problem, group_id, table_id
from rotations.solver import solve
from series import planning, preparing
from series.queries import scheduled_pairs
from series.tasks import plan_task
from tests.accounts.helpers import make_organizer
from tests.factories import (
    make_anchor,
    make_clinician,
    make_department,
    make_event,
    make_group,
    make_specialist,
    make_specialty,
    make_table,
)
from tests.rotations.helpers import make_schedule

pytestmark = pytest.mark.django_db


def one_round_at_the_cardiologist(event: Event, world):
    """``event`` in one round: a cardiology table (the cardiologist, who practises at Quincy)
    and a dermatology table (the dermatologist, Hingham only), one seat each; Ann and Bob of
    Internal Medicine (Quincy) in one group, Fay of Family Medicine (Quincy) in another. Both
    groups share patients with the cardiologist; only one can sit with him."""
    event.rounds = 1
    event.save(update_fields=["rounds"])
    cardio = make_table(event=event, specialty=world.cardiology, capacity=1)
    make_anchor(event=event, table=cardio, clinician=world.heart)
    skin = make_table(event=event, specialty=world.dermatology, capacity=1)
    make_anchor(event=event, table=skin, clinician=world.skin)
    family = make_department(name="Family Medicine", site=world.quincy, track=Track.ADULT)
    fay = make_clinician(first_name="Fay", last_name="Ford", department=family)
    pair = make_group(event=event, department=world.ann.department, members=[world.ann, world.bob])
    alone = make_group(event=event, department=family, members=[fay])
    return cardio, skin, pair, alone


def test_a_series_evening_values_each_pair_a_visit_seats(world):
    cardio, _skin, pair, alone = one_round_at_the_cardiologist(world.north_evening.event, world)

    problem = build_problem(event=world.north_evening.event)

    # Rotations' 1 for the anchor at the group's site, plus one per clinician x specialist
    # pair: 1 + 2 for the pair, 1 + 1 for Fay; the dermatologist shares no patients here.
    assert sorted(problem.affinity) == sorted(
        [
            (group_id(pair), table_id(cardio), 1 + 2 * planning.SHARED_PATIENT_PAIR_WEIGHT),
            (group_id(alone), table_id(cardio), 1 + 1 * planning.SHARED_PATIENT_PAIR_WEIGHT),
        ]
    )
    # So the one seat at the cardiologist goes to the group that brings two pairs to him.
    solution = solve(problem, time_limit_s=5)
    assert {(v.group, v.table) for v in solution.visits if v.table == table_id(cardio)} == {
        (group_id(pair), table_id(cardio))
    }


def test_an_event_outside_a_series_keeps_one_per_anchor(world):
    cardio, _skin, pair, alone = one_round_at_the_cardiologist(make_event(), world)

    problem = build_problem(event=cardio.event)

    assert sorted(problem.affinity) == sorted(
        [(group_id(pair), table_id(cardio), 1), (group_id(alone), table_id(cardio), 1)]
    )


def test_a_group_of_several_departments_is_valued_by_its_members_sites(world):
    # Ann (Internal Medicine, Quincy) and Gil (Family Medicine, Milton) travel together: the
    # group has no site of its own, so rotations alone gives it no affinity; on a series
    # evening each member counts with the specialists of their own site.
    event = world.north_evening.event
    pulmonology = make_specialty(name="Pulmonology", track=Track.ADULT)
    lung = make_specialist(last_name="Lung", specialty=pulmonology, sites=[world.milton])
    family = make_department(name="Family Medicine", site=world.milton, track=Track.ADULT)
    gil = make_clinician(first_name="Gil", last_name="Gray", department=family)
    cardio = make_table(event=event, specialty=world.cardiology)
    make_anchor(event=event, table=cardio, clinician=world.heart)
    lungs = make_table(event=event, specialty=pulmonology)
    make_anchor(event=event, table=lungs, clinician=lung)
    skin = make_table(event=event, specialty=world.dermatology)
    make_anchor(event=event, table=skin, clinician=world.skin)
    mixed = make_group(event=event, members=[world.ann, world.bob, gil])

    assert sorted(build_problem(event=event).affinity) == [
        (group_id(mixed), table_id(cardio), 2),
        (group_id(mixed), table_id(lungs), 1),
    ]


def test_scheduled_pairs_count_who_sits_with_whom(world):
    event = world.north_evening.event
    cardio, skin, pair, alone = one_round_at_the_cardiologist(event, world)
    assert scheduled_pairs(world.series).scheduled == 0

    # Version 1: the pair with the cardiologist (Ann and Bob: 2 pairs); Fay at the
    # dermatologist's, who does not practise at Quincy (no pair).
    make_schedule(event, [(1, pair, cardio), (1, alone, skin)])
    found = scheduled_pairs(world.series)
    assert (found.pairs, found.scheduled, found.evenings) == (2, 1, 2)

    # A newer version seats Fay with the cardiologist instead: 1 pair...
    make_schedule(event, [(1, alone, cardio), (1, pair, skin)])
    assert scheduled_pairs(world.series).pairs == 1
    # ...but the published version is the one that counts.
    Schedule.objects.filter(event=event, version=1).update(is_published=True)
    assert scheduled_pairs(world.series).pairs == 2
    # An anchor absent in the visit's round does not meet the group.
    Anchor.objects.filter(clinician=world.heart).update(absent_rounds=[1])
    assert scheduled_pairs(world.series).pairs == 0


def yes_to_everything(world, invite, answer):
    for evening in (world.north_evening, world.south_evening):
        for invitation in invite(evening).values():
            answer(invitation, "yes")


def test_a_season_solved_seats_the_pairs_its_plan_brings_together(world, invite, answer, client):
    # A pulmonologist practising at Milton only, who shares patients with Gil of Family
    # Medicine (Milton): at the North evening, a table Internal Medicine (Quincy) may visit
    # but shares no patients with. One round, so each group sits at one table.
    pulmonology = make_specialty(name="Pulmonology", track=Track.ADULT)
    lung = make_specialist(last_name="Lung", specialty=pulmonology, sites=[world.milton])
    family = make_department(name="Family Medicine", site=world.milton, track=Track.ADULT)
    gil = make_clinician(first_name="Gil", last_name="Gray", department=family)
    # Groups of one department each, however small (the default size range would merge
    # Internal Medicine, Quincy with Family Medicine, Milton; see the test above).
    for evening in (world.north_evening, world.south_evening):
        evening.event.rounds = 1
        evening.event.group_min_size = 1
        evening.event.save(update_fields=["rounds", "group_min_size"])
    yes_to_everything(world, invite, answer)
    with mock.patch("series.tasks.plan_task.apply_async"):
        series_plan = planning.start_plan(series=world.series, by=world.user, time_limit_s=5)
    plan_task(series_plan.pk)
    series_plan.refresh_from_db()
    preparing.prepare_evenings(series=world.series, by=world.user)
    assert Anchor.objects.filter(clinician=lung, event=world.north_evening.event).exists()
    client.force_login(make_organizer(username="org"))
    page = client.get(world.series.get_absolute_url()).content.decode()
    assert "then <strong>Solve every evening</strong>" in page

    current_app.conf.task_always_eager = True
    try:
        planning.solve_every_evening(series=world.series, by=world.user, time_limit_s=5)
    finally:
        current_app.conf.task_always_eager = False

    # The plan: the cardiologist anchors the North evening (2 pairs at Quincy against 1 at
    # Hingham); with the neonatologist (Cat, Milton), the pulmonologist (Gil, Milton) and the
    # dermatologist (Dan, Hingham), 5 of the 6 pairs are at the same evening. In one round
    # the schedules seat all 5 at one table: Internal Medicine (Quincy) at the cardiologist's,
    # not the pulmonologist's, which goes to Gil.
    assert series_plan.figures["pairs_meeting"] == 5
    seated = set()
    for schedule in Schedule.objects.filter(event__evening__series=world.series):
        for visit in schedule.visits.select_related("table"):
            for anchor in visit.table.anchors.all():
                members = GroupMember.objects.filter(group=visit.group_id)
                seated |= {(m.clinician_id, anchor.clinician_id) for m in members}
    assert {
        (world.ann.pk, world.heart.pk),
        (world.bob.pk, world.heart.pk),
        (world.cat.pk, world.baby.pk),
        (world.dan.pk, world.skin.pk),
        (gil.pk, lung.pk),
    } <= seated
    assert scheduled_pairs(world.series).pairs == 5
    assert TravelGroup.objects.filter(event=world.north_evening.event).count() >= 2

    # The series page and the command say both figures.
    page = client.get(world.series.get_absolute_url()).content.decode()
    assert "In the schedules of 2 of the 2 evenings" in page
    assert "<strong>5 of the 6 shared-patient pairs sit at the same table</strong>" in page
    # Every evening has its schedule: the next step is publishing, not setting up again.
    assert "Next: open each evening below to review its schedule and publish it" in page
    assert "then <strong>Solve every evening</strong>" not in page

    out = io.StringIO()
    with mock.patch(
        "series.tasks.plan_task.apply_async",
        side_effect=lambda args, **options: planning.run_plan(plan_id=args[0]),
    ):
        call_command("plan_series", str(world.series.pk), "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert (
        figures["pairs_meeting"],
        figures["pairs_meeting_scheduled"],
        figures["evenings_scheduled"],
    ) == (5, 5, 2)
