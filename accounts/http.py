"""Small request helpers shared by the apps' views."""

from django.http import HttpRequest, HttpResponse
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


def personal_page(response: HttpResponse, *, posts_forms: bool = False) -> HttpResponse:
    """Mark ``response`` as a page behind a personal link, whose URL is the credential: not
    indexed by search engines, and the URL never sent to another site as a referrer. A page
    that posts forms sends it to this site ("same-origin"): with no referrer at all browsers
    post with "Origin: null", which Django's CSRF check refuses; other pages send none."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin" if posts_forms else "no-referrer"
    return response


def site_url(request: HttpRequest) -> str:
    """This site's address as the request reached it, without a trailing slash: the base of
    the links that emails carry."""
    return request.build_absolute_uri("/").rstrip("/")
