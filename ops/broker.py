"""Celery through a broker outage: enqueueing fails soft, and workers stay alive.

`FailSoftTask` (every task's base class, config/celery.py): `delay()` logs and returns None
when the broker cannot be reached.

`tolerate_closed_connections()` keeps workers alive (kombu 5.7 / celery 5.7). When the broker
goes away, the worker closes the broken connection before reconnecting. kombu clears that
connection's info first, and two things done on its channel afterwards then fail with
AttributeError (`'NoneType' object has no attribute 'hostname'` in the Redis transport),
which is not among the connection errors Celery tolerates:

- closing the channel puts the worker's unacknowledged (late-ack) messages back on the queue;
  raised there, the error makes the worker stop with "Unrecoverable error" (tests/ops);
- settling (ack/reject) a message of that connection, when a task finishes after the loss, or
  in the event loop's last round at shutdown.

Neither can be done without the connection, and neither needs to be: Redis keeps delivered
messages in its unacked index and restores them after the visibility timeout, and a Redis that
lost its data lost them anyway; the dispatcher's lease makes such sources due again and each
check runs once per slot. So both are logged and skipped. Other AttributeErrors still raise.
"""

from __future__ import annotations

import functools
import logging

from celery import Task
from kombu.exceptions import OperationalError as BrokerError
from kombu.message import Message
from kombu.transport import redis as redis_transport
from redis.exceptions import RedisError

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


def _connection_gone(channel) -> bool:
    transport = getattr(channel, "connection", None)
    return transport is None or getattr(transport, "client", None) is None


def _settle_or_log(settle):
    @functools.wraps(settle)
    def wrapper(message: Message, log, errors, *args, **kwargs):
        try:
            return settle(message, log, errors, *args, **kwargs)
        except AttributeError as error:
            if not _connection_gone(message.channel):
                raise
            log.critical(
                "Couldn't %s %r: its broker connection is closed (%r); it will be redelivered",
                settle.__name__.split("_")[0],
                message.delivery_tag,
                error,
            )
            return None

    wrapper.claimwatch_guard = True
    return wrapper


def _restore_or_log(restore):
    @functools.wraps(restore)
    def wrapper(qos, *args, **kwargs):
        try:
            return restore(qos, *args, **kwargs)
        except AttributeError as error:
            if not _connection_gone(qos.channel):
                raise
            logger.warning(
                "Could not restore %d unacknowledged message(s): the broker connection is "
                "closed (%r); Redis restores them after the visibility timeout",
                len(qos._delivered),
                error,
            )
            return None

    wrapper.claimwatch_guard = True
    return wrapper


def tolerate_closed_connections() -> None:
    """Install the guards (idempotent)."""
    for name in ("ack_log_error", "reject_log_error"):
        method = getattr(Message, name)
        if not getattr(method, "claimwatch_guard", False):
            setattr(Message, name, _settle_or_log(method))
    restore = redis_transport.QoS.restore_unacked
    if not getattr(restore, "claimwatch_guard", False):
        redis_transport.QoS.restore_unacked = _restore_or_log(restore)
