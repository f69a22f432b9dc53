"""Writes to an event's details: name, venue, region, date and times."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.services import display_name, record_audit

from .. import rules
from ..models import Event
from .common import (
    EVENT_ARCHIVED,
    EVENT_CHANGED,
    EVENT_DELETED,
    EVENT_RESTORED,
    audit_published,
    audit_refusal,
)

EVENT_SCHEDULE_FIELDS = ("date", "start_time", "rounds", "round_minutes", "transition_minutes")
EVENT_TEXT_FIELDS = ("name", "venue", "region")

# A second identical "Create event" within this time is a double click, not a new event.
DUPLICATE_WINDOW = datetime.timedelta(minutes=1)


def find_recent_twin(
    *, by: AbstractBaseUser | None, name: str, date: datetime.date, venue: str
) -> Event | None:
    """The event ``by`` created in the last minute with this name, date and venue (a double
    click, or Back and submit again), if any. Call it inside the transaction that creates the
    event: it locks ``by``'s row, so two submits at once wait for each other."""
    if by is None:
        return None
    get_user_model().objects.select_for_update().filter(pk=by.pk).first()
    return (
        Event.objects.filter(
            created_by=by,
            name=name,
            date=date,
            venue=venue,
            created_at__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def create_event(*, event: Event, by: AbstractBaseUser | None) -> tuple[Event, bool]:
    """Save the new ``event`` (created by ``by``) in one transaction and return it with True;
    when ``by`` created an event with the same name, date and venue in the last minute (a
    double click, or Back and submit again), nothing is written and that event is returned
    with False."""
    twin = find_recent_twin(by=by, name=event.name, date=event.date, venue=event.venue)
    if twin is not None:
        return twin, False
    event.created_by = by
    event.save()
    return event, True


def archive_event(*, event: Event, by: AbstractBaseUser | None) -> Event:
    """Set ``event`` archived now (it leaves the event list; nothing else changes), audited
    (EVENT_ARCHIVED). Archiving an archived event changes nothing."""
    if event.archived_at is None:
        event.archived_at = timezone.now()
        event.save(update_fields=["archived_at", "updated_at"])
        record_audit(
            actor=by,
            action=EVENT_ARCHIVED,
            target=event.name,
            message=f"{display_name(by)} archived {event.name}.",
            details={"event": event.pk},
        )
    return event


def restore_event(*, event: Event, by: AbstractBaseUser | None) -> Event:
    """Bring an archived ``event`` back into the event list, audited (EVENT_RESTORED)."""
    if event.archived_at is not None:
        event.archived_at = None
        event.save(update_fields=["archived_at", "updated_at"])
        record_audit(
            actor=by,
            action=EVENT_RESTORED,
            target=event.name,
            message=f"{display_name(by)} brought {event.name} back from the archive.",
            details={"event": event.pk},
        )
    return event


def delete_event(*, event: Event, by: AbstractBaseUser | None) -> None:
    """Delete ``event`` with its attendance, tables, groups and unpublished schedule versions,
    in one transaction, audited (EVENT_DELETED). Refused (``ValidationError``, audited) when
    its schedule is published or finished (``rules.check_delete``), or when one of its
    versions was ever published (the receivers of ``pre_delete`` refuse that:
    ``ProtectedError``): clinicians hold itineraries from it. Archive it instead."""
    name, pk = event.name, event.pk
    with audit_refusal(by=by, target=name, attempt=f"delete {name}", details={"event": pk}):
        rules.check_delete(obj=event)
        try:
            with transaction.atomic():
                Event.objects.select_for_update().filter(pk=pk).first()
                event.delete()
                record_audit(
                    actor=by,
                    action=EVENT_DELETED,
                    target=name,
                    message=f"{display_name(by)} deleted {name} ({event.date:%-d %B %Y}).",
                    details={"event": pk},
                )
        except ProtectedError as error:
            raise ValidationError(
                f"{name} may not be deleted: {error.args[0]} Archive it instead."
            ) from None


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
