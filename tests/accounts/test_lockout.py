import datetime

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_succeeds_with_the_right_password(client):
    make_user(username="olive", password=PASSWORD)

    response = log_in(client, "olive", PASSWORD)

    assert (response.status_code, response.url) == (302, reverse("events:list"))


def test_login_page_states_the_lockout_policy(client):
    response = client.get(reverse("login"))

    assert (
        "After 5 failed attempts, logging in with that username from your network is locked "
        "for 15 minutes." in response.content.decode()
    )


def test_login_fails_four_times_without_lockout(client):
    make_user(username="olive", password=PASSWORD)

    statuses = [log_in(client, "olive", "wrong").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 200]


def test_login_is_locked_after_five_failures(client):
    make_user(username="olive", password=PASSWORD)
    for _ in range(4):
        log_in(client, "olive", "wrong")

    fifth = log_in(client, "olive", "wrong")

    assert fifth.status_code == 429
    assert "Login temporarily locked" in fifth.content.decode()
    assert "locked for 15 minutes" in fifth.content.decode()


def test_locked_out_login_refuses_the_correct_password(client):
    make_user(username="olive", password=PASSWORD)
    for _ in range(5):
        log_in(client, "olive", "wrong")

    response = log_in(client, "olive", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client):
    make_user(username="olive", password=PASSWORD)
    make_user(username="peter", password=PASSWORD)
    for _ in range(5):
        log_in(client, "olive", "wrong")

    other_user = log_in(client, "peter", PASSWORD)
    other_address = client.post(
        reverse("login"),
        {"username": "olive", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )

    assert (other_user.status_code, other_address.status_code) == (302, 302)


def test_login_works_again_after_the_lockout_is_reset(client):
    make_user(username="olive", password=PASSWORD)
    for _ in range(5):
        log_in(client, "olive", "wrong")

    reset(username="olive")
    response = log_in(client, "olive", PASSWORD)

    assert response.status_code == 302


def test_login_works_again_after_the_cool_off(client):
    make_user(username="olive", password=PASSWORD)
    for _ in range(5):
        log_in(client, "olive", "wrong")
    # The cool-off is measured from the last failure: move it back past 15 minutes.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    response = log_in(client, "olive", PASSWORD)

    assert response.status_code == 302


def test_successful_login_resets_the_failure_count(client):
    make_user(username="olive", password=PASSWORD)
    for _ in range(4):
        log_in(client, "olive", "wrong")
    log_in(client, "olive", PASSWORD)
    client.logout()

    statuses = [log_in(client, "olive", "wrong").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 200]


def test_test_client_login_without_request_still_works(client):
    make_user(username="olive", password=PASSWORD)

    logged_in = client.login(username="olive", password=PASSWORD)

    assert logged_in is True


def test_address_trying_many_usernames_is_refused_past_the_cap(client, settings):
    settings.ROUNDS_LOGIN_ADDRESS_FAILURE_LIMIT = 30
    make_user(username="olive", password=PASSWORD)
    failures = [log_in(client, f"user{n}", "wrong").status_code for n in range(30)]

    refused = log_in(client, "olive", PASSWORD)
    logged_in_after_refusal = "_auth_user_id" in client.session
    elsewhere = client.post(
        reverse("login"), {"username": "olive", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )

    assert failures == [200] * 30
    assert (refused.status_code, logged_in_after_refusal) == (429, False)
    assert "Too many failed login attempts from your network" in refused.content.decode()
    assert elsewhere.status_code == 302


def test_address_cap_counts_only_the_cool_off(client, settings):
    settings.ROUNDS_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    make_user(username="olive", password=PASSWORD)
    for n in range(3):
        log_in(client, f"user{n}", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    response = log_in(client, "olive", PASSWORD)

    assert response.status_code == 302


def test_address_below_the_cap_logs_in(client, settings):
    settings.ROUNDS_LOGIN_ADDRESS_FAILURE_LIMIT = 30
    make_user(username="olive", password=PASSWORD)
    for n in range(29):
        log_in(client, f"user{n}", "wrong")

    response = log_in(client, "olive", PASSWORD)

    assert response.status_code == 302
