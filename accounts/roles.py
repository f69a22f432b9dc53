"""The roles, as Django groups whose permissions are defined here, in code.

A data migration creates the groups; after every `migrate` they are brought back to exactly
these permissions, so a model added later joins its role without a new migration. Change a
role here, not in the admin.
"""

from fnmatch import fnmatchcase

from django.db import models

ADMINS = "Admins"
ORGANIZERS = "Organizers"

# app label -> "*" for every permission of the app, or codename patterns (fnmatch).
ROLE_PERMISSIONS: dict[str, dict[str, object]] = {
    ADMINS: {
        # The audit log is append-only: admins read it, nobody edits or deletes it.
        "accounts": ["view_auditentry", "*_organizerprofile", "manage_all_regions"],
        "clinicians": "*",
        "events": "*",
        "rotations": "*",
        "auth": ["add_user", "change_user", "delete_user", "view_user"],
        # Lockout records, so an admin can unlock someone in the Django admin.
        "axes": ["view_accessattempt", "delete_accessattempt", "view_accesslog"],
    },
    ORGANIZERS: {
        "events": "*",
        "rotations": "*",
        "clinicians": ["view_*", "add_clinician", "change_clinician"],
    },
}


def _matches(codename: str, patterns) -> bool:
    if patterns == "*":
        return True
    return any(fnmatchcase(codename, pattern) for pattern in patterns)


def sync_role_groups(apps, using: str = "default") -> None:
    """Create the role groups and set each one's permissions to exactly ROLE_PERMISSIONS.

    `apps` is the app registry: a migration's historical one or django.apps.apps.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        wanted = [
            permission.pk
            for permission in Permission.objects.using(using)
            .filter(content_type__app_label__in=list(grants))
            .select_related("content_type")
            if _matches(permission.codename, grants[permission.content_type.app_label])
        ]
        group.permissions.set(wanted)


class Role(models.TextChoices):
    ORGANIZER = "organizer", "Organizer"
    ADMIN = "admin", "Admin"
    NONE = "none", "No role"
