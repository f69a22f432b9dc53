"""Deploy checks: `manage.py check --deploy` fails when production lacks a real broker or
database."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_production_services(app_configs, **kwargs):
    errors = []
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://")):
        errors.append(
            Error(
                f"CELERY_BROKER_URL is {settings.CELERY_BROKER_URL!r}, a broker for one machine.",
                hint="Set CELERY_BROKER_URL=redis://HOST:6379/0 in production.",
                id="rounds.E001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        errors.append(
            Error(
                "The database is SQLite.",
                hint="Set DATABASE_URL=postgres://USER@HOST/NAME in production.",
                id="rounds.E002",
            )
        )
    return errors
