from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes"
    # Organizers read the outcomes of their regions (aggregates only); admins also read the
    # survey's free text (``view_comments``) and may delete an answer in the Django admin.
    # Organizers choose when their events' surveys close (``SurveySettings``).
    role_permissions = {
        ADMINS: "*",
        ORGANIZERS: ["view_surveyanswer", "view_surveysettings", "change_surveysettings"],
    }

    def ready(self) -> None:
        # The Celery tasks in every process (services start them by name).
        from . import (
            receivers,  # noqa: F401
            tasks,  # noqa: F401
        )
