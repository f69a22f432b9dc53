"""Writes to an event's details: name, venue, region, date and times."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from accounts.services import display_name

from .. import rules
from ..models import Event
from .common import (
    EVENT_CHANGED,
    audit_published,
    audit_refusal,
)

EVENT_SCHEDULE_FIELDS = ("date", "start_time", "rounds", "round_minutes", "transition_minutes")
EVENT_TEXT_FIELDS = ("name", "venue", "region")


def update_event(*, event: Event, by: AbstractBaseUser | None) -> Event:
    """Save ``event``'s edited details in one transaction. Once its schedule is published its
    date, start time, rounds and their minutes are refused (audited); a new name, venue or
    region is recorded in the audit log."""
    with (
        audit_refusal(
            by=by,
            target=event.name,
            attempt=f"change the details of {event.name}",
            details={"event": event.pk},
        ),
        transaction.atomic(),
    ):
        stored = Event.objects.select_for_update().get(pk=event.pk)
        refused = rules.changed_fields(event, stored, EVENT_SCHEDULE_FIELDS)
        rules.check_change(obj=stored, changed=refused)
        event.save()
        texts = rules.changed_fields(event, stored, EVENT_TEXT_FIELDS)
        if texts:
            audit_published(
                by=by,
                event=stored,
                action=EVENT_CHANGED,
                target=event.name,
                message=(
                    f"{display_name(by)} changed the "
                    + " and ".join(texts)
                    + f" of {stored.name} after publishing"
                    + (f" (now {event.name})." if event.name != stored.name else ".")
                ),
                details={"fields": texts},
            )
    return event
