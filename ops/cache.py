"""A Redis cache that fails soft: when Redis is down the site keeps serving without a cache.

Every cache error is logged (at most once per interval per process) and treated as a miss or a
no-op write; after a failure Redis is left alone for a few seconds (a small circuit breaker),
so a hung Redis costs one socket timeout per interval, not one per cache call. Callers see
"cache miss" semantics: pages render from the database, DRF throttles let requests through,
locks taken with `add()` are simply not acquired.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("claimwatch.cache")

CACHE_ERRORS = (RedisError, OSError)


class ReusedRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one `redis.Redis` per connection pool.

    Django builds a new `redis.Redis` for every cache call, and each one fills its table of
    reply callbacks again (~0.2 ms): more than a small GET itself costs. The client holds no
    connection of its own (the pool hands them out per command), so one can serve every call.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[object, Any] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    """Django's RedisCache with every operation turned into a miss while Redis is unreachable."""

    # Seconds to skip Redis after a failure, and between two warnings in the log.
    retry_after = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_available(self) -> bool:
        """False while the breaker is open (Redis failed in the last `retry_after` seconds)."""
        return time.monotonic() >= self._down_until

    def _call(self, operation: str, fallback: Any, method, *args, **kwargs):
        if not self.is_available:
            return fallback
        try:
            return method(*args, **kwargs)
        except CACHE_ERRORS as error:
            with self._lock:
                already_down = not self.is_available
                self._down_until = time.monotonic() + self.retry_after
            if not already_down:
                logger.warning(
                    "cache unavailable, serving without it for %ss (%s: %s)",
                    self.retry_after,
                    operation,
                    error,
                )
            return fallback

    def add(self, key, value, timeout=None, version=None):
        return self._call("add", False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=None, version=None):
        return self._call("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._call("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # Same contract as a missing key: callers of incr() already handle ValueError.
        marker = object()
        result = self._call("incr", marker, super().incr, key, delta, version)
        if result is marker:
            raise ValueError(f"Key {key!r} not found (cache unavailable).")
        return result

    def set_many(self, data, timeout=None, version=None):
        # The keys that could not be stored, as Django's contract says.
        return self._call("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._call("clear", False, super().clear)

    def ping(self) -> bool:
        """True when Redis answers now (readiness probe; ignores the breaker)."""
        try:
            return bool(self._cache.get_client(write=False).ping())
        except CACHE_ERRORS:
            return False
