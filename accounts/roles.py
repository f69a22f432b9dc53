"""The roles, as Django groups whose permissions are defined in code.

Each app says what each role may do with its own models: a ``role_permissions`` attribute on
its AppConfig, ``{role: "*" or [codename patterns]}`` (fnmatch, on the app's own permissions).
accounts speaks for itself and for the Django and third-party apps below every Rounds app
(``FOUNDATION_ROLE_PERMISSIONS``), and names no app above it. A data migration creates the
groups; after every ``migrate`` they are brought back to exactly what the apps declare, so a
model added later joins its role without a new migration. Change a role in the app's
AppConfig, not in the admin.
"""

from fnmatch import fnmatchcase

from django.apps import apps as global_apps
from django.db import models

ADMINS = "Admins"
ORGANIZERS = "Organizers"
ROLES = (ADMINS, ORGANIZERS)

Grant = str | list[str]  # "*" for every permission of an app, or codename patterns

# Apps with no Rounds AppConfig of their own, for which accounts declares the roles.
FOUNDATION_ROLE_PERMISSIONS: dict[str, dict[str, Grant]] = {
    ADMINS: {
        "auth": ["add_user", "change_user", "delete_user", "view_user"],
        # Lockout records, so an admin can unlock someone in the Django admin.
        "axes": ["view_accessattempt", "delete_accessattempt", "view_accesslog"],
    },
}


def role_permissions() -> dict[str, dict[str, Grant]]:
    """role → app label → grant, collected from every installed app's
    ``AppConfig.role_permissions`` and ``FOUNDATION_ROLE_PERMISSIONS``. Read from the code's
    app registry (a migration's historical one carries no AppConfig attributes)."""
    collected: dict[str, dict[str, Grant]] = {role: {} for role in ROLES}
    for role, grants in FOUNDATION_ROLE_PERMISSIONS.items():
        collected[role].update(grants)
    for app_config in global_apps.get_app_configs():
        for role, grant in getattr(app_config, "role_permissions", {}).items():
            if role not in collected:
                raise ValueError(f"{app_config.label} declares permissions for unknown role {role}")
            collected[role][app_config.label] = grant
    return collected


def _matches(codename: str, patterns: Grant) -> bool:
    if patterns == "*":
        return True
    return any(fnmatchcase(codename, pattern) for pattern in patterns)


def sync_role_groups(apps, using: str = "default") -> None:
    """Create the role groups and set each one's permissions to exactly those the apps declare
    (``role_permissions()``).

    ``apps`` is the app registry the models are read from: a migration's historical one or
    django.apps.apps.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in role_permissions().items():
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
