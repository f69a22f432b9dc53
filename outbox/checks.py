"""Deploy check: `manage.py check --deploy` warns when emails would be written to files or
the console instead of being sent."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

NOT_SENDING = ("filebased", "console", "locmem", "dummy")


@register(Tags.security, deploy=True)
def check_email_backend(app_configs, **kwargs):
    backend = settings.EMAIL_BACKEND
    if any(f".{name}." in backend for name in NOT_SENDING):
        return [
            Warning(
                f"EMAIL_BACKEND is {backend!r}: emails are not sent to anyone.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
                "EMAIL_USE_TLS) so that emails go through your mail server.",
                id="outbox.W001",
            )
        ]
    return []
