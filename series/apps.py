from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class SeriesConfig(AppConfig):
    name = "series"
    verbose_name = "Series"
    # What each role may do with the series' models (accounts.roles syncs the groups on migrate).
    role_permissions = {ADMINS: "*", ORGANIZERS: "*"}

    def ready(self) -> None:
        # The Celery tasks in every process (services start them by name).
        # Memory across the season: an evening's solve prefers tables its groups' departments
        # did not meet at earlier evenings of the same series.
        from rotations.services import register_met_before_source

        from . import tasks  # noqa: F401
        from .planning import earlier_evenings_met

        register_met_before_source(earlier_evenings_met)
        from . import receivers  # noqa: F401  (the demo season on load_demo)
