from django.apps import apps as global_apps

from .roles import sync_role_groups


def sync_roles_after_migrate(sender, using="default", apps=global_apps, **kwargs):
    """Keep the role groups' permissions in step with the models after every migrate
    (Django creates a new model's permissions in post_migrate too, just before this)."""
    try:
        apps.get_model("auth", "Group")
        apps.get_model("auth", "Permission")
    except LookupError:  # auth not migrated yet in this state
        return
    sync_role_groups(apps, using=using)
