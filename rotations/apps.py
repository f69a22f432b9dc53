from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class RotationsConfig(AppConfig):
    name = "rotations"
    verbose_name = "Rotations"
    # What each role may do with rotations' models (accounts.roles syncs the groups on migrate).
    role_permissions = {ADMINS: "*", ORGANIZERS: "*"}

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from events.queries import register_event_panel, register_event_steps, register_event_tab
        from events.signals import events_finished, objects_leaving

        # The deploy checks, and the Celery tasks in every process, not only in workers: the
        # services start tasks by name (they never import them), so the web process must
        # know them too.
        from . import checks, tasks  # noqa: F401
        from .event_pages import replan_panel, schedule_steps, schedule_tab, solve_next_panel
        from .models import Schedule
        from .receivers import (
            clear_leaving_objects,
            record_finished_events,
            refuse_deleting_published,
        )

        # The event's pages show rotations' steps and boxes without events importing rotations.
        register_event_steps(schedule_steps)
        register_event_panel("checkin", replan_panel)
        register_event_panel("groups", solve_next_panel)
        register_event_tab(schedule_tab)
        # Deleting what a schedule uses: rotations clears its drafts or refuses (events only
        # announces what is leaving).
        objects_leaving.connect(clear_leaving_objects, dispatch_uid="rotations.leaving")
        # A finished event's meetings go into the connection ledger.
        events_finished.connect(record_finished_events, dispatch_uid="rotations.finished")
        pre_delete.connect(
            refuse_deleting_published, sender=Schedule, dispatch_uid="rotations.published"
        )
