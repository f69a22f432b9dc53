"""What the event services share: the audit actions they write, recording a refused change,
auditing a change made after publishing, and deleting a table or group that schedules may
use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import display_name, record_audit

from .. import rules
from ..models import Event, Table, TravelGroup
from ..signals import send_objects_leaving

# Audit log actions written by events.
EVENT_CHANGED = "event.changed"
EVENT_FINISHED = "event.finished"
EVENT_ARCHIVED = "event.archived"
EVENT_RESTORED = "event.restored"
EVENT_DELETED = "event.deleted"
EVENT_COPIED = "event.copied"
TABLE_CHANGED = "table.changed"
TABLE_DELETED = "table.deleted"
GROUP_DELETED = "group.deleted"
ANCHOR_REMOVED = "anchor.removed"
ADDED_AFTER_PUBLISHING = "event.added_after_publishing"
CHANGE_REFUSED = "event.change_refused"


@contextmanager
def audit_refusal(
    *, by: AbstractBaseUser | None, target: str, attempt: str, details: dict
) -> Iterator[None]:
    """Around a write that may be refused: a ``ValidationError`` raised inside is recorded in
    the audit log (CHANGE_REFUSED: "Ann Lee tried to delete table 5 …; refused: …") outside
    the write's own transaction, so the refusal stays on record, and raised again."""
    try:
        yield
    except ValidationError as error:
        record_audit(
            actor=by,
            action=CHANGE_REFUSED,
            target=target,
            message=f"{display_name(by)} tried to {attempt}; refused: {' '.join(error.messages)}",
            details=details,
        )
        raise


def audit_published(
    *, by: AbstractBaseUser | None, event: Event, action: str, target: str, message: str, details
):
    """Record a change made after the event's schedule was published (none before)."""
    if rules.is_locked(event):
        record_audit(
            actor=by,
            action=action,
            target=target,
            message=message,
            details={"event": event.pk, **details},
        )


def delete_scheduled(*, obj: Table | TravelGroup, action: str, by: AbstractBaseUser | None) -> None:
    """Delete a table or a group, in one transaction, after ``rules.check_delete``; the
    unpublished versions' visits to it are cleared through ``objects_leaving``. The deletion,
    or its refusal, is audited."""
    event = obj.event
    label = rules.describe(obj)
    kind = "table" if isinstance(obj, Table) else "group"
    with (
        audit_refusal(
            by=by,
            target=f"{label} at {event.name}",
            attempt=f"delete {label} from {event.name}",
            details={"event": event.pk, kind: obj.pk},
        ),
        transaction.atomic(),
    ):
        rules.check_delete(obj=obj)
        cleared = send_objects_leaving(event=event, **{f"{kind}s": [obj]})
        pk = obj.pk
        obj.delete()
        record_audit(
            actor=by,
            action=action,
            target=f"{label} at {event.name}",
            message=f"{display_name(by)} deleted {label} from {event.name}"
            + (f" ({'; '.join(cleared)})." if cleared else "."),
            details={"event": event.pk, kind: pk, "cleared": cleared},
        )
