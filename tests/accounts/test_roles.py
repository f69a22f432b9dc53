from fnmatch import fnmatchcase

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from accounts.roles import ADMINS, ORGANIZERS, role_permissions, sync_role_groups
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def perms_of(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{permission.content_type.app_label}.{permission.codename}"
        for permission in group.permissions.select_related("content_type")
    }


def test_migrations_create_both_role_groups():
    assert sorted(Group.objects.values_list("name", flat=True)) == [ADMINS, ORGANIZERS]


def test_organizers_run_events_but_not_accounts_or_the_audit_log():
    perms = perms_of(ORGANIZERS)

    assert {
        "events.add_event": "events.add_event" in perms,
        "events.change_event": "events.change_event" in perms,
        "rotations.add_solverun": "rotations.add_solverun" in perms,
        "clinicians.view_clinician": "clinicians.view_clinician" in perms,
        "clinicians.add_clinician": "clinicians.add_clinician" in perms,
        "clinicians.change_clinician": "clinicians.change_clinician" in perms,
        "clinicians.delete_clinician": "clinicians.delete_clinician" in perms,
        "clinicians.change_specialty": "clinicians.change_specialty" in perms,
        "accounts.view_auditentry": "accounts.view_auditentry" in perms,
        "accounts.manage_all_regions": "accounts.manage_all_regions" in perms,
    } == {
        "events.add_event": True,
        "events.change_event": True,
        "rotations.add_solverun": True,
        "clinicians.view_clinician": True,
        "clinicians.add_clinician": True,
        "clinicians.change_clinician": True,
        "clinicians.delete_clinician": False,
        "clinicians.change_specialty": False,
        "accounts.view_auditentry": False,
        "accounts.manage_all_regions": False,
    }
    assert {perm.split(".")[0] for perm in perms} == {
        "clinicians",
        "events",
        "rotations",
        "outbox",
        "series",
        "outcomes",
        "dinners",
    }


def test_admins_have_every_app_permission_but_cannot_edit_the_audit_log():
    perms = perms_of(ADMINS)

    assert {
        "auth.add_user": "auth.add_user" in perms,
        "auth.change_group": "auth.change_group" in perms,
        "accounts.view_auditentry": "accounts.view_auditentry" in perms,
        "accounts.delete_auditentry": "accounts.delete_auditentry" in perms,
        "accounts.manage_all_regions": "accounts.manage_all_regions" in perms,
        "clinicians.delete_specialty": "clinicians.delete_specialty" in perms,
        "events.delete_event": "events.delete_event" in perms,
        "rotations.change_schedule": "rotations.change_schedule" in perms,
        "axes.delete_accessattempt": "axes.delete_accessattempt" in perms,
    } == {
        "auth.add_user": True,
        "auth.change_group": False,
        "accounts.view_auditentry": True,
        "accounts.delete_auditentry": False,
        "accounts.manage_all_regions": True,
        "clinicians.delete_specialty": True,
        "events.delete_event": True,
        "rotations.change_schedule": True,
        "axes.delete_accessattempt": True,
    }


def test_every_permission_of_the_event_apps_goes_to_both_roles():
    event_perms = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(
            content_type__app_label__in=["events", "rotations"]
        ).select_related("content_type")
    }

    assert (event_perms <= perms_of(ADMINS), event_perms <= perms_of(ORGANIZERS)) == (True, True)


def test_sync_restores_a_permission_removed_by_hand():
    group = Group.objects.get(name=ORGANIZERS)
    group.permissions.remove(
        Permission.objects.get(content_type__app_label="events", codename="add_event")
    )

    sync_role_groups(apps)

    assert "events.add_event" in perms_of(ORGANIZERS)


def test_an_organizer_member_has_the_group_permissions():
    user = make_user()
    user.groups.add(Group.objects.get(name=ORGANIZERS))

    assert (user.has_perm("events.add_event"), user.has_perm("auth.add_user")) == (True, False)


def test_role_permissions_name_only_the_two_roles():
    assert sorted(role_permissions()) == [ADMINS, ORGANIZERS]


# The roles as accounts/roles.py listed them in one table before each app declared its own
# (AppConfig.role_permissions): the groups must hold exactly the same permissions.
ROLES_BEFORE_EACH_APP_DECLARED_ITS_OWN = {
    ADMINS: {
        "accounts": ["view_auditentry", "*_organizerprofile", "manage_all_regions"],
        "clinicians": "*",
        "events": "*",
        "rotations": "*",
        "auth": ["add_user", "change_user", "delete_user", "view_user"],
        "axes": ["view_accessattempt", "delete_accessattempt", "view_accesslog"],
        # Added with the outbox: the Emails page and sending a failed email again.
        "outbox": ["view_email", "change_email", "view_optout"],
        # Added with the series: seasons, evenings, invitations and plans.
        "series": "*",
        # Added with the outcomes: survey answers, and the free-text comments (admins only).
        "outcomes": "*",
        # Added with the dinners: seasons, the question bank, the private "not with" wishes.
        "dinners": "*",
    },
    ORGANIZERS: {
        "events": "*",
        "rotations": "*",
        "clinicians": ["view_*", "add_clinician", "change_clinician"],
        "outbox": ["view_email", "change_email"],
        "series": "*",
        # The close date of their events' surveys, too.
        "outcomes": ["view_surveyanswer", "view_surveysettings", "change_surveysettings"],
        # Not the question bank's edits, nor the private "not with" wishes.
        "dinners": [
            "*_dinnerseason",
            "*_signup",
            "*_dinnergroup",
            "*_dinner",
            "*_dinnerseat",
            "view_dinnerquestion",
        ],
    },
}


def _granted(grants: dict) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
        if p.content_type.app_label in grants
        and (
            grants[p.content_type.app_label] == "*"
            or any(fnmatchcase(p.codename, pat) for pat in grants[p.content_type.app_label])
        )
    }


@pytest.mark.parametrize("role", [ADMINS, ORGANIZERS])
def test_role_groups_hold_the_same_permissions_as_the_single_table_did(role):
    expected = _granted(ROLES_BEFORE_EACH_APP_DECLARED_ITS_OWN[role])

    sync_role_groups(apps)

    assert perms_of(role) == expected


def test_role_permissions_come_from_each_app_config():
    assert role_permissions() == ROLES_BEFORE_EACH_APP_DECLARED_ITS_OWN
