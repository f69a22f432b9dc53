"""The login lockout policy, in words, for the login and lockout pages."""

import datetime

from django import template
from django.conf import settings

register = template.Library()


def _minutes(value: datetime.timedelta | None) -> int:
    if value is None:
        return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return max(1, round(value.total_seconds() / 60))


@register.simple_tag
def lockout_policy() -> str:
    """e.g. 'After 5 failed attempts, logging in with that username is locked for 15 minutes.'"""
    return (
        f"After {settings.AXES_FAILURE_LIMIT} failed attempts, logging in with that username "
        f"from your network is locked for {_minutes(None)} minutes."
    )


@register.filter
def minutes(value: datetime.timedelta | None) -> int:
    return _minutes(value)
