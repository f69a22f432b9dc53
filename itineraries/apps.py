from django.apps import AppConfig


class ItinerariesConfig(AppConfig):
    name = "itineraries"
    verbose_name = "Itineraries"
    # No role holds itineraries' own permissions (accounts.roles syncs the groups on migrate):
    # its organizer pages ask for events' permissions, and only its services write its rows.
    role_permissions: dict = {}

    def ready(self) -> None:
        # The Celery tasks in every process (services start them by name).
        from events.queries import register_event_panel, register_event_tab

        from . import tasks  # noqa: F401
        from .event_pages import itineraries_tab, published_version_actions

        # The event's header and the published version's page show itineraries' tab and
        # actions without events or rotations importing itineraries.
        register_event_tab(itineraries_tab)
        register_event_panel("schedule-published", published_version_actions)
