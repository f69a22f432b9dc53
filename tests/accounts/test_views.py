import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEntry
from accounts.roles import Role
from accounts.services import record_audit, role_of, set_password_path
from tests.accounts.helpers import make_admin, make_organizer
from tests.factories import make_region, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin_client(client):
    admin = make_admin(username="boss", first_name="Bea", last_name="Boss")
    client.force_login(admin)
    client.admin = admin
    return client


def create_payload(**overrides):
    payload = {
        "username": "newbie",
        "first_name": "Nina",
        "last_name": "Newbie",
        "email": "nina@example.org",
        "role": "organizer",
        "password_choice": "link",
        "password1": "",
        "password2": "",
    }
    payload.update(overrides)
    return payload


def test_account_list_shows_roles(admin_client):
    make_organizer(username="olive")

    html = admin_client.get(reverse("accounts:list")).content.decode()

    assert ("olive" in html, "Organizer" in html) == (True, True)


def test_account_list_is_forbidden_to_organizers(client):
    client.force_login(make_organizer())

    assert client.get(reverse("accounts:list")).status_code == 403


def test_account_list_asks_anonymous_users_to_log_in(client):
    response = client.get(reverse("accounts:list"))

    assert (response.status_code, response.url) == (
        302,
        f"{reverse('login')}?next={reverse('accounts:list')}",
    )


def test_account_list_query_count_does_not_grow_with_accounts(
    admin_client, django_assert_max_num_queries
):
    for number in range(3):
        make_organizer(make_region(), username=f"few{number}")
    with django_assert_max_num_queries(12) as few:
        admin_client.get(reverse("accounts:list"))
    for number in range(20):
        make_organizer(make_region(), username=f"many{number}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("accounts:list"))


def test_create_account_with_link_emails_a_working_link(admin_client):
    response = admin_client.post(reverse("accounts:create"), create_payload())

    user = User.objects.get(username="newbie")
    assert (response.status_code, response.url) == (302, reverse("accounts:list"))
    assert (role_of(user), user.has_usable_password(), user.is_staff) == (
        Role.ORGANIZER,
        False,
        False,
    )
    assert [message.to for message in mail.outbox] == [["nina@example.org"]]
    assert set_password_path(user=user) in mail.outbox[0].body


def test_set_password_link_lets_the_user_choose_a_password(client, admin_client):
    admin_client.post(reverse("accounts:create"), create_payload())
    user = User.objects.get(username="newbie")
    link = set_password_path(user=user)

    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase 42", "new_password2": "a long new passphrase 42"},
    )

    user.refresh_from_db()
    assert (done.status_code, done.url) == (302, reverse("accounts:password_set_done"))
    assert user.check_password("a long new passphrase 42") is True


def test_set_password_link_with_a_bad_token_says_so(client):
    user = make_user()
    link = set_password_path(user=user).replace("/set-password/", "/set-password/")
    bad = link.rsplit("/", 2)[0] + "/bad-token/"

    response = client.get(bad)

    assert "This link has expired or was already used." in response.content.decode()


def test_create_account_with_password_sets_it(admin_client):
    payload = create_payload(
        role="admin",
        password_choice="set",
        password1="a long new passphrase 42",
        password2="a long new passphrase 42",
    )

    admin_client.post(reverse("accounts:create"), payload)

    user = User.objects.get(username="newbie")
    assert (role_of(user), user.check_password("a long new passphrase 42"), user.is_staff) == (
        Role.ADMIN,
        True,
        True,
    )
    assert mail.outbox == []


def test_create_account_refuses_a_weak_password(admin_client):
    payload = create_payload(password_choice="set", password1="123", password2="123")

    response = admin_client.post(reverse("accounts:create"), payload)

    assert response.status_code == 200
    assert User.objects.filter(username="newbie").exists() is False


def test_create_account_is_audited(admin_client):
    admin_client.post(reverse("accounts:create"), create_payload())

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target, entry.details) == (
        admin_client.admin,
        "role.changed",
        "account newbie",
        {"from": None, "to": "organizer", "created": True},
    )


def update_payload(user, **overrides):
    payload = {
        "first_name": user.first_name or "First",
        "last_name": user.last_name or "Last",
        "email": user.email or "someone@example.org",
        "role": role_of(user).value,
        "is_active": "on" if user.is_active else "",
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value != ""}


def test_making_an_organizer_admin_is_audited(admin_client):
    olive = make_organizer(username="olive", email="olive@example.org")

    response = admin_client.post(
        reverse("accounts:update", kwargs={"pk": olive.pk}), update_payload(olive, role="admin")
    )

    entry = AuditEntry.objects.get()
    assert response.status_code == 302
    assert (entry.actor, entry.action, entry.target, entry.details) == (
        admin_client.admin,
        "role.changed",
        "account olive",
        {"from": "organizer", "to": "admin"},
    )
    olive.refresh_from_db()
    assert (role_of(olive), olive.is_staff) == (Role.ADMIN, True)


def test_deactivating_is_audited(admin_client):
    olive = make_organizer(username="olive", email="olive@example.org")

    admin_client.post(
        reverse("accounts:update", kwargs={"pk": olive.pk}),
        update_payload(olive, is_active=""),
    )

    assert AuditEntry.objects.get().details == {"active": False}


