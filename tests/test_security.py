"""Defences that cover the whole site: headers, rate limits, escaping, CSRF."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.ratelimit import Rate, client_ip, hit, parse_rate
from tests.accounts.helpers import make_organizer
from tests.factories import make_clinician, make_event, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def csp_directives(header: str) -> dict[str, str]:
    return dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip()
    )


def test_pages_send_the_security_headers(client):
    response = client.get(reverse("login"))

    assert {
        name: response.headers.get(name)
        for name in [
            "Referrer-Policy",
            "X-Frame-Options",
            "X-Content-Type-Options",
            "Permissions-Policy",
        ]
    } == {
        # same-origin, not no-referrer: with no-referrer Chromium posts forms with
        # "Origin: null", which Django's CSRF check refuses. Personal links send no-referrer.
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    }
    assert csp_directives(response.headers["Content-Security-Policy"]) == {
        "default-src": "'self'",
        "img-src": "'self' data:",
        "style-src": "'self'",
        "script-src": "'self'",
        "connect-src": "'self'",
        "font-src": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }


def test_login_page_has_no_inline_script_or_style(client):
    html = client.get(reverse("login")).content.decode()

    assert ("<script>" in html, "<style" in html, 'style="' in html) == (False, False, False)


def test_login_refuses_a_post_without_csrf_token(organizer):
    csrf_client = Client(enforce_csrf_checks=True)

    response = csrf_client.post(
        reverse("login"), {"username": "organizer", "password": "correct horse battery staple"}
    )

    assert response.status_code == 403


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_no_view_of_the_app_is_csrf_exempt():
    exempt = [
        route
        for route, callback in walk(get_resolver().url_patterns)
        if getattr(callback, "csrf_exempt", False) and not route.startswith("admin/")
    ]

    assert exempt == []


def test_names_are_escaped_on_the_events_list(client):
    make_event(name='<script>alert("x")</script>')
    client.force_login(make_organizer())

    html = client.get(reverse("events:list")).content.decode()

    assert ("<script>alert" in html, "&lt;script&gt;alert" in html) == (False, True)


def test_names_are_escaped_on_the_clinician_list(client):
    make_clinician(first_name="<img src=x onerror=alert(1)>", last_name="Doe")
    client.force_login(make_organizer())

    html = client.get(reverse("clinicians:list")).content.decode()

    assert ("<img src=x" in html, "&lt;img src=x onerror=alert(1)&gt;" in html) == (False, True)


def test_parse_rate_reads_count_and_period():
    assert [parse_rate("120/m"), parse_rate("20/5m"), parse_rate("1000/h")] == [
        Rate(limit=120, period_s=60),
        Rate(limit=20, period_s=300),
        Rate(limit=1000, period_s=3600),
    ]


def test_hit_allows_the_limit_then_refuses_until_the_window_ends():
    rate = Rate(limit=3, period_s=60)

    results = [hit(scope="s", key="1.2.3.4", rate=rate, now=120.0) for _ in range(4)]
    next_window = hit(scope="s", key="1.2.3.4", rate=rate, now=180.0)

    assert results + [next_window] == [(True, 60), (True, 60), (True, 60), (False, 60), (True, 60)]


def test_hit_counts_each_address_apart():
    rate = Rate(limit=1, period_s=60)

    first = hit(scope="s", key="192.0.2.1", rate=rate, now=0.0)
    other = hit(scope="s", key="192.0.2.2", rate=rate, now=0.0)

    assert (first[0], other[0]) == (True, True)


def test_rate_limit_answers_429_past_the_limit(client, settings):
    settings.ROUNDS_RATE_LIMITS = {"login": "3/m"}

    statuses = [client.get(reverse("login")).status_code for _ in range(4)]
    refused = client.get(reverse("login"))

    assert statuses == [200, 200, 200, 429]
    assert refused.headers["Retry-After"].isdigit()
    assert "Too many requests" in refused.content.decode()


def test_rate_limit_with_a_method_counts_only_that_method(client, settings):
    settings.ROUNDS_RATE_LIMITS = {"POST login": "1/m"}

    gets = [client.get(reverse("login")).status_code for _ in range(3)]
    posts = [client.post(reverse("login"), {}).status_code for _ in range(2)]

    assert (gets, posts) == ([200, 200, 200], [200, 429])


def test_rate_limit_leaves_other_urls_alone(client, settings):
    settings.ROUNDS_RATE_LIMITS = {"login": "1/m"}
    client.force_login(make_organizer())

    statuses = [client.get(reverse("events:list")).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


def test_guessing_personal_links_is_rate_limited(client, settings):
    settings.ROUNDS_RATE_LIMITS = {"itineraries:*": "2/m"}
    urls = [reverse("itineraries:detail", kwargs={"token": f"guess-{n}"}) for n in range(3)]

    statuses = [client.get(url).status_code for url in urls]

    assert statuses == [404, 404, 429]


def test_roster_import_posts_are_rate_limited(client, settings):
    settings.ROUNDS_RATE_LIMITS = {"POST clinicians:import*": "1/m"}
    client.force_login(make_organizer())

    form = client.get(reverse("clinicians:import")).status_code
    posts = [client.post(reverse("clinicians:import"), {}).status_code for _ in range(2)]

    assert (form, posts) == (200, [200, 429])


def test_production_rate_limits_cover_links_and_imports():
    from config import settings as production_settings

    assert production_settings.ROUNDS_RATE_LIMITS == {
        "itineraries:*": "120/m",
        "POST clinicians:import*": "20/m",
        "accounts:password_set": "30/m",
    }


def test_client_ip_ignores_forwarded_for_without_trusted_proxies(rf, settings):
    settings.ROUNDS_TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert client_ip(request) == "10.0.0.1"


def test_client_ip_takes_the_address_the_trusted_proxy_saw(rf, settings):
    settings.ROUNDS_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")

    assert client_ip(request) == "198.51.100.7"


def test_session_and_csrf_cookies_are_http_only_where_it_matters(settings):
    assert (settings.SESSION_COOKIE_HTTPONLY, settings.SECURE_CONTENT_TYPE_NOSNIFF) == (
        True,
        True,
    )


def test_user_factory_makes_users(db):
    assert make_user().is_active is True
