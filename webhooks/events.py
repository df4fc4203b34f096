"""Events into the outbox: the payload of each event type and the deliveries it needs.

Called by webhooks.receivers inside the transaction of the change (nothing here does network
I/O). With no enabled endpoint subscribed to an event, nothing is built or written: the
publishing request then pays one small query. Payloads follow the Standard Webhooks shape
(`type`, `timestamp`, `data`); a public claim's `data` carries its schema.org ClaimReview.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from claims.claimreview import claim_review, claimreview_queryset, review_url
from claims.models import Claim, Correction
from sources.models import Source
from webhooks.models import TEST_EVENT, EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent


def subscribers(event_type: str) -> list[WebhookEndpoint]:
    """Enabled endpoints that chose `event_type` (few rows: filtered here, JSON on any DB)."""
    return [
        endpoint
        for endpoint in WebhookEndpoint.objects.enabled().only("pk", "events")
        if endpoint.wants(event_type)
    ]


def record_event(
    event_type: str,
    build_data,
    *,
    claim: Claim | None = None,
    endpoints: list[WebhookEndpoint] | None = None,
) -> list[int]:
    """Write the event and one pending delivery per subscriber; returns the delivery ids.

    `build_data()` makes the payload's `data`, called only when someone subscribed.
    """
    endpoints = subscribers(event_type) if endpoints is None else endpoints
    if not endpoints:
        return []
    now = timezone.now()
    event = WebhookEvent.objects.create(
        type=event_type,
        claim=claim,
        created_at=now,
        payload={
            "type": event_type,
            "timestamp": now.isoformat(timespec="seconds"),
            "data": build_data(),
        },
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, created_at=now)
        for endpoint in endpoints
    )
    return [delivery.pk for delivery in deliveries]


def claim_summary(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "url": review_url(claim),
        "status": claim.status,
        "title": claim.title,
        "claimant": claim.claimant.name if claim.claimant_id else "",
        "rating": (
            {"label": claim.rating.label, "slug": claim.rating.slug} if claim.rating else None
        ),
        "published_at": claim.published_at.isoformat() if claim.published_at else None,
        "revised_at": claim.revised_at.isoformat() if claim.revised_at else None,
    }


def correction_json(entry: Correction) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "what_changed": entry.what_changed,
        "reason": entry.reason,
        "created_at": entry.created_at.isoformat(),
        "previous_rating": entry.previous_rating.label if entry.previous_rating else None,
        "new_rating": entry.new_rating.label if entry.new_rating else None,
    }


def claim_data(claim_id: int, **extra: Any) -> dict[str, Any]:
    """The claim as readers now see it, with its ClaimReview (None once it is not public)."""
    claim = claimreview_queryset().get(pk=claim_id)
    review = claim_review(claim) if claim.is_public and claim.rating_id else None
    return {"claim": claim_summary(claim), "claimReview": review, **extra}


CLAIM_EVENT_TYPES = {
    "published": EventType.CLAIM_PUBLISHED,
    "corrected": EventType.CLAIM_CORRECTED,
    "updated": EventType.CLAIM_UPDATED,
    "withdrawn": EventType.CLAIM_WITHDRAWN,
}


def record_claim_event(
    claim: Claim, kind: str, *, correction: Correction | None = None, note: str = ""
) -> list[int]:
    """A workflow change of a claim (published, corrected, updated, withdrawn)."""
    event_type = CLAIM_EVENT_TYPES[kind]

    def build() -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if correction is not None:
            extra["correction"] = correction_json(correction)
        if note:
            extra["reason"] = note
        return claim_data(claim.pk, **extra)

    return record_event(event_type, build, claim=claim)


def record_claims_flagged(claim_ids: list[int], reason: str) -> list[int]:
    """Evidence moved under public claims: one event per claim (private ones stay private)."""
    endpoints = subscribers(EventType.EVIDENCE_CHANGED)
    if not endpoints:
        return []
    delivery_ids: list[int] = []
    for claim in Claim.objects.published().filter(pk__in=claim_ids):
        delivery_ids += record_event(
            EventType.EVIDENCE_CHANGED,
            lambda pk=claim.pk: claim_data(pk, reason=reason),
            claim=claim,
            endpoints=endpoints,
        )
    return delivery_ids


def record_source_broken(source: Source, reason: str) -> list[int]:
    """A cited source became broken; announced only when a public claim cites it."""
    endpoints = subscribers(EventType.SOURCE_BROKEN)
    if not endpoints:
        return []
    claims = list(
        claimreview_queryset(Claim.objects.published().filter(citations__source=source).distinct())
    )
    if not claims:
        return []
    data = {
        "source": {
            "id": source.pk,
            "url": source.url,
            "title": source.title,
            "state": source.state,
            "state_changed_at": (
                source.state_changed_at.isoformat() if source.state_changed_at else None
            ),
            "consecutive_failures": source.consecutive_failures,
            "last_outcome": source.last_outcome,
        },
        "reason": reason,
        "claims": [claim_summary(claim) for claim in claims],
    }
    return record_event(EventType.SOURCE_BROKEN, lambda: data, endpoints=endpoints)


def record_test_event(endpoint: WebhookEndpoint) -> list[int]:
    """A test message for one endpoint (admin action, API), whatever it subscribed to."""
    data = {
        "endpoint": endpoint.pk,
        "message": f"A test event from {settings.SITE_NAME}.",
        "site": settings.SITE_URL,
    }
    return record_event(TEST_EVENT, lambda: data, endpoints=[endpoint])
