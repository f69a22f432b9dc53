from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
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

        _make_local_folders()

        # post_migrate comes once per app, each after that app's permissions are created; the
        # sync is idempotent and cheap, so it simply runs every time and the last one wins.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")


def _make_local_folders() -> None:
    """Create the folders the laptop defaults write into, before any request or connection:
    STATIC_ROOT, which WhiteNoise warns about on every start when it is missing
    (collectstatic fills it; in production it is already there), and the folder of a SQLite
    database. Importing the settings creates nothing; every process (web, worker, tests,
    manage.py) passes here."""
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        for name in (database["NAME"], database.get("TEST", {}).get("NAME")):
            if name and str(name) != ":memory:" and not str(name).startswith("file:"):
                Path(name).parent.mkdir(parents=True, exist_ok=True)
