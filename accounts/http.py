"""Small request helpers shared by the apps' views."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(
    request: HttpRequest, default: str | None = None, *, field: str = "next"
) -> str | None:
    """The ``next`` URL of the request (posted or in the query; or the one named ``field``),
    if it stays on this site; ``default`` otherwise, so a crafted link cannot send someone to
    another site."""
    target = request.POST.get(field) or request.GET.get(field)
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
