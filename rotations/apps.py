from django.apps import AppConfig


class RotationsConfig(AppConfig):
    name = "rotations"
    verbose_name = "Rotations"

    def ready(self) -> None:
        from events.queries import register_event_panel, register_event_steps

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .event_pages import replan_panel, schedule_steps

        # The event's pages show rotations' steps and boxes without events importing rotations.
        register_event_steps(schedule_steps)
        register_event_panel("checkin", replan_panel)
