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
        # did not meet at earlier evenings of the same series. The plan's purpose: it seats
        # groups with the specialists who share their patients (planning.evening_shared_patients).
        from rotations.services import register_affinity_source, register_met_before_source

        from . import tasks  # noqa: F401
        from .planning import earlier_evenings_met, evening_shared_patients

        register_met_before_source(earlier_evenings_met)
        register_affinity_source(evening_shared_patients)
        from . import receivers  # noqa: F401  (the demo season on load_demo)
