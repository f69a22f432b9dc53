import pytest
from django.contrib.auth.models import AnonymousUser, Group

from accounts.permissions import is_admin
from accounts.roles import ADMINS, ORGANIZERS
from events.models import Event, Table
from events.permissions import allowed_regions, may_leave_region_empty, visible_events
from tests.accounts.helpers import make_organizer
from tests.factories import make_event, make_region, make_table, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    north, south = make_region(name="North"), make_region(name="South")
    return {
        "north": north,
        "south": south,
        "in_north": make_event(name="In north", region=north),
        "in_south": make_event(name="In south", region=south),
        "nowhere": make_event(name="Nowhere", region=None),
    }


def names(queryset) -> list[str]:
    return sorted(queryset.values_list("name", flat=True))


def test_organizer_with_a_region_sees_only_its_events(world):
    organizer = make_organizer(world["north"])

    assert names(visible_events(organizer, Event.objects.all())) == ["In north"]


def test_organizer_with_two_regions_sees_both(world):
    organizer = make_organizer(world["north"], world["south"])

    assert names(visible_events(organizer, Event.objects.all())) == ["In north", "In south"]


def test_organizer_without_regions_sees_every_event(world):
    organizer = make_organizer()

    assert names(visible_events(organizer, Event.objects.all())) == [
        "In north",
        "In south",
        "Nowhere",
    ]


def test_organizer_without_profile_sees_every_event(world):
    user = make_user()
    user.groups.add(Group.objects.get(name=ORGANIZERS))

    assert len(visible_events(user, Event.objects.all())) == 3


def test_admin_sees_every_event_whatever_its_regions(world):
    admin = make_organizer(world["north"])
    admin.groups.add(Group.objects.get(name=ADMINS))

    assert len(visible_events(admin, Event.objects.all())) == 3


def test_superuser_sees_every_event(world, admin_user):
    assert len(visible_events(admin_user, Event.objects.all())) == 3


def test_anonymous_sees_no_event(world):
    assert names(visible_events(AnonymousUser(), Event.objects.all())) == []


def test_visible_events_filters_related_rows_by_their_events_region(world):
    make_table(event=world["in_north"])
    make_table(event=world["in_south"])
    organizer = make_organizer(world["south"])

    tables = visible_events(organizer, Table.objects.all(), region_field="event__region")

    assert [table.event.name for table in tables] == ["In south"]


def test_allowed_regions_for_a_limited_and_an_unlimited_organizer(world):
    limited, unlimited = make_organizer(world["south"]), make_organizer()

    assert (names(allowed_regions(limited)), names(allowed_regions(unlimited))) == (
        ["South"],
        ["North", "South"],
    )


def test_only_unlimited_organizers_may_leave_the_region_empty(world):
    limited, unlimited = make_organizer(world["south"]), make_organizer()

    assert (may_leave_region_empty(limited), may_leave_region_empty(unlimited)) == (False, True)


def test_is_admin_for_each_kind_of_user(admin_user):
    organizer = make_organizer()
    group_admin = make_user()
    group_admin.groups.add(Group.objects.get(name=ADMINS))

    assert [is_admin(admin_user), is_admin(group_admin), is_admin(organizer)] == [
        True,
        True,
        False,
    ]
