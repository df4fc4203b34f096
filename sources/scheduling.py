"""When sources are checked: due selection with leases, back-off, failure spacing, politeness."""

from __future__ import annotations

import contextlib
import itertools
import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from sources.models import Source

HOUR = 3600
# What a call to the cache's Redis raises when Redis is unreachable.
CACHE_ERRORS = (RedisError, OSError)
logger = logging.getLogger(__name__)


class HostBusy(Exception):
    """Every politeness slot of the host is taken; try again after `retry_after` seconds."""

    def __init__(self, host: str, retry_after: int):
        super().__init__(f"{host} already has its maximum of concurrent checks")
        self.host = host
        self.retry_after = retry_after


def min_interval() -> int:
    return int(settings.SOURCES_MIN_INTERVAL_HOURS * HOUR)


def max_interval() -> int:
    return int(settings.SOURCES_MAX_INTERVAL_HOURS * HOUR)


def lease_seconds() -> int:
    """How long a dispatched source stays claimed before another dispatcher may take it again
    (its task was lost): longer than a check can take, including a politeness wait."""
    return int(getattr(settings, "SOURCES_DISPATCH_LEASE_SECONDS", 15 * 60))


def failure_spacing() -> timedelta:
    """Retries of a failing source are spread so that the failures needed to call it broken
    span at least SOURCES_BROKEN_AFTER_HOURS (3 failures over 24 h: one every 12 h)."""
    failures = max(2, settings.SOURCES_BROKEN_AFTER_FAILURES)
    return timedelta(hours=settings.SOURCES_BROKEN_AFTER_HOURS / (failures - 1))


@dataclass(frozen=True)
class Schedule:
    interval_seconds: int
    next_check_at: datetime


def schedule_after_success(source: Source, *, changed: bool, now: datetime) -> Schedule:
    """Stable sources back off (x2 up to the maximum); a change brings the minimum back."""
    if changed:
        interval = min_interval()
    else:
        interval = min(max_interval(), max(min_interval(), source.check_interval_seconds * 2))
    return Schedule(interval, now + timedelta(seconds=interval))


def schedule_after_failure(source: Source, *, now: datetime) -> Schedule:
    """A failing source is retried sooner than a stable one, but spaced for the broken rule;
    once broken it is still visited, less and less often, to notice a recovery.

    `source` carries the counters *after* this failure (consecutive_failures, first_failure_at).
    """
    if source.state == Source.State.BROKEN:
        interval = min(
            max_interval(),
            max(int(settings.SOURCES_BROKEN_AFTER_HOURS * HOUR), source.check_interval_seconds * 2),
        )
        return Schedule(interval, now + timedelta(seconds=interval))
    spacing = failure_spacing()
    first = source.first_failure_at or now
    wanted = first + spacing * max(1, source.consecutive_failures)
    earliest = now + timedelta(seconds=min(min_interval(), spacing.total_seconds()))
    next_at = min(max(wanted, earliest), now + spacing)
    return Schedule(source.check_interval_seconds, next_at)


def lease_expiry(now: datetime) -> datetime:
    """The next_check_at a source claimed at `now` carries while its check is on the way: the
    lease token that tells a redelivered batch which of its sources are still unchecked."""
    return now + timedelta(seconds=lease_seconds())


