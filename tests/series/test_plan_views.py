from unittest import mock

import pytest
from django.urls import reverse

from series import planning
from series.models import SeriesPlan
from tests.accounts.helpers import make_organizer

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_client(client, world):
    client.force_login(make_organizer(username="org"))
    return client


def test_plan_the_season_button_plans_and_the_page_shows_the_figure(organizer_client, world):
    def deliver(args, **options):
        planning.run_plan(plan_id=args[0])

    with mock.patch("series.tasks.plan_task.apply_async", side_effect=deliver):
        response = organizer_client.post(
            reverse("series:plan", kwargs={"pk": world.series.pk}), follow=True
        )

    page = response.content.decode()
    assert (
        "80% of shared-patient pairs meet this season (the most that can); 3 of 4 needs met."
        in page
    )
    assert "Baby" in page and "Plan the season" in page
    assert SeriesPlan.objects.get().status == "succeeded"


def test_the_progress_endpoint_follows_a_queued_plan(organizer_client, world):
    with mock.patch("series.tasks.plan_task.apply_async"):
        planning.start_plan(series=world.series, by=None)

    status = organizer_client.get(reverse("series:progress", kwargs={"pk": world.series.pk}))

    assert (status.json()["kind"], status.json()["is_active"]) == ("plan", True)


def test_solve_every_evening_not_ready_says_why_and_queues_nothing(organizer_client, world):
    response = organizer_client.post(
        reverse("series:solve", kwargs={"pk": world.series.pk}), follow=True
    )

    assert "Nothing was queued. North evening: " in response.content.decode()


def test_queue_down_on_plan_is_a_clear_message(organizer_client, world):
    with mock.patch("series.tasks.plan_task.apply_async", side_effect=OSError("refused")):
        response = organizer_client.post(
            reverse("series:plan", kwargs={"pk": world.series.pk}), follow=True
        )

    assert "The task queue is unavailable" in response.content.decode()
