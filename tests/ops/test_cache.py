"""ops/cache.py: FailSoftRedisCache behaves as an always-missing cache while Redis is down."""

import logging
import os
import time

import pytest

from ops.cache import FailSoftRedisCache

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


def _cache(location: str) -> FailSoftRedisCache:
    return FailSoftRedisCache(
        location,
        {
            "KEY_PREFIX": "cw-e-test",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    )


def test_every_operation_is_a_miss_when_redis_is_down(caplog):
    cache = _cache(DEAD)
    caplog.set_level(logging.WARNING, logger="claimwatch.cache")
    assert cache.get("k", "fallback") == "fallback"
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.touch("k") is False
    assert cache.get_or_set("k", 5) == 5
    with pytest.raises(ValueError):
        cache.incr("k")
    cache.clear()
    assert cache.ping() is False
    # One warning for the outage, not one per call.
    assert len([r for r in caplog.records if r.name == "claimwatch.cache"]) == 1


def test_breaker_skips_redis_for_a_while_after_a_failure(monkeypatch):
    cache = _cache(DEAD)
    cache.get("k")
    assert not cache.is_available
    calls = []
    monkeypatch.setattr(type(cache).__mro__[1], "get", lambda *a, **k: calls.append(a) or "real")
    assert cache.get("k", "miss") == "miss"
    assert calls == []
    cache._down_until = time.monotonic() - 1
    assert cache.get("k") == "real"


@pytest.mark.services
def test_works_normally_when_redis_is_up():
    cache = _cache(os.environ["REDIS_URL"])
    cache.set("k", {"a": 1}, timeout=30)
    assert cache.get("k") == {"a": 1}
    assert cache.add("k", 2) is False
    cache.delete("n")
    assert cache.add("n", 0) is True
    assert cache.incr("n") == 1
    assert cache.ping() is True
    cache.delete_many(["k", "n"])


@pytest.mark.django_db
def test_site_and_throttled_api_serve_while_the_cache_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "ops.cache.FailSoftRedisCache",
            "LOCATION": DEAD,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    from tests.factories import PublishedClaimFactory

    claim = PublishedClaimFactory()
    for path in ["/", claim.get_absolute_url(), "/api/v1/claims/", f"/api/v1/claims/{claim.pk}/"]:
        response = client.get(path)
        assert response.status_code == 200, path
    from django.core.cache import caches

    # The requests really went through the dead Redis (and its breaker opened).
    assert isinstance(caches["default"], FailSoftRedisCache)
    assert not caches["default"].is_available


def test_one_redis_client_serves_every_call_on_a_pool():
    cache = _cache(DEAD)  # clients connect lazily: none is made here
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client
    assert cache._cache.get_client("key", write=True) is client
