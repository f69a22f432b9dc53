"""Deploy checks: `manage.py check --deploy` fails when production lacks a real broker, a
shared result backend or a real database, and warns when the cache (rate limits) is not
shared between processes."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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
    if str(settings.CELERY_RESULT_BACKEND).startswith("file://"):
        errors.append(
            Error(
                "CELERY_RESULT_BACKEND is a folder of one machine: the evenings of a series "
                "solved on other machines would never report to the chord's callback.",
                hint="Leave CELERY_RESULT_BACKEND unset beside a Redis broker (results go to the "
                "same Redis), or set it to redis://HOST:6379/2.",
                id="rounds.E003",
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
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        errors.append(
            Warning(
                "The cache is in each process: rate limits count per gunicorn worker.",
                hint="Set REDIS_URL=redis://HOST:6379/1 so every worker and machine shares them.",
                id="rounds.W001",
            )
        )
    return errors
