import pytest

from tests.factories import make_user


@pytest.fixture
def organizer(db):
    return make_user(username="organizer", first_name="Olive", last_name="Organizer")


@pytest.fixture
def admin_user(db):
    return make_user(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (rate-limit counts, cached itinerary pages)."""
    from django.core.cache import cache

    cache.clear()