def claim_due_sources(now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Ids of due sources, each claimed by exactly one caller.

    1. In one transaction, select due sources ordered by next_check_at with
       `FOR UPDATE SKIP LOCKED` (partial index source_due_idx), so a concurrent dispatcher
       skips the rows this one holds instead of waiting or taking them too.
    2. Push their next_check_at forward to lease_expiry(now), in the same transaction: after
       commit they are no longer due, so the next dispatcher run does not enqueue them again;
       if the check is lost (worker died), the lease expires and the source becomes due again.
    3. Return the ids; the caller enqueues them after commit.
    """
    return [pk for pk, _ in _claim_due(now or timezone.now(), limit)]


@dataclass(frozen=True)
class DueBatches:
    batches: list[list[int]]
    lease_until: datetime


def claim_due_batches(
    now: datetime | None = None, limit: int | None = None, size: int | None = None
) -> DueBatches:
    """Claim due sources like claim_due_sources, in batches of `size` for sources.batches.

    Each host's sources are spread over the batches (round robin), so that a batch is not
    held back by one host's politeness limit while its other slots stay idle.
    """
    now = now or timezone.now()
    size = max(1, size or settings.SOURCES_CHECK_BATCH_SIZE)
    per_host: dict[str, list[int]] = {}
    for pk, host in _claim_due(now, limit):
        per_host.setdefault(host, []).append(pk)
    spread = [
        pk
        for round_ in itertools.zip_longest(*per_host.values())
        for pk in round_
        if pk is not None
    ]
    batches = [spread[start : start + size] for start in range(0, len(spread), size)]
    return DueBatches(batches, lease_expiry(now))


def hand_back(source_ids: list[int], lease_until: datetime | None) -> None:
    """Make sources that could not be checked now (their host was busy) due again shortly,
    for the dispatcher to claim in a later run; only those still under this lease.

    Not a delayed task: Celery holds a countdown task unacknowledged until it is due, and the
    broker redelivers it after the visibility timeout, so the sources could be checked twice.
    """
    retry_after = busy_retry_after()
    due_at = timezone.now() + timedelta(seconds=retry_after + random.uniform(0, retry_after))  # noqa: S311
    sources = Source.objects.filter(pk__in=source_ids)
    if lease_until is not None:
        sources = sources.filter(next_check_at=lease_until)
    sources.update(next_check_at=due_at)


def _claim_due(now: datetime, limit: int | None) -> list[tuple[int, str]]:
    limit = limit or settings.SOURCES_DISPATCH_BATCH
    with transaction.atomic():
        claimed = list(
            Source.objects.due(now)
            .order_by("next_check_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", "host")[:limit]
        )
        if claimed:
            Source.objects.filter(pk__in=[pk for pk, _ in claimed]).update(
                next_check_at=lease_expiry(now)
            )
    return claimed


# --- per-host politeness -------------------------------------------------------------------
#
# A host has SOURCES_PER_HOST_CONCURRENCY slots. With a shared cache (Redis) a slot is a key
# set atomically with an expiry and our token as value, so every worker on every machine sees
# it and a worker killed while holding one frees it by expiry; otherwise (tests, no Redis) an
# in-process counter is used. A batch of checks takes the slots of all its hosts in one Redis
# round trip and frees them in another (Lua scripts), instead of three round trips per check.

_TAKE_SLOTS = """
local token, ttl = ARGV[1], tonumber(ARGV[2])
local granted, key_at = {}, 1
for arg = 3, #ARGV, 2 do
  local count, wanted = tonumber(ARGV[arg]), tonumber(ARGV[arg + 1])
  local got = {}
  for k = key_at, key_at + count - 1 do
    if #got < wanted and redis.call('SET', KEYS[k], token, 'NX', 'PX', ttl) then
      got[#got + 1] = k
    end
  end
  granted[#granted + 1] = got
  key_at = key_at + count
end
return granted
"""
# Free or extend only the slots that are still ours (one may have expired and been taken).
_FREE_SLOTS = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 1
"""
_EXTEND_SLOTS = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]) end
end
return 1
"""
_local_slots: dict[str, int] = {}
_local_lock = threading.Lock()


def _slot_expiry() -> int:
    # A slot outlives the longest fetch; a worker killed while holding one frees it by expiry.
    return int(settings.SOURCES_TOTAL_TIMEOUT * 2 + 30)


def busy_retry_after() -> int:
    """Seconds before a check held back by a busy host is tried again."""
    return max(1, int(settings.SOURCES_TOTAL_TIMEOUT / 2))


def _cache_is_shared() -> bool:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return "locmem" not in backend.lower() and "dummy" not in backend.lower()


def _redis_call(script: str, keys: list[str], args: list, fallback):
    """Run a Lua script on the cache's Redis; `fallback` when Redis is unreachable (a check
    then waits for its slot rather than going ahead unlimited)."""
    if not getattr(cache, "is_available", True):  # the fail-soft cache's circuit breaker
        return fallback
    try:
        # Django's RedisCache keeps its client behind `_cache`; the stubs only know BaseCache.
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        return client.eval(script, len(keys), *keys, *args)
    except CACHE_ERRORS as error:
        logger.warning("host slots unavailable (%s: %s)", type(error).__name__, error)
        return fallback


@dataclass
class HostSlots:
    """The politeness slots one caller holds: `granted[host]` requests may run at once."""

    granted: dict[str, int]
    token: str = ""  # set when the slots are keys in Redis
    counted: bool = False  # True when the slots are in-process counts
    keys: list[str] = field(default_factory=list)
    extended_at: float = field(default_factory=time.monotonic)

    def keep(self) -> None:
        """Extend the slots' expiry when half of it has passed (a long batch on one host)."""
        if not self.keys or time.monotonic() - self.extended_at < _slot_expiry() / 2:
            return
        self.extended_at = time.monotonic()
        _redis_call(_EXTEND_SLOTS, self.keys, [self.token, _slot_expiry() * 1000], None)


