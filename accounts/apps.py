from django.apps import AppConfig
from django.db.models.signals import post_migrate

from .roles import ADMINS


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and audit"
    # What each role may do with accounts' models (accounts.roles syncs the groups on migrate).
    # The audit log is append-only: admins read it, nobody edits or deletes it.
    role_permissions = {ADMINS: ["view_auditentry", "*_organizerprofile", "manage_all_regions"]}

    def ready(self):
        from .signals import sync_roles_after_migrate

        # post_migrate comes once per app, each after that app's permissions are created; the
        # sync is idempotent and cheap, so it simply runs every time and the last one wins.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
