"""The Admins and Organizers groups with their permissions (see accounts/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import ADMINS, ORGANIZERS, sync_role_groups


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create those of the models that
    # exist so far. accounts names no app above it here: the permissions of later apps join
    # their groups in post_migrate (accounts.signals.sync_roles_after_migrate).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps, using=schema_editor.connection.alias)


def remove_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=[ADMINS, ORGANIZERS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_organizer_profile"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "__latest__"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
