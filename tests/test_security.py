"""Defences that cover the whole site: headers, rate limits, escaping, CSRF."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.ratelimit import Rate, Rule, client_ip, hit, parse_rate, parse_rule, peek
from config import settings as production_settings
from itineraries.links import table_token
from tests.accounts.helpers import make_organizer
from tests.factories import make_clinician, make_event, make_user
from tests.itineraries.factories import make_small_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limiter_clock_mid_window(monkeypatch):
    """The limiter's windows are fixed (per minute, per ten minutes): a test whose requests
    straddled a window's end would see its count start again. Its clock stands still, 30 s
    into a window of every length the tests use; the rest of Django keeps the real time."""
    monkeypatch.setattr("accounts.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_030.0))


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
    # Forms behind a personal link keep the check too: their pages send the referrer to this
    # site only ("same-origin"), so browsers post them with the site's origin.
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


def test_peek_counts_nothing():
    rate = Rate(limit=1, period_s=60)

    peeks = [peek(scope="s", key="1.2.3.4", rate=rate, now=0.0) for _ in range(3)]
    hit(scope="s", key="1.2.3.4", rate=rate, now=0.0)
    after = peek(scope="s", key="1.2.3.4", rate=rate, now=0.0)

    assert peeks + [after] == [(True, 60), (True, 60), (True, 60), (False, 60)]


def test_parse_rule_reads_methods_status_and_patterns():
    rules = [
        parse_rule("POST clinicians:import*", "20/m"),
        parse_rule("404 itineraries:detail itineraries:table", "60/10m"),
    ]

    assert rules == [
        Rule(
            scope="POST|clinicians:import*",
            patterns=("clinicians:import*",),
            methods=frozenset({"POST"}),
            rate=Rate(limit=20, period_s=60),
        ),
        Rule(
            scope="404|itineraries:detail|itineraries:table",
            patterns=("itineraries:detail", "itineraries:table"),
            methods=frozenset(),
            rate=Rate(limit=60, period_s=600),
            status=404,
        ),
    ]


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
    settings.ROUNDS_RATE_LIMITS = {"404 itineraries:detail": "2/m"}
    urls = [reverse("itineraries:detail", kwargs={"token": f"guess-{n}"}) for n in range(3)]

    statuses = [client.get(url).status_code for url in urls]

    assert statuses == [404, 404, 429]


def test_failure_limit_counts_only_failures_and_refuses_only_failures(client, settings):
    settings.ROUNDS_RATE_LIMITS = {"404 itineraries:detail": "1/m"}
    small = make_small_event()
    valid = reverse(
        "itineraries:detail", kwargs={"token": small.event.attendances.first().link_token}
    )
    guess = reverse("itineraries:detail", kwargs={"token": "guess"})

    valid_first = [client.get(valid).status_code for _ in range(5)]
    then = [
        client.get(guess).status_code,
        client.get(guess).status_code,
        client.get(valid).status_code,
    ]

    assert (valid_first, then) == ([200] * 5, [404, 429, 200])


def personal_urls(small) -> list[str]:
    """Every kind of personal link of the small event: itinerary, print view, calendar, table."""
    urls = []
    for attendance in small.event.attendances.all():
        token = attendance.link_token
        urls += [
            reverse("itineraries:detail", kwargs={"token": token}),
            reverse("itineraries:print", kwargs={"token": token}),
            reverse("itineraries:calendar", kwargs={"token": token}),
        ]
    table = table_token(event_id=small.event.pk, table_id=small.cardiology.pk)
    return urls + [reverse("itineraries:table", kwargs={"token": table})]


def test_venue_on_one_address_is_never_refused_but_a_guesser_is(client, settings):
    settings.ROUNDS_RATE_LIMITS = production_settings.ROUNDS_RATE_LIMITS
    small = make_small_event()
    urls = personal_urls(small)
    venue, guesser, elsewhere = "203.0.113.10", "198.51.100.66", "192.0.2.7"
    guesses = [reverse("itineraries:detail", kwargs={"token": f"guess-{n}"}) for n in range(30)] + [
        reverse("itineraries:table", kwargs={"token": f"guess-{n}"}) for n in range(31)
    ]

    at_the_venue = {
        client.get(urls[n % len(urls)], REMOTE_ADDR=venue).status_code for n in range(500)
    }
    guessed = [client.get(url, REMOTE_ADDR=guesser).status_code for url in guesses]
    guesser_valid = client.get(urls[0], REMOTE_ADDR=guesser)
    others = [
        client.get(urls[0], REMOTE_ADDR=elsewhere).status_code,
        client.get(guesses[0], REMOTE_ADDR=elsewhere).status_code,
        client.get(urls[0], REMOTE_ADDR=venue).status_code,
    ]

    assert at_the_venue == {200}
    assert guessed == [404] * 60 + [429]
    # Failed guesses never block a valid link, even from the guesser's address.
    assert guesser_valid.status_code == 200
    assert others == [200, 404, 200]


def test_failure_budget_leaves_valid_links_and_organizer_pages_alone(client, settings):
    settings.ROUNDS_RATE_LIMITS = {**production_settings.ROUNDS_RATE_LIMITS}
    small = make_small_event()
    address = "198.51.100.66"
    for n in range(61):
        client.get(
            reverse("itineraries:detail", kwargs={"token": f"guess-{n}"}), REMOTE_ADDR=address
        )
    client.force_login(make_user(is_superuser=True))

    valid = client.get(personal_urls(small)[0], REMOTE_ADDR=address).status_code
    guess = client.get(
        reverse("itineraries:detail", kwargs={"token": "guess-x"}), REMOTE_ADDR=address
    ).status_code
    organizer = client.get(
        reverse("itineraries:list", kwargs={"event_pk": small.event.pk}), REMOTE_ADDR=address
    ).status_code

    assert (valid, guess, organizer) == (200, 429, 200)


def test_flood_cap_refuses_valid_links_past_it(client, settings):
    settings.ROUNDS_RATE_LIMITS = {"itineraries:detail itineraries:print": "3/m"}
    small = make_small_event()
    token = small.event.attendances.first().link_token
    detail = reverse("itineraries:detail", kwargs={"token": token})
    printed = reverse("itineraries:print", kwargs={"token": token})

    statuses = [client.get(url).status_code for url in (detail, printed, detail, printed)]

    assert statuses == [200, 200, 200, 429]


def test_roster_import_posts_are_rate_limited(client, settings):
    settings.ROUNDS_RATE_LIMITS = {"POST clinicians:import*": "1/m"}
    client.force_login(make_organizer())

    form = client.get(reverse("clinicians:import")).status_code
    posts = [client.post(reverse("clinicians:import"), {}).status_code for _ in range(2)]

    assert (form, posts) == (200, [200, 429])


def test_production_rate_limits_cover_links_and_imports():
    links = (
        "itineraries:detail itineraries:print itineraries:calendar itineraries:table series:reply"
        " outcomes:survey outcomes:survey_delete"
        " dinners:signup dinners:host"
    )
    limits = production_settings.ROUNDS_RATE_LIMITS

    assert limits == {
        links: "20000/m",
        f"404 {links}": "60/10m",
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


def test_venue_past_its_failure_budget_still_opens_every_valid_link(client, settings):
    settings.ROUNDS_RATE_LIMITS = production_settings.ROUNDS_RATE_LIMITS
    small = make_small_event()
    venue = "203.0.113.10"
    for n in range(60):
        client.get(reverse("itineraries:detail", kwargs={"token": f"bad-{n}"}), REMOTE_ADDR=venue)

    valid = {client.get(url, REMOTE_ADDR=venue).status_code for url in personal_urls(small)}
    guess = client.get(reverse("itineraries:detail", kwargs={"token": "bad"}), REMOTE_ADDR=venue)

    assert (valid, guess.status_code, int(guess["Retry-After"]) <= 600) == ({200}, 429, True)


@pytest.fixture
def redis_down(settings):
    """The cache is Redis on a port where nothing listens (as when Redis is down); Django
    makes new cache connections when the setting changes."""
    from config import cache as tolerant

    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    tolerant.TolerantRedisCache._down_until = 0.0
    yield
    tolerant.TolerantRedisCache._down_until = 0.0


def test_personal_links_open_with_redis_down(client, settings, redis_down, caplog):
    settings.ROUNDS_RATE_LIMITS = production_settings.ROUNDS_RATE_LIMITS
    small = make_small_event()

    statuses = {client.get(url).status_code for url in personal_urls(small)}
    guess = client.get(reverse("itineraries:detail", kwargs={"token": "guess"})).status_code

    assert (statuses, guess) == ({200}, 404)
    assert "Cache unreachable" in caplog.text


def test_rate_limit_hit_allows_when_the_cache_is_unreachable(monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(
        "accounts.ratelimit.cache", SimpleNamespace(add=unreachable, get=unreachable)
    )
    rate = Rate(limit=1, period_s=60)

    outcomes = [hit(scope="s", key="k", rate=rate), peek(scope="s", key="k", rate=rate)]

    assert outcomes == [(True, 30), (True, 30)]
    assert "the cache is unreachable" in caplog.text
