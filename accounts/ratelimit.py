"""Fixed-window rate limits per client address, counted in Django's cache.

With the default per-process memory cache each gunicorn worker counts on its own; set
REDIS_URL (or CACHE_URL) so that all workers and machines share one count.
"""

import re
import time
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PERIODS = {"s": 1, "m": 60, "h": 3600}
RATE_PATTERN = re.compile(r"(\d+)/(\d*)([smh])")


@dataclass(frozen=True, slots=True)
class Rate:
    limit: int
    period_s: int


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of ROUNDS_RATE_LIMITS: a URL name pattern, the methods it counts, its rate."""

    pattern: str
    methods: frozenset[str]
    rate: Rate

    def applies(self, *, view_name: str, method: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        return fnmatchcase(view_name, self.pattern)


def parse_rate(text: str) -> Rate:
    """'120/m' -> Rate(120, 60). Periods: s, m, h, optionally with a count ('20/5m')."""
    match = RATE_PATTERN.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"Bad rate {text!r}: use e.g. '120/m', '20/5m' or '1000/h'.")
    count, multiple, unit = match.groups()
    return Rate(limit=int(count), period_s=int(multiple or 1) * PERIODS[unit])


def parse_rules(config: dict[str, str]) -> list[Rule]:
    rules = []
    for key, rate in config.items():
        *methods, pattern = key.split()
        rules.append(
            Rule(
                pattern=pattern,
                methods=frozenset(method.upper() for method in methods),
                rate=parse_rate(rate),
            )
        )
    return rules


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


def hit(*, scope: str, key: str, rate: Rate, now: float | None = None) -> tuple[bool, int]:
    """Count one request for `key` in `scope`'s current window.

    Returns (allowed, seconds until the window ends).
    """
    now = time.time() if now is None else now
    window = int(now // rate.period_s)
    retry_after = max(1, int((window + 1) * rate.period_s - now))
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    # add() is a no-op when the key exists, so concurrent first hits do not reset the count.
    cache.add(cache_key, 0, timeout=rate.period_s + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=rate.period_s + 1)
        count = 1
    return count <= rate.limit, retry_after
