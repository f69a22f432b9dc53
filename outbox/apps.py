from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outgoing email"
    # What each role may do with outbox's models (accounts.roles syncs the groups on migrate):
    # organizers read the sends and send a failed one again; only the services write rows.
    role_permissions = {
        ADMINS: ["view_email", "change_email", "view_optout"],
        ORGANIZERS: ["view_email", "change_email"],
    }

    def ready(self) -> None:
        # The deploy check, and the Celery tasks in every process, not only in workers: the
        # services send tasks by name (they never import them), so the web process must know
        # them too.
        from . import checks, tasks  # noqa: F401
