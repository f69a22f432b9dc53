from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from clinicians.signals import clinician_retiring

        from .rules import objections_to_retiring

        clinician_retiring.connect(objections_to_retiring, dispatch_uid="events.retiring")
