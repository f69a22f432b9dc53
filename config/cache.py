"""A Redis cache that degrades instead of failing: with Redis down, reads miss, writes are
dropped and counters count nothing, each with a warning in the log, so pages that only use
the cache to go faster (personal links) keep working. After a failure Redis is not asked
again for ``RETRY_AFTER_S`` seconds, so a dead Redis costs each request no connection
attempt, and a slow one at most its socket timeout.

It also spares each operation work Django's client does again every time: one Redis client a
connection pool (Django builds a new one, with its table of reply handlers, for every get), and
``incr`` in one round trip instead of two (rate limits count on every personal-link request)."""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5.0


# Adds to an existing key only, as Django's incr does (a missing key is an error, not a 1).
_INCR_EXISTING = """
if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], ARGV[1]) end
return false
"""


class _ReusingClient(RedisCacheClient):
    """Django's Redis cache client with one ``redis.Redis`` a connection pool, made once (it is
    thread-safe: connections come from the pool per command), and ``incr`` as one script."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._incr_scripts = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        script = self._incr_scripts.get(id(client))
        if script is None:
            script = self._incr_scripts[id(client)] = client.register_script(_INCR_EXISTING)
        value = script(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key {key!r} not found.")
        return value


class TolerantRedisCache(RedisCache):
    """Django's RedisCache; every operation returns its "nothing there" answer when Redis
    cannot be reached (``get`` the default, ``add`` False, ``incr`` ValueError as for a
    missing key, ``get_many`` {}, ``set``/``delete`` nothing)."""

    _down_until = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient

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
