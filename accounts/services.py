from django.contrib.auth.models import AbstractBaseUser

from .models import AuditEntry


def record_audit(
    *,
    actor: AbstractBaseUser | None,
    action: AuditEntry.Action,
    target: str,
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit log, in the caller's transaction (so a change that rolls
    back leaves no entry behind)."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEntry.objects.create(
        actor=actor, action=action, target=target[:200], details=details or {}
    )
