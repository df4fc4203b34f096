"""Thin Celery tasks around webhooks.delivery (ids in; the outbox rows are the truth)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from webhooks import delivery

logger = logging.getLogger("claimwatch.webhooks")
BROKER_ERRORS = (BrokerError, RedisError, OSError)


@shared_task(
    name="webhooks.tasks.deliver_webhook",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=5,
)
def deliver_webhook(delivery_id: int) -> str | None:
    """One attempt of one delivery; a failed one schedules its retry."""
    result = delivery.attempt_delivery(delivery_id)
    if result is not None and result.retry_in is not None:
        enqueue_delivery(delivery_id, countdown=result.retry_in)
    return result.status if result else None


@shared_task(name="webhooks.tasks.fan_out_deliveries", acks_late=True)
def fan_out_deliveries(delivery_ids: list[int]) -> int:
    """One task per delivery, queued from the worker (each with its own retries)."""
    for delivery_id in delivery_ids:
        enqueue_delivery(delivery_id)
    return len(delivery_ids)


@shared_task(name="webhooks.tasks.sweep_webhook_deliveries")
def sweep_webhook_deliveries() -> int:
    """Beat: enqueue the due deliveries whose task was lost or left to the sweep."""
    due = delivery.due_deliveries()
    for delivery_id in due:
        enqueue_delivery(delivery_id)
    return len(due)


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """After commit: the request pays one broker round trip however many endpoints listen."""
    if len(delivery_ids) == 1:
        enqueue_delivery(delivery_ids[0])
    elif delivery_ids:
        _send(fan_out_deliveries, delivery_ids, list(delivery_ids))


def enqueue_delivery(delivery_id: int, countdown: float | None = None) -> None:
    """Queue an attempt; a broker outage is logged and left to the sweep.

    Retries later than WEBHOOKS_COUNTDOWN_MAX_SECONDS are left to the sweep too: a Redis
    broker redelivers a countdown task held past its visibility timeout, and rows, not
    messages, say what is due. In-process (no broker) retries wait for the sweep as well.
    """
    if countdown:
        if deliver_webhook.app.conf.task_always_eager:
            return
        if countdown > settings.WEBHOOKS_COUNTDOWN_MAX_SECONDS:
            return
    _send(deliver_webhook, [delivery_id], delivery_id, countdown=countdown)


def _send(task, delivery_ids: list[int], argument, countdown: float | None = None) -> None:
    try:
        task.apply_async((argument,), countdown=countdown)
    except BROKER_ERRORS as error:
        logger.warning(
            "could not enqueue webhook deliveries %s (%s); the sweep will send them",
            delivery_ids,
            error,
            extra={"deliveries": delivery_ids, "error": str(error)},
        )
