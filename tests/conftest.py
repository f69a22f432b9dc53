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


@pytest.fixture(autouse=True)
def emails_sent_in_process(monkeypatch):
    """The outbox's send task runs in the test's process when it is sent (the broker is what
    leaves the machine): an email queued in a transaction whose commit callbacks run (a
    ``django_capture_on_commit_callbacks(execute=True)`` block) lands in
    ``django.core.mail.outbox``, retries included."""
    from outbox.tasks import send_task

    def apply_here(args=None, kwargs=None, **options):
        return send_task.apply(args=args, kwargs=kwargs)

    monkeypatch.setattr(send_task, "apply_async", apply_here)
