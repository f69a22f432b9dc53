"""Fixed-window rate limits per client address, counted in Django's cache.

A rule counts either every request it covers, or only the responses of one status (failures:
"404 itineraries:detail" counts failed personal-link lookups: past its limit only further
failures are refused, so guessing is stopped while the many valid requests from a venue's
one address always open).

With the default per-process memory cache each gunicorn worker counts on its own; set
REDIS_URL (or CACHE_URL) so that all workers and machines share one count. When the cache
cannot be reached (Redis down) every limit allows, with a warning in the log: a broken cache
must not lock a venue out.

``failed_logins_from`` is the per-address cap on failed logins across usernames; it counts
django-axes' attempts in the database, so it holds without the cache too.
"""

import functools
import logging
import re
import time
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600}
RATE_PATTERN = re.compile(r"(\d+)/(\d*)([smh])")
METHOD_PATTERN = re.compile(r"[A-Z]+")
STATUS_PATTERN = re.compile(r"\d{3}")


@dataclass(frozen=True, slots=True)
class Rate:
    limit: int
    period_s: int


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of ROUNDS_RATE_LIMITS, "[METHOD ...] [STATUS] PATTERN [PATTERN ...]": the URL
    name patterns it covers, the methods it counts (all when none), and its rate. With a
    status it counts only responses of that status, and refuses an address whose count has
    reached the limit, until the window ends."""

    scope: str
    patterns: tuple[str, ...]
    methods: frozenset[str]
    rate: Rate
    status: int | None = None

    def applies(self, *, view_name: str, method: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        return any(fnmatchcase(view_name, pattern) for pattern in self.patterns)


def parse_rate(text: str) -> Rate:
    """'120/m' -> Rate(120, 60). Periods: s, m, h, optionally with a count ('20/5m')."""
    match = RATE_PATTERN.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"Bad rate {text!r}: use e.g. '120/m', '20/5m' or '1000/h'.")
    count, multiple, unit = match.groups()
    return Rate(limit=int(count), period_s=int(multiple or 1) * PERIODS[unit])


def parse_rule(key: str, rate: str) -> Rule:
    """'POST clinicians:import*' or '404 itineraries:detail itineraries:print' -> Rule."""
    words = key.split()
    methods = [word for word in words if METHOD_PATTERN.fullmatch(word)]
    statuses = [int(word) for word in words if STATUS_PATTERN.fullmatch(word)]
    patterns = tuple(word for word in words if word not in methods and not word.isdigit())
    if not patterns or len(statuses) > 1:
        raise ValueError(f"Bad rate limit {key!r}: use '[METHOD ...] [STATUS] PATTERN ...'.")
    return Rule(
        scope="|".join(words),  # no spaces: memcached-safe cache keys
        patterns=patterns,
        methods=frozenset(methods),
        rate=parse_rate(rate),
        status=statuses[0] if statuses else None,
    )


def parse_rules(config: dict[str, str]) -> tuple[Rule, ...]:
    """The rules of a ROUNDS_RATE_LIMITS value, parsed once for each distinct value (the
    middleware asks on every request; tests change the setting)."""
    return _parse_rules(tuple(config.items()))


@functools.lru_cache(maxsize=32)
def _parse_rules(items: tuple[tuple[str, str], ...]) -> tuple[Rule, ...]:
    return tuple(parse_rule(key, rate) for key, rate in items)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind ROUNDS_TRUSTED_PROXY_COUNT proxies, the
    address the outermost trusted proxy saw (never a value the client could have written)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.ROUNDS_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def _window(*, scope: str, key: str, rate: Rate, now: float | None) -> tuple[str, int]:
    """The cache key of the current window, and the seconds until it ends."""
    now = time.time() if now is None else now
    window = int(now // rate.period_s)
    retry_after = max(1, int((window + 1) * rate.period_s - now))
    return f"ratelimit:{scope}:{key}:{window}", retry_after


def peek(*, scope: str, key: str, rate: Rate, now: float | None = None) -> tuple[bool, int]:
    """Whether `key` is still under `scope`'s limit in the current window, counting nothing.

    Returns (allowed, seconds until the window ends); allowed when the cache is unreachable.
    """
    cache_key, retry_after = _window(scope=scope, key=key, rate=rate, now=now)
    try:
        return (cache.get(cache_key) or 0) < rate.limit, retry_after
    except Exception:
        logger.warning("Rate limit %s not checked: the cache is unreachable", scope, exc_info=True)
        return True, retry_after


def hit(*, scope: str, key: str, rate: Rate, now: float | None = None) -> tuple[bool, int]:
    """Count one request for `key` in `scope`'s current window.

    Returns (allowed, seconds until the window ends); allowed, uncounted, when the cache is
    unreachable.
    """
    cache_key, retry_after = _window(scope=scope, key=key, rate=rate, now=now)
    try:
        # One round trip on every hit but the window's first: count, and only when the window
        # has no count yet start it. add() is a no-op when the key exists, so concurrent first
        # hits do not reset the count (the loser counts again).
        try:
            count = cache.incr(cache_key)
        except ValueError:  # the window's first hit
            if cache.add(cache_key, 1, timeout=rate.period_s + 1):
                count = 1
            else:
                try:
                    count = cache.incr(cache_key)
                except ValueError:  # expired between add() and incr(), or the cache is down
                    count = 1
    except Exception:
        logger.warning("Rate limit %s not counted: the cache is unreachable", scope, exc_info=True)
        return True, retry_after
    return count <= rate.limit, retry_after


def failed_logins_from(address: str | None) -> int:
    """Failed logins from ``address`` across every username within the lockout's cool-off
    (AXES_COOLOFF_TIME), from django-axes' attempts in the database (one query)."""
    if not address:
        return 0
    from axes.models import AccessAttempt  # an app model: imported once apps are ready

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def login_address_locked(request: HttpRequest) -> bool:
    """Whether the client's address has reached ROUNDS_LOGIN_ADDRESS_FAILURE_LIMIT failed
    logins (any usernames) within the cool-off: then every login from it is refused."""
    return failed_logins_from(client_ip(request)) >= settings.ROUNDS_LOGIN_ADDRESS_FAILURE_LIMIT