def test_changing_only_the_name_is_not_audited(admin_client):
    olive = make_organizer(username="olive", email="olive@example.org")

    admin_client.post(
        reverse("accounts:update", kwargs={"pk": olive.pk}),
        update_payload(olive, first_name="Olivia"),
    )

    olive.refresh_from_db()
    assert (olive.first_name, AuditEntry.objects.count()) == ("Olivia", 0)


def test_admin_cannot_demote_or_deactivate_themselves(admin_client):
    admin = admin_client.admin

    admin_client.post(
        reverse("accounts:update", kwargs={"pk": admin.pk}),
        update_payload(admin, role="organizer", is_active=""),
    )

    admin.refresh_from_db()
    assert (role_of(admin), admin.is_active, AuditEntry.objects.count()) == (Role.ADMIN, True, 0)


def test_admin_cannot_edit_a_superuser(admin_client, admin_user):
    response = admin_client.get(reverse("accounts:update", kwargs={"pk": admin_user.pk}))

    assert response.status_code == 404


def test_update_of_a_missing_account_is_404_for_admins_and_403_for_organizers(client):
    client.force_login(make_admin())
    as_admin = client.get(reverse("accounts:update", kwargs={"pk": 999999})).status_code
    client.force_login(make_organizer())
    as_organizer = client.get(reverse("accounts:update", kwargs={"pk": 999999})).status_code

    assert (as_admin, as_organizer) == (404, 403)


def test_send_link_emails_the_account(admin_client):
    olive = make_organizer(username="olive", email="olive@example.org")

    response = admin_client.post(reverse("accounts:send_link", kwargs={"pk": olive.pk}))

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["olive@example.org"]]


def test_send_link_refuses_get(admin_client):
    olive = make_organizer()

    response = admin_client.get(reverse("accounts:send_link", kwargs={"pk": olive.pk}))

    assert response.status_code == 405


def test_audit_log_is_for_admins_only(client):
    client.force_login(make_organizer())

    assert client.get(reverse("accounts:audit_list")).status_code == 403


def test_audit_log_filters_by_action_and_actor(admin_client):
    other = make_user(username="other")
    record_audit(
        actor=other,
        action="link.reissued",
        target="link of Dr <b>Who</b>",
        message="Other reissued the link of Dr <b>Who</b>.",
    )
    record_audit(actor=other, action="roster.imported", target="roster", message="x")
    record_audit(actor=admin_client.admin, action="link.reissued", target="mine", message="x")

    response = admin_client.get(
        reverse("accounts:audit_list"),
        {"action": "link.reissued", "actor": other.pk},
    )

    assert [entry.target for entry in response.context["entries"]] == ["link of Dr <b>Who</b>"]
    assert "the link of Dr &lt;b&gt;Who&lt;/b&gt;." in response.content.decode()


def test_audit_log_filters_by_date(admin_client):
    old = record_audit(actor=None, action="roster.imported", target="old", message="x")
    AuditEntry.objects.filter(pk=old.pk).update(
        at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    record_audit(actor=None, action="roster.imported", target="new", message="x")

    response = admin_client.get(reverse("accounts:audit_list"), {"date_to": "2020-12-31"})

    assert [entry.target for entry in response.context["entries"]] == ["old"]


def test_audit_log_is_paginated_by_fifty(admin_client):
    for number in range(55):
        record_audit(actor=None, action="roster.imported", target=f"r{number}", message="x")

    first = admin_client.get(reverse("accounts:audit_list"))
    second = admin_client.get(reverse("accounts:audit_list"), {"page": 2})

    assert (len(first.context["entries"]), len(second.context["entries"])) == (50, 5)


def test_audit_log_query_count_does_not_grow_with_entries(
    admin_client, django_assert_max_num_queries
):
    actor = make_user()
    for number in range(3):
        record_audit(actor=actor, action="roster.imported", target=f"r{number}", message="x")
    with django_assert_max_num_queries(20) as few:
        admin_client.get(reverse("accounts:audit_list"))
    for _ in range(30):
        record_audit(actor=make_user(), action="roster.imported", target="x", message="x")

    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("accounts:audit_list"))


def test_django_admin_hides_superusers_from_group_admins(client, admin_user):
    client.force_login(make_admin())

    response = client.get(reverse("admin:auth_user_change", args=[admin_user.pk]))

    assert response.status_code == 302  # the admin's "does not exist" redirect


def test_django_admin_does_not_let_a_group_admin_grant_superuser(client):
    admin = make_admin()
    client.force_login(admin)

    response = client.post(
        reverse("admin:auth_user_change", args=[admin.pk]),
        {
            "username": admin.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "organizer_profile-TOTAL_FORMS": "1",
            "organizer_profile-INITIAL_FORMS": "1",
            "organizer_profile-MIN_NUM_FORMS": "0",
            "organizer_profile-MAX_NUM_FORMS": "1",
            "organizer_profile-0-id": admin.organizer_profile.pk,
            "organizer_profile-0-user": admin.pk,
        },
    )

    admin.refresh_from_db()
    assert (response.status_code, admin.is_superuser) == (302, False)
