"""Sending the outbox: sign, POST through the guarded client, record, retry or give up.

Signed as the Standard Webhooks specification says (the `standardwebhooks` package): headers
`webhook-id` (the event's message id, the same on every retry), `webhook-timestamp` (seconds)
and `webhook-signature` ("v1," + base64 HMAC-SHA256 of "id.timestamp.body" with the secret).
The POST goes through sources.fetching.post: the fetcher's address policy (no private, loopback
or metadata targets unless SOURCES_FETCH_ALLOW lists them), connecting to the checked address.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from sources.fetching import post
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("claimwatch.webhooks")
Status = WebhookDelivery.Status


def signed_request(delivery: WebhookDelivery, now: datetime) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt (a fresh timestamp each time, as the spec says)."""
    event = delivery.event
    body = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":"))
    signature = Webhook(delivery.endpoint.secret).sign(event.webhook_id, now, body)
    headers = {
        "Content-Type": "application/json",
        "webhook-id": event.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode("utf-8"), headers


def readable(answer: bytes) -> str:
    """The start of a receiver's answer as text the database accepts (no NULs, no raw bytes)."""
    text = answer.decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in text)


def retry_delay(attempt: int) -> float:
    """Seconds before the retry after failed attempt number `attempt` (1, 2, ...): doubling
    from WEBHOOKS_RETRY_BASE_SECONDS up to WEBHOOKS_RETRY_MAX_SECONDS, plus up to 10% jitter
    so that endpoints coming back are not hit by every retry at once."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return min(base, settings.WEBHOOKS_RETRY_MAX_SECONDS) * (1 + random.random() * 0.1)  # noqa: S311


def lease() -> timedelta:
    """How long a claimed delivery waits before the sweep may try it again (a lost worker)."""
    return timedelta(seconds=settings.WEBHOOKS_TIMEOUT * 2 + 30)


@dataclass(frozen=True)
class AttemptResult:
    delivery_id: int
    status: str  # the delivery's status afterwards
    retry_in: float | None = None  # seconds until the next attempt, when one is scheduled


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take a due delivery for this worker: a conditional UPDATE whose row count says who won
    (a redelivered task or the sweep's copy finds it leased and does nothing)."""
    won = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + lease())
    if not won:
        return None
    return WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)


