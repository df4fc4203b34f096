"""Thin Celery tasks around sources.checking and sources.scheduling (ids in, services do the work)."""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from sources import batches, checking, import_jobs, scheduling
from sources.checklog import log_check

logger = logging.getLogger("claimwatch.tasks")

# Transient trouble worth another try: the database or the broker went away for a moment.
TRANSIENT = (OperationalError, InterfaceError, BrokerError, RedisConnectionError, RedisTimeoutError)
# Enqueueing failed: the broker is down or unreachable.
BROKER_UNAVAILABLE = (BrokerError, RedisConnectionError, RedisTimeoutError, OSError)
# Checks are acknowledged late (a killed worker's check is redelivered) and retried on transient
# trouble.
CHECK_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 5,
    "retry_backoff_max": 300,  # well under the broker visibility timeout (1800 s): no double runs
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="sources.tasks.check_source", **CHECK_TASK_OPTIONS)
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


@shared_task(name="sources.tasks.check_sources", **CHECK_TASK_OPTIONS)
def check_sources(self, source_ids: list[int], lease_until: str | None = None) -> dict[str, int]:
    """Check a batch of sources (sources.batches); those whose host is busy are handed back to
    the dispatcher, which claims them again shortly.

    `lease_until` (ISO date) is the dispatcher's lease: a redelivered or retried batch skips
    the sources already checked under it. Returns the number of sources per outcome.
    """
    if not self.request.is_eager:
        close_old_connections()
    lease = datetime.fromisoformat(lease_until) if lease_until else None
    batch = batches.check_sources(source_ids, lease_until=lease, polite=not self.request.is_eager)
    for source_id, outcome in batch.outcomes.items():
        duration = batch.durations.get(source_id, 0)
        log_check(
            source_id, outcome, duration, task_id=self.request.id, retries=self.request.retries or 0
        )
    for source_id, error in batch.failed.items():
        log_check(source_id, None, 0, task_id=self.request.id, error=error)
    summary = dict(Counter(batch.outcomes.values()))
    summary.update(busy=len(batch.busy), skipped=len(batch.skipped), failed=len(batch.failed))
    return summary


@shared_task(
    name="sources.tasks.dispatch_due_checks",
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_jitter=True,
    max_retries=3,
)
def dispatch_due_checks() -> int:
    """Claim the due sources (scheduling.claim_due_batches) and enqueue their batches."""
    due = scheduling.claim_due_batches()
    transaction.on_commit(lambda: enqueue_batches(due.batches, due.lease_until))
    return sum(len(batch) for batch in due.batches)


def enqueue_batches(source_batches: list[list[int]], lease_until: datetime | None = None) -> None:
    """Queue one check_sources task per batch over a single broker connection."""
    lease = lease_until.isoformat() if lease_until else None
    if check_sources.app.conf.task_always_eager:
        for batch in source_batches:
            check_sources.delay(batch, lease)
        return
    with check_sources.app.producer_or_acquire() as producer:
        for batch in source_batches:
            check_sources.apply_async((batch, lease), producer=producer)


# What publishing to an unreachable broker raises (kombu, the Redis client, the socket).
BROKER_DOWN = (BrokerError, RedisError, OSError)


class BrokerUnavailable(Exception):
    """The task queue could not be reached, so nothing was queued (the API answers 503)."""


def queue_checks_now(source_ids: Sequence[int]) -> None:
    """Queue one check per source for the workers ("check now"), after commit; raises
    BrokerUnavailable when the broker cannot be reached, so no caller says "queued" for nothing.

    Outside a transaction (a click writes nothing the worker must wait for) the tasks are sent
    at once and a failed send raises. Inside one, the broker is probed now and the tasks sent
    on commit; should it fail in between, the send is logged and the scheduler's own check of
    the source still comes.
    """
    ids = list(source_ids)
    app = check_source.app
    if app.conf.task_always_eager:  # no broker configured: checks run in-process
        transaction.on_commit(lambda: [check_source.delay(pk) for pk in ids])
        return
    if transaction.get_connection().in_atomic_block:
        _probe_broker()
    failures: list[Exception] = []

    def send() -> None:
        try:
            with app.producer_or_acquire() as producer:
                for pk in ids:
                    check_source.apply_async((pk,), producer=producer)
        except BROKER_DOWN as error:
            failures.append(error)
            logger.warning(
                "could not queue checks of sources %s: broker unavailable (%s)",
                ids,
                error,
                extra={"task": check_source.name, "task_args": ids, "error": str(error)},
            )

    transaction.on_commit(send)
    if failures:  # sent at once (no transaction open) and failed
        raise BrokerUnavailable(UNAVAILABLE_MESSAGE) from failures[0]


UNAVAILABLE_MESSAGE = (
    "The task queue cannot be reached, so no check was queued. Try again in a minute; "
    "scheduled checks resume by themselves once the queue is back."
)


def _probe_broker() -> None:
    """Open (and close) a connection to the broker the tasks would be sent to."""
    try:
        with check_source.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    except BROKER_DOWN as error:
        logger.warning("could not queue checks: broker unavailable (%s)", error)
        raise BrokerUnavailable(UNAVAILABLE_MESSAGE) from error


@shared_task(name="sources.tasks.run_import_job", **CHECK_TASK_OPTIONS)
def run_import_job(self, job_id: str) -> str | None:
    """Run an import job for one time slice (IMPORT_JOB_SLICE_SECONDS), then queue the rest.

    Slices keep every message shorter than the broker's visibility timeout (a longer task would
    be redelivered while it runs) and let source checks through between them. A message the
    job has moved on from (a copy of a slice that was already handed over) does nothing.
    """
    if not self.request.is_eager:
        close_old_connections()
        if not import_jobs.is_current_task(job_id, self.request.id):
            return "superseded"
    # In-process (eager) runs have no worker to continue on: they run to the end.
    eager = self.request.is_eager
    slice_end = None if eager else time.monotonic() + settings.IMPORT_JOB_SLICE_SECONDS
    try:
        job = import_jobs.run_import_job(job_id, deadline=slice_end)
    except TRANSIENT:
        raise
    except Exception as error:
        import_jobs.fail_import_job(
            job_id, f"The import stopped on an error ({type(error).__name__})."
        )
        raise
    if job is not None and not job.is_finished:
        next_id = str(uuid.uuid4())
        if import_jobs.assign_task(job_id, next_id, replacing=self.request.id):
            self.apply_async((job_id,), task_id=next_id)
    return job.status if job is not None else None


def enqueue_import_job(job_id: str, task_id: str = "") -> bool:
    """Queue the job's next slice; False (and logged) when the broker cannot be reached.

    With `task_id` (the job's current one) the message is sent again under the same id, so a
    copy still waiting in the queue stays valid: a resent job never loses its place.
    """
    if not task_id:
        task_id = str(uuid.uuid4())
        import_jobs.assign_task(str(job_id), task_id)
    try:
        run_import_job.apply_async((str(job_id),), task_id=task_id)
    except BROKER_UNAVAILABLE as error:
        logger.warning("could not enqueue import job %s: broker unavailable (%s)", job_id, error)
        return False
    return True


@shared_task(name="sources.tasks.resume_stalled_imports", autoretry_for=TRANSIENT, max_retries=3)
def resume_stalled_imports() -> int:
    """Queue again the import jobs whose task was lost (no progress for a while)."""
    stalled = import_jobs.stalled_import_jobs()
    for job_id, task_id in stalled:
        enqueue_import_job(job_id, task_id)
    return len(stalled)
