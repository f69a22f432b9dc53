"""The one rule for a clinician's personal links (itineraries, series invitations, dinner
sign-ups and host links): reissuing one, and naming the email that carries one.

A personal link is a bearer token in the URL. Reissuing it writes a new unguessable token in
place of the old, so the old link is an unknown token at once (a 404 like any other), and
records who did it in the audit log, in one transaction. The email that carries a link is
keyed by the link's token (``link_email_key``): the outbox sends a key once, so a retry of the
same send sends nothing, while a reissued link is a new key and is emailed again."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone

from accounts.services import record_audit

from .models import new_link_token


def reissue_token(
    instance: models.Model,
    *,
    token_field: str,
    by: AbstractBaseUser | None,
    action: str,
    target: str,
    message: str,
    details: dict,
    issued_at_field: str | None = None,
    reset: dict | None = None,
) -> str:
    """Give ``instance`` a new token in ``token_field`` (and the time in ``issued_at_field``,
    and the values of ``reset``, e.g. ``{"sent_at": None}``), saving only those fields, and
    record ``action`` with ``message`` in the audit log, in one transaction (the caller's, if
    any). The old link stops working at once. Returns the new token."""
    token = new_link_token()
    fields = {token_field: token, **(reset or {})}
    if issued_at_field:
        fields[issued_at_field] = timezone.now()
    with transaction.atomic():
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.save(update_fields=list(fields))
        record_audit(actor=by, action=action, target=target, message=message, details=details)
    return token


def link_email_key(kind: str, pk: int, token: str) -> str:
    """The outbox key of the email carrying the link ``token`` of row ``pk``: one send per
    link, a new one for a reissued link."""
    return f"{kind}:{pk}:{token[:12]}"
