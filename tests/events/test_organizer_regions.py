"""Which regions an organizer manages: the admins' pages in events, the service and the
migration that moved the rows from accounts."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from events.models import OrganizerRegion
from events.permissions import region_ids_for, set_organizer_regions
from tests.accounts.helpers import make_admin, make_organizer
from tests.factories import make_region

pytestmark = pytest.mark.django_db


def test_set_organizer_regions_replaces_the_regions_and_audits_the_change():
    north, south, east = (make_region(name=n) for n in ("North", "South", "East"))
    olive = make_organizer(north, south, username="olive")
    admin = make_admin(username="boss", first_name="Bea", last_name="Boss")

    names = set_organizer_regions(user=olive, regions=[south, east], by=admin)

    entry = AuditEntry.objects.get()
    assert names == ["East", "South"]
    assert region_ids_for(olive) == frozenset({south.pk, east.pk})
    assert (entry.action, entry.details, entry.message) == (
        "organizer.regions_changed",
        {"from": ["North", "South"], "to": ["East", "South"]},
        "Bea Boss changed the regions of olive: North, South → East, South.",
    )


def test_set_organizer_regions_without_a_change_is_not_audited():
    north = make_region(name="North")
    olive = make_organizer(north, username="olive")

    set_organizer_regions(user=olive, regions=[north], by=None)

    assert AuditEntry.objects.count() == 0


def test_organizer_region_page_sets_the_regions(client):
    north = make_region(name="North")
    olive = make_organizer(username="olive")
    client.force_login(make_admin(username="boss"))

    response = client.post(
        reverse("events:organizer_region_update", kwargs={"pk": olive.pk}),
        {"regions": [north.pk]},
    )

    assert (response.status_code, response.url) == (302, reverse("events:organizer_regions"))
    assert list(OrganizerRegion.objects.values_list("user", "region")) == [(olive.pk, north.pk)]


def test_organizer_region_list_shows_each_organizers_regions(client):
    make_organizer(make_region(name="North"), username="olive")
    make_organizer(username="oscar")
    client.force_login(make_admin(username="boss"))

    html = client.get(reverse("events:organizer_regions")).content.decode()

    assert ("olive" in html, "North" in html, "oscar" in html, "Every region" in html) == (
        True,
        True,
        True,
        True,
    )


def test_organizers_may_not_change_their_own_regions(client):
    olive = make_organizer(make_region(name="North"), username="olive")
    client.force_login(olive)

    responses = [
        client.get(reverse("events:organizer_regions")).status_code,
        client.post(
            reverse("events:organizer_region_update", kwargs={"pk": olive.pk}), {"regions": []}
        ).status_code,
    ]

    assert responses == [403, 403]
    assert OrganizerRegion.objects.count() == 1
