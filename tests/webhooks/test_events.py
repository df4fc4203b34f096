"""The outbox: workflow and monitoring changes write webhook events in their own transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from claims import workflow
from claims.models import Claim
from sources.checking import check_source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    PublishedClaimFactory,
    SourceFactory,
    WebhookEndpointFactory,
    rating,
)
from tests.support.servers import LocalServer, Reply
from webhooks import tasks
from webhooks.models import EventType, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db


def in_review(**fields) -> Claim:
    return ClaimFactory(
        status=Claim.Status.IN_REVIEW,
        rating=rating("accurate"),
        verdict_summary="Right on the figures.",
        **fields,
    )


def only_event() -> WebhookEvent:
    (event,) = WebhookEvent.objects.all()
    return event


def test_publishing_writes_one_delivery_per_subscribed_endpoint_with_the_claimreview(reviewer):
    subscribed = WebhookEndpointFactory.create_batch(2, events=[EventType.CLAIM_PUBLISHED])
    WebhookEndpointFactory(events=[EventType.CLAIM_WITHDRAWN])  # chose other events
    WebhookEndpointFactory(enabled=False)
    claim = in_review()

    workflow.publish(claim, reviewer)

    event = only_event()
    assert event.type == "claim.published" and event.claim_id == claim.pk
    assert {d.endpoint_id for d in WebhookDelivery.objects.all()} == {e.pk for e in subscribed}
    assert all(d.status == "pending" for d in WebhookDelivery.objects.all())
    payload = event.payload
    assert payload["type"] == "claim.published" and payload["timestamp"]
    review = payload["data"]["claimReview"]
    assert review["@type"] == "ClaimReview"
    assert review["url"].endswith(claim.get_absolute_url())
    assert review["reviewRating"]["alternateName"] == claim.rating.label
    assert payload["data"]["claim"]["status"] == "published"


def test_without_subscribers_nothing_is_written(reviewer):
    workflow.publish(in_review(), reviewer)
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_rolled_back_publication_writes_and_sends_nothing(
    reviewer, receiver, django_capture_on_commit_callbacks
):
    WebhookEndpointFactory(url=receiver.url("/hook"))
    claim = in_review()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.publish(claim, reviewer)
        assert WebhookDelivery.objects.count() == 1  # written with the change...
        raise RuntimeError("the request failed after publishing")

    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()
    assert callbacks == [] and receiver.received == []  # ...and gone with it
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.IN_REVIEW


def test_a_committed_publication_is_sent_after_commit_not_before(
    reviewer, receiver, eager, django_capture_on_commit_callbacks
):
    WebhookEndpointFactory(url=receiver.url("/hook"))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(in_review(), reviewer)
        assert receiver.received == []  # nothing leaves inside the transaction
    assert [r.path for r in receiver.received] == ["/hook"]
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_correction_carries_the_correction_and_the_new_rating(reviewer):
    claim = PublishedClaimFactory()
    WebhookEndpointFactory(events=[EventType.CLAIM_CORRECTED, EventType.CLAIM_UPDATED])

    workflow.change_rating(
        claim,
        rating("inaccurate"),
        reviewer,
        correction=workflow.CorrectionNote("Rating changed", "The figure was revised."),
    )

    event = only_event()
    assert event.type == "claim.corrected"
    data = event.payload["data"]
    assert data["correction"]["reason"] == "The figure was revised."
    assert data["correction"]["new_rating"] == rating("inaccurate").label
    assert data["claimReview"]["reviewRating"]["alternateName"] == rating("inaccurate").label
    assert data["claim"]["status"] == "corrected"


def test_an_update_note_is_announced_as_an_update(reviewer):
    claim = PublishedClaimFactory()
    WebhookEndpointFactory(events=[EventType.CLAIM_UPDATED])
    workflow.update_published(claim, reviewer, "Typo fixed in the analysis.")
    event = only_event()
    assert event.type == "claim.updated"
    assert event.payload["data"]["correction"]["what_changed"] == "Typo fixed in the analysis."


def test_a_withdrawal_gives_the_reason_and_no_claimreview(reviewer):
    claim = PublishedClaimFactory()
    WebhookEndpointFactory(events=[EventType.CLAIM_WITHDRAWN])
    workflow.withdraw(claim, reviewer, "Published by mistake.")
    data = only_event().payload["data"]
    assert data["reason"] == "Published by mistake."
    assert data["claimReview"] is None and data["claim"]["status"] == "withdrawn"


def test_moved_evidence_is_announced_for_public_claims_only():
    public, draft = PublishedClaimFactory(), ClaimFactory()
    WebhookEndpointFactory(events=[EventType.EVIDENCE_CHANGED])

    workflow.flag_for_attention([public.pk, draft.pk], "Figure 9,400 → 9,450 on Press release")

    event = only_event()
    assert event.type == "claim.needs_attention" and event.claim_id == public.pk
    assert event.payload["data"]["reason"].startswith("Figure 9,400 → 9,450")
    assert event.payload["data"]["claimReview"]["url"].endswith(public.get_absolute_url())


def test_a_source_that_breaks_is_announced_with_the_public_claims_citing_it(settings):
    settings.SOURCES_BROKEN_AFTER_FAILURES = 1
    settings.SOURCES_BROKEN_AFTER_HOURS = 0
    WebhookEndpointFactory(events=[EventType.SOURCE_BROKEN])
    with LocalServer(lambda path: Reply(b"down", 503, "text/plain")) as site:
        source = SourceFactory(url=site.url("/stats"))
        public = CitationFactory(source=source, claim=PublishedClaimFactory()).claim
        CitationFactory(source=source, claim=ClaimFactory())  # a draft: never named
        check_source(source.pk, polite=False)
        check_source(source.pk, polite=False)  # still broken: announced once

    event = WebhookEvent.objects.get(type="source.broken")
    data = event.payload["data"]
    assert data["source"]["url"] == source.url and data["source"]["state"] == "broken"
    assert [claim["id"] for claim in data["claims"]] == [public.pk]
    assert WebhookEvent.objects.filter(type="source.broken").count() == 1


def test_many_subscribers_cost_the_request_one_enqueue_and_all_are_delivered(
    reviewer, receiver, eager, django_capture_on_commit_callbacks, monkeypatch
):
    fan_outs = []
    original = tasks.fan_out_deliveries.apply_async

    def counting(args, **options):
        fan_outs.append(args)
        return original(args, **options)

    monkeypatch.setattr(tasks.fan_out_deliveries, "apply_async", counting)
    for n in range(3):
        WebhookEndpointFactory(url=receiver.url(f"/hook/{n}"), events=[EventType.CLAIM_PUBLISHED])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(in_review(), reviewer)
    assert len(fan_outs) == 1 and len(fan_outs[0][0]) == 3
    assert sorted(r.path for r in receiver.received) == ["/hook/0", "/hook/1", "/hook/2"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
