"""What Celery tasks return when they run in this process (eagerly or in a worker thread).

The project keeps no result backend, so `delay()` gives an AsyncResult whose value nobody can
fetch; a test that wants the value records it from the `task_success` signal instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from celery.signals import task_success


@contextlib.contextmanager
def task_returns(task) -> Iterator[list]:
    """A list that collects the return value of every successful run of `task`, in order."""
    returned: list = []

    def record(sender=None, result=None, **kwargs):
        if sender is not None and sender.name == task.name:
            returned.append(result)

    task_success.connect(record, weak=False)
    try:
        yield returned
    finally:
        task_success.disconnect(record)
