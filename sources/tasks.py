"""Thin Celery tasks around sources.checking and sources.scheduling (ids in, services do the work)."""

from __future__ import annotations

import random

from celery import shared_task
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from sources import checking, scheduling

# Transient trouble worth another try: the database or the broker went away for a moment.
TRANSIENT = (OperationalError, InterfaceError, BrokerError, RedisConnectionError, RedisTimeoutError)


@shared_task(
    bind=True,
    name="sources.tasks.check_source",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,  # well under the broker visibility timeout (1800 s): no double runs
    retry_jitter=True,
    max_retries=6,
)
def check_source(self, source_id: int) -> str | None:
    """Check one source; when its host is at the politeness limit, come back later."""
    if not self.request.is_eager:
        # Workers reuse connections across tasks (CELERY_DB_REUSE_MAX): drop one that failed
        # or outlived CONN_MAX_AGE, as Django does between web requests.
        close_old_connections()
    try:
        # In-process (eager) runs have no worker to hand the wait to: they go straight ahead.
        check = checking.check_source(source_id, polite=not self.request.is_eager)
    except scheduling.HostBusy as busy:
        # Not an error: wait without holding a worker, and without using up the retries.
        countdown = busy.retry_after + random.uniform(0, busy.retry_after)  # noqa: S311
        raise self.retry(countdown=countdown, max_retries=None) from None
    return check.outcome if check else None


@shared_task(
    name="sources.tasks.dispatch_due_checks",
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_jitter=True,
    max_retries=3,
)
def dispatch_due_checks() -> int:
    """Claim the due sources (see scheduling.claim_due_sources) and enqueue their checks."""
    source_ids = scheduling.claim_due_sources()
    transaction.on_commit(lambda: enqueue_checks(source_ids))
    return len(source_ids)


def enqueue_checks(source_ids: list[int]) -> None:
    """Queue one check per source over a single broker connection (thousands per minute)."""
    if check_source.app.conf.task_always_eager:
        for pk in source_ids:
            check_source.delay(pk)
        return
    with check_source.app.producer_or_acquire() as producer:
        for pk in source_ids:
            check_source.apply_async((pk,), producer=producer)