def attempt_delivery(delivery_id: int, *, now: datetime | None = None) -> AttemptResult | None:
    """Send one due delivery and record the attempt; None when it is not due (or gone).

    1. Claim it (conditional UPDATE pushing next_attempt_at past a lease).
    2. Endpoint disabled meanwhile: cancel, send nothing.
    3. Sign and POST outside any transaction.
    4. Record the attempt; on failure schedule the retry with back-off, or fail the delivery
       after WEBHOOKS_MAX_ATTEMPTS and count it against the endpoint (disabling it after
       WEBHOOKS_DISABLE_AFTER_FAILURES failed deliveries in a row).
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    if not delivery.endpoint.enabled:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.CANCELLED, next_attempt_at=None
        )
        return AttemptResult(delivery.pk, Status.CANCELLED)
    body, headers = signed_request(delivery, now)
    result = post(delivery.endpoint.url, body, headers, timeout=settings.WEBHOOKS_TIMEOUT)
    return _record_attempt(delivery, result, now)


def _record_attempt(delivery: WebhookDelivery, result, now: datetime) -> AttemptResult:
    succeeded = result.outcome == "ok"
    number = delivery.attempts + 1
    retry_in = None
    if succeeded:
        status = Status.DELIVERED
    elif number >= settings.WEBHOOKS_MAX_ATTEMPTS:
        status = Status.FAILED
    else:
        status = Status.PENDING
        retry_in = retry_delay(number)
    retry_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            at=now,
            succeeded=succeeded,
            response_status=result.status,
            latency_ms=result.elapsed_ms,
            error=result.error[:2000],
            response_body=readable(result.body[:1000]),
            retry_at=retry_at,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=status,
            attempts=number,
            last_attempt_at=now,
            next_attempt_at=retry_at,
            delivered_at=now if succeeded else None,
            last_response_status=result.status,
            last_error=result.error[:2000],
        )
        endpoint = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
        if succeeded and delivery.endpoint.consecutive_failures:
            endpoint.update(consecutive_failures=0)
        elif status == Status.FAILED:
            endpoint.update(consecutive_failures=F("consecutive_failures") + 1)
            _disable_if_failing(delivery.endpoint_id, now, result.error)
    logger.info(
        "webhook delivery %s attempt %s: %s",
        delivery.pk,
        number,
        status,
        extra={
            "delivery": delivery.pk,
            "endpoint": delivery.endpoint_id,
            "attempt": number,
            "response_status": result.status,
            "latency_ms": result.elapsed_ms,
            "error": result.error,
        },
    )
    return AttemptResult(delivery.pk, status, retry_in)


def _disable_if_failing(endpoint_id: int, now: datetime, last_error: str) -> None:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    limit = settings.WEBHOOKS_DISABLE_AFTER_FAILURES
    if not endpoint.enabled or endpoint.consecutive_failures < limit:
        return
    reason = _(
        "%(count)s deliveries in a row failed after every retry (last error: %(error)s)."
    ) % {
        "count": endpoint.consecutive_failures,
        "error": last_error[:300] or "?",
    }
    disable_endpoint(endpoint, reason, now=now)


def disable_endpoint(
    endpoint: WebhookEndpoint, reason: str, *, now: datetime | None = None
) -> None:
    """Stop sending to an endpoint, cancel what it still had pending, and say so (log, desk,
    and an email to its owner when WEBHOOKS_NOTICE_FROM_EMAIL is set)."""
    now = now or timezone.now()
    endpoint.enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason", "updated_at"])
    WebhookDelivery.objects.pending().filter(endpoint=endpoint).update(
        status=Status.CANCELLED, next_attempt_at=None
    )
    logger.warning(
        "webhook endpoint %s (%s) disabled: %s",
        endpoint.pk,
        endpoint.url,
        reason,
        extra={"endpoint": endpoint.pk, "url": endpoint.url},
    )
    transaction.on_commit(lambda: _email_owner(endpoint))


def _email_owner(endpoint: WebhookEndpoint) -> None:
    sender = settings.WEBHOOKS_NOTICE_FROM_EMAIL
    if not sender or not endpoint.owner.email:
        return
    subject = _("Webhook disabled: %(url)s") % {"url": endpoint.url}
    message = _(
        "%(site)s stopped sending webhooks to %(url)s.\n\n%(reason)s\n\n"
        "Fix the receiver, then enable the endpoint again (the admin or the API); failed "
        "deliveries can be redelivered from the delivery log."
    ) % {"site": settings.SITE_NAME, "url": endpoint.url, "reason": endpoint.disabled_reason}
    try:
        send_mail(subject, message, sender, [endpoint.owner.email])
    except OSError as error:  # the notice is logged already; mail trouble must not raise
        logger.warning("could not email the owner of webhook endpoint %s: %s", endpoint.pk, error)


def enable_endpoint(endpoint: WebhookEndpoint) -> None:
    """Send to the endpoint again, with a clean failure count (its old deliveries stay)."""
    endpoint.enabled = True
    endpoint.consecutive_failures = 0
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.save(
        update_fields=[
            "enabled",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "updated_at",
        ]
    )


class RedeliveryRefused(Exception):
    pass


def redeliver(delivery_ids: list[int], *, now: datetime | None = None) -> list[int]:
    """Queue deliveries again (same message id, fresh retries); returns those queued.

    Deliveries of a disabled endpoint are refused: enable the endpoint first.
    """
    now = now or timezone.now()
    with transaction.atomic():
        deliveries = list(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=delivery_ids)
            .select_related("endpoint")
        )
        if any(not d.endpoint.enabled for d in deliveries):
            raise RedeliveryRefused(
                _("Enable the endpoint before redelivering to it: it is disabled.")
            )
        ids = [d.pk for d in deliveries]
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=Status.PENDING, attempts=0, next_attempt_at=now, delivered_at=None
        )
    return ids


def due_deliveries(now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Pending deliveries whose attempt is due: the ones whose task was lost (broker down at
    commit, worker gone) or whose retry was left to the sweep."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.due(now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
