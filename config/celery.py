"""Celery application. Without a broker (CELERY_BROKER_URL unset) tasks run eagerly in-process.

Operations plumbing lives here too (issue 7): `delay()` fails soft when the broker is down, and
signal receivers record the worker and dispatcher heartbeats (readyz) and log every check.
"""

import logging
import os
import time

from celery import Celery, Task, signals
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from config import broker

broker.tolerate_closed_connections()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger("claimwatch.tasks")

BROKER_ERRORS = (BrokerError, RedisError, OSError)


class FailSoftTask(Task):
    """`delay()` logs and returns None when the broker cannot be reached, instead of raising.

    Callers enqueue after commit (a "check now" click, the dispatcher), when nothing can be
    undone: the source's next_check_at stays due (or its dispatch lease expires), so the
    dispatcher enqueues it again once the broker is back. `apply_async()` still raises, so
    Celery's own retries are never silently dropped.
    """

    def delay(self, *args, **kwargs):
        if self.app.conf.task_always_eager:
            return super().delay(*args, **kwargs)
        try:
            return self.apply_async(args, kwargs)
        except BROKER_ERRORS as error:
            logger.warning(
                "could not enqueue %s%r: broker unavailable (%s); it will be picked up later",
                self.name,
                args,
                error,
                extra={"task": self.name, "task_args": list(args), "error": str(error)},
            )
            return None


app = Celery("claimwatch", task_cls=FailSoftTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

CHECK_TASK = "sources.tasks.check_source"
DISPATCH_TASK = "sources.tasks.dispatch_due_checks"
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
        from config.logging import log_check

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
        from config.health import record_heartbeat

        record_heartbeat("dispatcher")


@signals.heartbeat_sent.connect
def _worker_heartbeat(**_):
    # Celery's event heartbeat fires every 2 s in the worker's main process; a cache write every
    # 10 s is plenty for readyz.
    now = time.monotonic()
    if now - _last_worker_beat[0] >= 10:
        _last_worker_beat[0] = now
        from config.health import record_heartbeat

        record_heartbeat("worker")


@signals.worker_ready.connect
def _worker_ready(**_):
    from config.health import record_heartbeat

    record_heartbeat("worker")
