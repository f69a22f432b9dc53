"""Organizers limited to regions, through the one place that fetches events for a user."""

import pytest
from django.http import Http404
from django.urls import reverse

from events.permissions import get_event_for_user
from tests.accounts.helpers import make_admin, make_organizer
from tests.factories import make_event, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions():
    return make_region(name="North"), make_region(name="South")


def test_organizer_gets_an_event_of_their_region(regions):
    north, _ = regions
    event = make_event(region=north)

    assert get_event_for_user(user=make_organizer(north), pk=event.pk) == event


def test_organizer_gets_404_for_an_event_of_another_region(regions):
    north, south = regions
    event = make_event(region=south)

    with pytest.raises(Http404):
        get_event_for_user(user=make_organizer(north), pk=event.pk)


def test_limited_organizer_gets_404_for_an_event_without_region(regions):
    north, _ = regions
    event = make_event(region=None)

    with pytest.raises(Http404):
        get_event_for_user(user=make_organizer(north), pk=event.pk)


def test_unlimited_organizer_and_admin_get_any_event(regions):
    _, south = regions
    event = make_event(region=south)

    assert [
        get_event_for_user(user=make_organizer(), pk=event.pk),
        get_event_for_user(user=make_admin(), pk=event.pk),
    ] == [event, event]


def test_event_pages_answer_404_to_an_organizer_of_another_region(client, regions):
    north, south = regions
    event = make_event(region=south)
    client.force_login(make_organizer(north))

    statuses = [
        client.get(reverse("events:detail", kwargs={"pk": event.pk})).status_code,
        client.get(reverse("events:update", kwargs={"pk": event.pk})).status_code,
        client.get(reverse("events:table_list", kwargs={"event_pk": event.pk})).status_code,
    ]

    assert statuses == [404, 404, 404]


def test_events_list_shows_only_the_organizers_regions(client, regions):
    north, south = regions
    make_event(name="Northern evening", region=north)
    make_event(name="Southern evening", region=south)
    make_event(name="Unplaced evening", region=None)
    client.force_login(make_organizer(north))

    html = client.get(reverse("events:list")).content.decode()

    assert [name in html for name in ["Northern", "Southern", "Unplaced"]] == [True, False, False]
