import pytest

from tests.events.scenario import make_organizer
from tests.factories import make_user


@pytest.fixture
def organizer_with_perms(db):
    """An organizer with all events.* and rotations.* permissions and clinicians.view_*."""
    return make_organizer(username="olive")


@pytest.fixture
def organizer_client(client, organizer_with_perms):
    client.force_login(organizer_with_perms)
    return client


@pytest.fixture
def no_perm_client(client, db):
    client.force_login(make_user(username="noperm"))
    return client
