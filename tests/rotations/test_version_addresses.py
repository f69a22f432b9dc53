"""A version's address says its number, as its page does: /schedule/v2/ is "Version 2",
whatever the version's id."""

import pytest
from django.urls import reverse

from tests.events.scenario import make_ready_event
from tests.rotations.test_views import make_schedule, organizer_client, organizer_with_perms  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_version_s_address_and_heading_name_the_same_number(organizer_client):  # noqa: F811
    other = make_ready_event(groups=2, tables=3, rounds=3, name="Earlier evening")
    for version in (1, 2, 3):
        make_schedule(other, version=version)
    event = make_ready_event(groups=2, tables=3, rounds=3, name="This evening")
    make_schedule(event, version=1)
    second = make_schedule(event, version=2)
    assert second.pk != second.version

    listed = organizer_client.get(reverse("rotations:schedule_list", kwargs={"event_pk": event.pk}))
    page = organizer_client.get(second.get_absolute_url())
    publish = organizer_client.get(
        reverse("rotations:version_publish", kwargs={"event_pk": event.pk, "version": 2})
    )
    missing = organizer_client.get(
        reverse("rotations:version", kwargs={"event_pk": event.pk, "version": 3})
    )

    assert second.get_absolute_url() == f"/events/{event.pk}/schedule/v2/"
    assert f'href="/events/{event.pk}/schedule/v2/publish/"' in listed.content.decode()
    assert (page.status_code, page.context["schedule"]) == (200, second)
    assert (publish.status_code, publish.context["schedule"]) == (200, second)
    assert missing.status_code == 404
