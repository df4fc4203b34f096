"""Imports as background jobs: a job row, one row per item, and a resumable runner.

The items' rows are the work list, the progress and the report at once. The runner imports a
chunk of pending items (each in its own savepoint, `claimreview_import.import_chunk`) and marks
them done in the same transaction, so a worker killed mid-chunk loses only that chunk's work:
the redelivered task finds those items still pending and imports them again, and nothing
committed is imported twice (a review URL already imported is matched, never duplicated).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from claims import workflow
from claims.claimreview import claim_review_items
from sources.claimreview_import import ItemResult, import_chunk, start_import
from sources.models import ImportJob, ImportJobItem

# Items per transaction: the work a killed worker can lose, and the progress bar's step.
CHUNK_SIZE = 100
ProgressCallback = Callable[[ImportJob], None]


def create_claimreview_job(payload: Any, user: workflow.User) -> ImportJob:
    """A queued job holding every item of the ClaimReview payload (one, a list or a DataFeed).

    Raises NotAllowed for users who may not import, ClaimReviewError when the payload is not
    ClaimReview JSON.
    """
    start_import(user)  # the permission check, before anything is stored
    items = claim_review_items(payload)
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=ImportJob.Kind.CLAIMREVIEW, started_by=user, total=len(items)
        )
        ImportJobItem.objects.bulk_create(
            (
                ImportJobItem(job=job, index=index, payload=json.dumps(item, ensure_ascii=True))
                for index, item in enumerate(items)
            ),
            batch_size=1000,
        )
    return job


def run_import_job(
    job_id: str,
    *,
    deadline: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportJob:
    """Import the job's pending items, chunk by chunk, until none is left or `deadline`
    (a `time.monotonic()` value) has passed; returns the job as it then stands.

    1. Mark the job running (a finished job is returned as it is: a redelivered task is a no-op).
    2. Per chunk, in one transaction: lock the job row (two runners of one job take turns),
       import the next pending items, write their outcomes and the job's counters.
    3. When no item is pending, the job is done.
    """
    job = _start_run(job_id)
    if job is None or job.is_finished:
        return job
    if job.started_by is None:
        return _fail(job, "The user who started the import no longer exists.")
    try:
        importer = start_import(job.started_by)
    except workflow.NotAllowed as error:
        return _fail(job, str(error))
    seen = set(
        job.items.exclude(status=ImportJobItem.Status.PENDING)
        .exclude(url="")
        .values_list("url", flat=True)
    )

    def out_of_time() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    while True:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            if job.status != ImportJob.Status.RUNNING:
                return job  # failed or finished by another runner meanwhile
            pending = list(job.items.filter(status=ImportJobItem.Status.PENDING)[:CHUNK_SIZE])
            if not pending:
                return _finish(job)
            results = import_chunk(
                importer,
                [(item.index, json.loads(item.payload)) for item in pending],
                seen,
                should_stop=out_of_time,
            )
            _record(job, pending, results)
        if on_progress is not None:
            on_progress(job)
        if out_of_time():
            return job


def _start_run(job_id: str) -> ImportJob | None:
    now = timezone.now()
    unfinished = [ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ImportJob.objects.filter(pk=job_id, status__in=unfinished, started_at__isnull=True).update(
        started_at=now
    )
    ImportJob.objects.filter(pk=job_id, status__in=unfinished).update(
        status=ImportJob.Status.RUNNING, runs=F("runs") + 1, heartbeat_at=now
    )
    return ImportJob.objects.select_related("started_by").filter(pk=job_id).first()


def _record(job: ImportJob, pending: list[ImportJobItem], results: list[ItemResult]) -> None:
    """Write the chunk's outcomes on its items and add them to the job's counters."""
    by_index = {item.index: item for item in pending}
    counts = dict.fromkeys(("created", "updated", "unchanged", "rejected"), 0)
    done = []
    for result in results:
        item = by_index[result.index]
        item.status = result.status
        item.url = storable(result.url)
        item.claim_id = result.claim_id
        item.errors = [storable(message) for message in result.errors]
        item.warnings = [storable(message) for message in result.warnings]
        counts[result.status] += 1
        done.append(item)
    if done:
        ImportJobItem.objects.bulk_update(
            done, ["status", "url", "claim", "errors", "warnings"], batch_size=CHUNK_SIZE
        )
    for name, count in counts.items():
        setattr(job, name, getattr(job, name) + count)
    job.done += len(done)
    job.heartbeat_at = timezone.now()
    job.save(update_fields=[*counts, "done", "heartbeat_at"])


def _finish(job: ImportJob) -> ImportJob:
    job.status = ImportJob.Status.DONE
    job.finished_at = job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "heartbeat_at"])
    return job


def _fail(job: ImportJob, reason: str) -> ImportJob:
    job.status = ImportJob.Status.FAILED
    job.error = reason
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job


def fail_import_job(job_id: str, reason: str) -> None:
    """Mark an unfinished job failed (its task gave up, or it could not be queued)."""
    ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(
        status=ImportJob.Status.FAILED, error=storable(reason)[:2000], finished_at=timezone.now()
    )


def assign_task(job_id: str, task_id: str, *, replacing: str | None = None) -> bool:
    """Name the task message that runs the job next; with `replacing`, only if that message
    is still the job's (of two copies of one message, one hands over). Returns whether set."""
    jobs = ImportJob.objects.filter(pk=job_id)
    if replacing is not None:
        jobs = jobs.filter(task_id=replacing)
    return jobs.update(task_id=task_id) == 1


def is_current_task(job_id: str, task_id: str) -> bool:
    """Whether `task_id` is the message meant to run the job (not one handed over already)."""
    return ImportJob.objects.filter(pk=job_id, task_id=task_id).exists()


def stalled_import_jobs() -> list[tuple[str, str]]:
    """(job id, its current task id) of unfinished jobs with no progress for
    IMPORT_JOB_STALE_SECONDS: their task was lost with the broker, or could not be queued."""
    before = timezone.now() - timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS)
    stalled = ImportJob.objects.stalled(before).values_list("pk", "task_id")
    return [(str(pk), task_id) for pk, task_id in stalled]


def job_report(job: ImportJob) -> dict[str, Any]:
    """The job's report so far, in the shape of a synchronous import's report."""
    items = job.items.exclude(status=ImportJobItem.Status.PENDING).values(
        "index", "status", "url", "claim_id", "errors", "warnings"
    )
    return {
        "total": job.total,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
        "items": list(items.order_by("index")),
    }


def storable(text: str) -> str:
    """`text` with control characters, NULs and lone surrogates spelled as escapes: the
    report quotes what it was sent, and PostgreSQL refuses NULs and surrogates."""
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() or char in "\n\t" else ascii(char)[1:-1] for char in text
    )
