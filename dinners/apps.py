from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class DinnersConfig(AppConfig):
    name = "dinners"
    verbose_name = "Facilitated Dinners"
    # Admins keep the question bank and read the private "not with" wishes; organizers run
    # the seasons (accounts.roles syncs the groups on migrate).
    role_permissions = {
        ADMINS: "*",
        ORGANIZERS: [
            "*_dinnerseason",
            "*_signup",
            "*_dinnergroup",
            "*_dinner",
            "*_dinnerseat",
            "view_dinnerquestion",
        ],
    }

    def ready(self) -> None:
        # The Celery tasks in every process (services start them by name), and the demo
        # season on load_demo (events.signals.demo_loaded).
        from . import receivers, tasks  # noqa: F401
