"""config.cache.TolerantRedisCache: with Redis unreachable every operation answers "nothing
there" at once instead of raising."""

import logging
from types import SimpleNamespace

import pytest

from config import cache as tolerant


@pytest.fixture
def unreachable():
    tolerant.TolerantRedisCache._down_until = 0.0
    # Nothing listens on port 1.
    backend = tolerant.TolerantRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.5}}
    )
    yield backend
    tolerant.TolerantRedisCache._down_until = 0.0


def test_tolerant_cache_unreachable_answers_nothing_there(unreachable, caplog):
    caplog.set_level(logging.WARNING, logger="config.cache")

    answers = [
        unreachable.get("a", "default"),
        unreachable.set("a", 1),
        unreachable.add("a", 1),
        unreachable.get_many(["a", "b"]),
        unreachable.get_or_set("a", 2),
    ]
    with pytest.raises(ValueError):
        unreachable.incr("a")

    assert answers == ["default", None, False, {}, 2]
    # One warning, then Redis is not asked again for RETRY_AFTER_S.
    assert [r.getMessage()[:17] for r in caplog.records] == ["Cache unreachable"]


def test_tolerant_cache_asks_redis_again_after_the_pause(unreachable, monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger="config.cache")
    clock = [1000.0]
    monkeypatch.setattr(tolerant, "time", SimpleNamespace(monotonic=lambda: clock[0]))

    unreachable.get("a")
    unreachable.get("a")
    clock[0] += tolerant.RETRY_AFTER_S + 1
    unreachable.get("a")

    assert len(caplog.records) == 2
