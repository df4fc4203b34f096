"""When sources are checked: due selection with leases, back-off, failure spacing, politeness."""

from __future__ import annotations

import contextlib
import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from sources.models import Source

HOUR = 3600


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


def claim_due_sources(now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Ids of due sources, each claimed by exactly one caller.

    1. In one transaction, select due sources ordered by next_check_at with
       `FOR UPDATE SKIP LOCKED` (partial index source_due_idx), so a concurrent dispatcher
       skips the rows this one holds instead of waiting or taking them too.
    2. Push their next_check_at forward by a lease, in the same transaction: after commit they
       are no longer due, so the next dispatcher run does not enqueue them again; if the
       check is lost (worker died), the lease expires and the source becomes due again.
    3. Return the ids; the caller enqueues them after commit.
    """
    now = now or timezone.now()
    limit = limit or settings.SOURCES_DISPATCH_BATCH
    with transaction.atomic():
        ids = list(
            Source.objects.due(now)
            .order_by("next_check_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Source.objects.filter(pk__in=ids).update(
                next_check_at=now + timedelta(seconds=lease_seconds())
            )
    return ids


# --- per-host politeness -------------------------------------------------------------------

_local_slots: dict[str, int] = {}
_local_lock = threading.Lock()


def _slot_expiry() -> int:
    # A slot outlives the longest fetch; a worker killed while holding one frees it by expiry.
    return int(settings.SOURCES_TOTAL_TIMEOUT * 2 + 30)


def _cache_is_shared() -> bool:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return "locmem" not in backend.lower() and "dummy" not in backend.lower()


@contextlib.contextmanager
def host_slot(host: str, limit: int | None = None) -> Iterator[None]:
    """Hold one of the host's SOURCES_PER_HOST_CONCURRENCY request slots, or raise HostBusy.

    With a shared cache (Redis) the slots are keys added atomically with an expiry, so every
    worker on every machine sees them; otherwise an in-process counter is used.
    """
    limit = limit or settings.SOURCES_PER_HOST_CONCURRENCY
    retry_after = max(1, int(settings.SOURCES_TOTAL_TIMEOUT / 2))
    if limit <= 0:
        yield
        return
    if _cache_is_shared():
        token = uuid.uuid4().hex
        # Start at a random slot so concurrent checks of one host rarely try the same keys.
        first = random.randrange(limit)  # noqa: S311 - spreading load, not security
        for index in ((first + step) % limit for step in range(limit)):
            key = f"sources:host-slot:{host}:{index}"
            if cache.add(key, token, timeout=_slot_expiry()):
                try:
                    yield
                finally:
                    # Only free the slot if it is still ours (it may have expired and moved on).
                    if cache.get(key) == token:
                        cache.delete(key)
                return
        raise HostBusy(host, retry_after)
    with _local_lock:
        if _local_slots.get(host, 0) >= limit:
            raise HostBusy(host, retry_after)
        _local_slots[host] = _local_slots.get(host, 0) + 1
    try:
        yield
    finally:
        with _local_lock:
            _local_slots[host] -= 1
            if not _local_slots[host]:
                del _local_slots[host]
