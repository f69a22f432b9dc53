"""Setting up a season's evenings from its plan (series.preparing): the planned specialists
seated at their specialty's table, the groups formed from the replies, ready to solve."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from events.models import Anchor, Table, TravelGroup
from rotations import services as rotations
from series import planning, preparing, services
from series.models import PlannedPlace
from series.tasks import plan_task

pytestmark = pytest.mark.django_db


def plan(world):
    with mock.patch("series.tasks.plan_task.apply_async"):
        series_plan = planning.start_plan(series=world.series, by=world.user, time_limit_s=5)
    plan_task(series_plan.pk)
    series_plan.refresh_from_db()
    return series_plan


def test_no_plan_no_set_up(world):
    with pytest.raises(ValidationError, match="Plan the season first"):
        preparing.prepare_evenings(series=world.series, by=world.user)
    assert not Table.objects.exists()


def test_every_evening_is_set_up_as_planned_and_ready_to_solve(world, invite, answer):
    for evening in (world.north_evening, world.south_evening):
        for invitation in invite(evening).values():
            answer(invitation, "yes")
    series_plan = plan(world)

    done = preparing.prepare_evenings(series=world.series, by=world.user)

    for evening in (world.north_evening, world.south_evening):
        event = evening.event
        planned = set(
            PlannedPlace.objects.filter(
                plan=series_plan, evening=evening, clinician__isnull=False
            ).values_list("clinician_id", flat=True)
        )
        anchors = set(Anchor.objects.filter(event=event).values_list("clinician_id", flat=True))
        # Exactly the planned specialists anchor, one table per specialty, and the
        # primary-care clinicians who said yes travel in groups.
        assert anchors == planned
        assert sorted(event.tables.values_list("specialty__name", flat=True)) == sorted(
            {a.clinician.specialty.name for a in Anchor.objects.filter(event=event)}
        )
        assert TravelGroup.objects.filter(event=event).exists()
        assert rotations.readiness_problems(event=event) == []
    # The cardiologist practises at both evenings' sites and said yes to both: anchored once.
    assert Anchor.objects.filter(clinician=world.heart).count() == 1
    assert [str(item).split(":")[0] for item in done] == ["North evening", "South evening"]
    assert AuditEntry.objects.filter(action=preparing.EVENINGS_PREPARED).count() == 1
    # The replies come into each evening twice (attendance, then presence) but are recorded
    # once per evening.
    brought_in = AuditEntry.objects.filter(action=services.REPLIES_BROUGHT_IN)
    assert sorted(brought_in.values_list("target", flat=True)) == [
        "North evening",
        "South evening",
    ]

    # Setting up again adds nothing twice.
    preparing.prepare_evenings(series=world.series, by=world.user)
    assert Anchor.objects.filter(clinician=world.heart).count() == 1
    assert Table.objects.filter(event=world.north_evening.event).count() == len(
        {a.table_id for a in Anchor.objects.filter(event=world.north_evening.event)}
    )
