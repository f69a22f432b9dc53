"""Reads of the outbox that other apps and the pages use: opt-outs, the opt-out link, counts."""

from django.conf import settings
from django.core import signing
from django.db.models import Count
from django.urls import reverse

from .models import Email, OptOut

OPT_OUT_SALT = "outbox.opt-out"


def normalize_address(address: str) -> str:
    """How opt-outs compare addresses: without surrounding spaces, in lower case."""
    return address.strip().lower()


def has_opted_out(address: str) -> bool:
    """Whether ``address`` asked for no more reminders."""
    return OptOut.objects.filter(address=normalize_address(address)).exists()


def opt_out_token(address: str) -> str:
    """The signed token of an opt-out link: it names the address and cannot be forged
    (django.core.signing with the SECRET_KEY); it does not expire."""
    return signing.dumps(normalize_address(address), salt=OPT_OUT_SALT)


def address_from_token(token: str) -> str | None:
    """The address an opt-out token names, or None for a forged or damaged token."""
    try:
        address = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    return address if isinstance(address, str) else None


def opt_out_url(address: str, *, base_url: str | None = None) -> str:
    """The absolute link that lets ``address`` stop reminders (no login): put it in every
    reminder. The site is ``base_url``, else the ROUNDS_BASE_URL setting."""
    base = (base_url or settings.ROUNDS_BASE_URL).rstrip("/")
    return base + reverse("outbox:opt_out", kwargs={"token": opt_out_token(address)})


def count_emails(
    *, kind: str | None = None, key_prefix: str | None = None, status: str | None = None
) -> int:
    """How many emails of ``kind`` and/or whose key starts with ``key_prefix`` are recorded,
    in ``status`` if given. One query."""
    emails = Email.objects.all()
    if kind is not None:
        emails = emails.filter(kind=kind)
    if key_prefix is not None:
        emails = emails.filter(key__startswith=key_prefix)
    if status is not None:
        emails = emails.filter(status=status)
    return emails.count()


def sent_count(*, kind: str | None = None, key_prefix: str | None = None) -> int:
    """How many emails of ``kind`` and/or whose key starts with ``key_prefix`` were sent
    ("invite:evening-12:" counts an evening's invitations that went). One query."""
    return count_emails(kind=kind, key_prefix=key_prefix, status=Email.Status.SENT)


def status_counts(*, kind: str | None = None, key_prefix: str | None = None) -> dict[str, int]:
    """Emails by status (every status present, 0 when none), for ``kind`` and/or
    ``key_prefix`` if given. One query."""
    emails = Email.objects.all()
    if kind is not None:
        emails = emails.filter(kind=kind)
    if key_prefix is not None:
        emails = emails.filter(key__startswith=key_prefix)
    counts = dict.fromkeys(Email.Status.values, 0)
    for row in emails.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    return counts
