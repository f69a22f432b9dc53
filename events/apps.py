from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"
    # What each role may do with events' models (accounts.roles syncs the groups on migrate).
    role_permissions = {ADMINS: "*", ORGANIZERS: "*"}

    def ready(self) -> None:
        # The Celery tasks in every process (services start them by name).
        from clinicians.signals import catalogue_change_objections, clinician_retiring

        from . import tasks  # noqa: F401
        from .rules import objections_to_catalogue_change, objections_to_retiring

        clinician_retiring.connect(objections_to_retiring, dispatch_uid="events.retiring")
        catalogue_change_objections.connect(
            objections_to_catalogue_change, dispatch_uid="events.catalogue_change"
        )
