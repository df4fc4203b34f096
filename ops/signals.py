"""What the Celery worker reports about itself: heartbeats (readyz) and one log line per check.

Receivers of Celery's signals, connected when the ops app is ready, so the task code knows
nothing about probes or logs.
"""

from __future__ import annotations

import time

from celery import signals

from ops.health import record_heartbeat
from sources.checklog import log_check

CHECK_TASK = "sources.tasks.check_source"
DISPATCH_TASK = "sources.tasks.dispatch_due_checks"
# Seconds between two worker heartbeats written to the cache.
WORKER_HEARTBEAT_EVERY = 10

_started: dict[str, float] = {}
_last_worker_beat = [0.0]


@signals.task_prerun.connect
def _remember_start(task_id=None, task=None, **_):
    if task is not None and task.name == CHECK_TASK:
        _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _after_task(task_id=None, task=None, args=None, retval=None, state=None, **_):
    if task is None:
        return
    if task.name == CHECK_TASK:
        started = _started.pop(task_id, None)
        duration_ms = (time.monotonic() - started) * 1000 if started is not None else 0.0
        failed = state not in (None, "SUCCESS")
        log_check(
            args[0] if args else None,
            None if failed else retval,
            duration_ms,
            task_id=task_id,
            retries=task.request.retries or 0,
            error=f"{state}: {retval}" if failed else None,
        )
    elif task.name == DISPATCH_TASK and state == "SUCCESS":
        record_heartbeat("dispatcher")


@signals.heartbeat_sent.connect
def _worker_heartbeat(**_):
    # Celery's event heartbeat fires every 2 s in the worker's main process; a cache write every
    # 10 s is plenty for readyz.
    now = time.monotonic()
    if now - _last_worker_beat[0] >= WORKER_HEARTBEAT_EVERY:
        _last_worker_beat[0] = now
        record_heartbeat("worker")


@signals.worker_ready.connect
def _worker_ready(**_):
    record_heartbeat("worker")
