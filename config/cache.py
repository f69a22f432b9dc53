"""A Redis cache that degrades instead of failing: with Redis down, reads miss, writes are
dropped and counters count nothing, each with a warning in the log, so pages that only use
the cache to go faster (personal links) keep working. After a failure Redis is not asked
again for ``RETRY_AFTER_S`` seconds, so a dead Redis costs each request no connection
attempt, and a slow one at most its socket timeout."""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5.0


class TolerantRedisCache(RedisCache):
    """Django's RedisCache; every operation returns its "nothing there" answer when Redis
    cannot be reached (``get`` the default, ``add`` False, ``incr`` ValueError as for a
    missing key, ``get_many`` {}, ``set``/``delete`` nothing)."""

    _down_until = 0.0

    def _degrade(method, fallback):  # noqa: N805 - a decorator used in the class body
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < TolerantRedisCache._down_until:
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as exc:
                TolerantRedisCache._down_until = time.monotonic() + RETRY_AFTER_S
                logger.warning(
                    "Cache unreachable (%s: %s); going without it for %.0f s",
                    type(exc).__name__,
                    exc,
                    RETRY_AFTER_S,
                )
                return fallback(*args, **kwargs)

        return wrapper

    def _missing_key(key, *args, **kwargs):
        raise ValueError(f"Key {key!r} not found (the cache is unreachable)")

    get = _degrade(RedisCache.get, lambda key, default=None, *a, **k: default)
    set = _degrade(RedisCache.set, lambda *a, **k: None)
    add = _degrade(RedisCache.add, lambda *a, **k: False)
    touch = _degrade(RedisCache.touch, lambda *a, **k: False)
    delete = _degrade(RedisCache.delete, lambda *a, **k: False)
    has_key = _degrade(RedisCache.has_key, lambda *a, **k: False)
    incr = _degrade(RedisCache.incr, _missing_key)
    get_many = _degrade(RedisCache.get_many, lambda *a, **k: {})
    set_many = _degrade(RedisCache.set_many, lambda *a, **k: [])
    delete_many = _degrade(RedisCache.delete_many, lambda *a, **k: None)
    clear = _degrade(RedisCache.clear, lambda *a, **k: False)

    del _degrade, _missing_key
