"""Sending a clinician a new sign-up link, or a host a new host link: the old link stops
working at once and the new one is emailed through the outbox."""

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from accounts.models import AuditEntry
from dinners import services
from dinners.models import DinnerGroup, DinnerSeason, SignUp
from outbox.models import Email
from tests.accounts.helpers import make_organizer

from .conftest import BASE_URL, in_days, join_everyone

pytestmark = pytest.mark.django_db


def _invited(world):
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    return SignUp.objects.select_related("clinician").get(clinician=world.north_people[0])


def test_a_new_sign_up_link_replaces_the_old_one_and_is_emailed(client, world):
    sign_up = _invited(world)
    old = reverse("dinners:signup", kwargs={"token": sign_up.token})
    organizer = make_organizer(world.north)
    client.force_login(organizer)
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse(
                "dinners:sign_up_reissue", kwargs={"season_pk": world.season.pk, "pk": sign_up.pk}
            )
        )

    sign_up.refresh_from_db()
    new = reverse("dinners:signup", kwargs={"token": sign_up.token})
    client.logout()
    assert (response.status_code, client.get(old).status_code, client.get(new).status_code) == (
        302,
        404,
        200,
    )
    # The page's own address is the base of the link (site_url).
    assert [(m.to, f"http://testserver{new}" in m.body, old in m.body) for m in mail.outbox] == [
        ([sign_up.clinician.email], True, False)
    ]
    assert AuditEntry.objects.filter(
        action="dinners.link_reissued", actor=organizer, details__sign_up=sign_up.pk
    ).exists()


def test_the_new_sign_up_link_email_carries_only_the_new_link(world):
    sign_up = _invited(world)
    old_token = sign_up.token
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        emailed = services.reissue_sign_up_link(sign_up=sign_up, base_url=BASE_URL, by=None)

    (message,) = mail.outbox
    assert emailed is True
    assert f"{BASE_URL}/d/{sign_up.token}/" in message.body
    assert old_token not in message.body
    # The first invitation and the new link: two sends of two keys.
    assert Email.objects.filter(kind="dinners.sign-up", to=sign_up.clinician.email).count() == 2


def test_sending_the_invitations_again_after_a_new_link_sends_nothing_more(world):
    sign_up = _invited(world)
    services.reissue_sign_up_link(sign_up=sign_up, base_url=BASE_URL, by=None)

    again = services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)

    assert again == 0
    assert Email.objects.filter(kind="dinners.sign-up").count() == 9


def test_after_the_deadline_the_old_link_stops_but_nothing_is_emailed(client, world):
    sign_up = _invited(world)
    old_token = sign_up.token
    DinnerSeason.objects.filter(pk=world.season.pk).update(sign_up_by=in_days(-1))
    sign_up.refresh_from_db()
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        emailed = services.reissue_sign_up_link(sign_up=sign_up, base_url=BASE_URL, by=None)

    assert (emailed, len(mail.outbox)) == (False, 0)
    assert client.get(reverse("dinners:signup", kwargs={"token": old_token})).status_code == 404


def test_a_new_host_link_replaces_the_old_one_and_is_emailed_to_the_host(client, world):
    join_everyone(world)
    services.form_dinner_groups(season=world.season)
    group = DinnerGroup.objects.select_related("host").filter(season=world.season).first()
    old = reverse("dinners:host", kwargs={"token": group.host_token})
    organizer = make_organizer(world.north)
    client.force_login(organizer)
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("dinners:host_reissue", kwargs={"season_pk": world.season.pk, "pk": group.pk})
        )

    group.refresh_from_db()
    new = reverse("dinners:host", kwargs={"token": group.host_token})
    client.logout()
    assert (response.status_code, client.get(old).status_code, client.get(new).status_code) == (
        302,
        404,
        200,
    )
    (message,) = mail.outbox
    assert (message.to, f"http://testserver{new}" in message.body) == ([group.host.email], True)
    assert old not in message.body
    assert AuditEntry.objects.filter(
        action="dinners.host_link_reissued", actor=organizer, details__group=group.pk
    ).exists()


def test_the_sign_up_list_finds_a_clinician_and_offers_a_new_link(client, world):
    sign_up = _invited(world)
    client.force_login(make_organizer(world.north))

    page = client.get(
        reverse("dinners:sign_ups", kwargs={"season_pk": world.season.pk}),
        {"q": sign_up.clinician.first_name},
    ).content.decode()

    assert sign_up.clinician.full_name in page
    assert (
        reverse("dinners:sign_up_reissue", kwargs={"season_pk": world.season.pk, "pk": sign_up.pk})
        in page
    )
    assert world.north_people[1].full_name not in page


def test_a_sign_up_of_another_season_is_a_404(client, world):
    sign_up = _invited(world)
    other = services.create_season(
        name="Other",
        starts_on=world.season.starts_on,
        every_weeks=2,
        dinners_count=2,
        weekdays=["tue"],
        min_size=3,
        max_size=4,
        budget_per_person=world.season.budget_per_person,
        regions=[world.north],
        sign_up_by=world.season.sign_up_by,
        by=None,
    )
    client.force_login(make_organizer(world.north))
    token = sign_up.token

    response = client.post(
        reverse("dinners:sign_up_reissue", kwargs={"season_pk": other.pk, "pk": sign_up.pk})
    )

    sign_up.refresh_from_db()
    assert (response.status_code, sign_up.token) == (404, token)