def take_host_slots(wanted: dict[str, int], limit: int | None = None) -> HostSlots:
    """Take up to `wanted[host]` of each host's free slots (never more than the limit)."""
    limit = limit or settings.SOURCES_PER_HOST_CONCURRENCY
    wanted = {host: count for host, count in wanted.items() if count > 0}
    if limit <= 0:  # no politeness limit
        return HostSlots(granted=dict(wanted))
    if not _cache_is_shared():
        granted = {}
        with _local_lock:
            for host, count in wanted.items():
                granted[host] = min(count, limit - _local_slots.get(host, 0))
                _local_slots[host] = _local_slots.get(host, 0) + granted[host]
        return HostSlots(granted=granted, counted=True)
    token = uuid.uuid4().hex
    keys, args = [], [token, _slot_expiry() * 1000]
    for host, count in wanted.items():
        # Start at a random slot so concurrent callers for one host rarely try the same keys.
        first = random.randrange(limit)  # noqa: S311 - spreading load, not security
        keys += [
            cache.make_key(f"sources:host-slot:{host}:{(first + step) % limit}")
            for step in range(limit)
        ]
        args += [limit, count]
    taken = _redis_call(_TAKE_SLOTS, keys, args, [[] for _ in wanted])
    held = [keys[k - 1] for got in taken for k in got]
    granted = {host: len(got) for host, got in zip(wanted, taken, strict=True)}
    return HostSlots(granted=granted, token=token, keys=held)


def free_host_slots(slots: HostSlots) -> None:
    if slots.keys:
        _redis_call(_FREE_SLOTS, slots.keys, [slots.token], None)
        slots.keys = []
    elif slots.counted:
        with _local_lock:
            for host, count in slots.granted.items():
                if host in _local_slots:
                    _local_slots[host] -= count
                    if _local_slots[host] <= 0:
                        del _local_slots[host]
    slots.granted = {}


@contextlib.contextmanager
def host_slots(wanted: dict[str, int], limit: int | None = None) -> Iterator[HostSlots]:
    """Hold what take_host_slots grants for the duration of the block."""
    slots = take_host_slots(wanted, limit)
    try:
        yield slots
    finally:
        free_host_slots(slots)


@contextlib.contextmanager
def host_slot(host: str, limit: int | None = None) -> Iterator[None]:
    """Hold one of the host's SOURCES_PER_HOST_CONCURRENCY request slots, or raise HostBusy."""
    with host_slots({host: 1}, limit) as slots:
        if not slots.granted.get(host):
            raise HostBusy(host, busy_retry_after())
        yield
