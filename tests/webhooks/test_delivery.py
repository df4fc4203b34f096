"""Delivering the outbox to a real receiver on 127.0.0.1: signatures, retries, disabling, SSRF."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from claims.desk import desk_for
from tests.factories import WebhookEndpointFactory
from tests.support.servers import Reply
from webhooks import delivery, events
from webhooks.models import WebhookDelivery, WebhookEndpoint, new_secret

pytestmark = pytest.mark.django_db


def failing(status: int = 500, **headers):
    return lambda path: Reply(b"receiver trouble", status, "text/plain", headers)


def queued_test_event(endpoint: WebhookEndpoint) -> WebhookDelivery:
    (delivery_id,) = events.record_test_event(endpoint)
    return WebhookDelivery.objects.select_related("event").get(pk=delivery_id)


def test_the_receiver_verifies_the_signature_with_the_specification_recipe(receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url("/hooks/claimwatch"))
    item = queued_test_event(endpoint)

    result = delivery.attempt_delivery(item.pk)

    assert result.status == "delivered"
    (sent,) = receiver.received
    assert sent.path == "/hooks/claimwatch"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["webhook-id"] == item.event.webhook_id
    verified = Webhook(endpoint.secret).verify(sent.body, sent.headers)
    assert verified == item.event.payload
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(sent.body, sent.headers)
    item.refresh_from_db()
    assert item.delivered_at is not None and item.last_response_status == 204
    (attempt,) = item.attempt_log.all()
    assert (attempt.number, attempt.succeeded, attempt.response_status) == (1, True, 204)
    assert attempt.latency_ms >= 0 and attempt.error == ""


def test_a_failing_receiver_is_retried_with_growing_back_off_then_given_up(receiver, quick_rules):
    receiver.respond = failing(503)
    endpoint = WebhookEndpointFactory(url=receiver.url("/hook"))
    item = queued_test_event(endpoint)
    now = timezone.now()
    scheduled = []

    for _ in range(quick_rules.WEBHOOKS_MAX_ATTEMPTS):
        # Not yet due: nothing is sent before the scheduled time.
        assert delivery.attempt_delivery(item.pk, now=now - timedelta(seconds=1)) is None
        result = delivery.attempt_delivery(item.pk, now=now)
        item.refresh_from_db()
        if result.status == "pending":
            scheduled.append((item.next_attempt_at - now).total_seconds())
            now = item.next_attempt_at
    assert result.status == "failed" and item.next_attempt_at is None
    assert len(receiver.received) == quick_rules.WEBHOOKS_MAX_ATTEMPTS
    # One message: every attempt carries the same id, each with its own fresh signature.
    assert {r.headers["webhook-id"] for r in receiver.received} == {item.event.webhook_id}
    for sent in receiver.received:
        assert Webhook(endpoint.secret).verify(sent.body, sent.headers)["type"] == "webhook.test"
    base = quick_rules.WEBHOOKS_RETRY_BASE_SECONDS
    assert len(scheduled) == quick_rules.WEBHOOKS_MAX_ATTEMPTS - 1
    for n, delay in enumerate(scheduled):
        assert base * 2**n <= delay <= base * 2**n * 1.1
    assert all(later > earlier for earlier, later in itertools.pairwise(scheduled))
    attempts = list(item.attempt_log.values_list("number", "succeeded", "response_status"))
    assert attempts == [(n, False, 503) for n in range(1, quick_rules.WEBHOOKS_MAX_ATTEMPTS + 1)]


def test_an_attempt_already_claimed_is_not_sent_twice(receiver):
    item = queued_test_event(WebhookEndpointFactory(url=receiver.url("/hook")))
    now = timezone.now()
    assert delivery.attempt_delivery(item.pk, now=now).status == "delivered"
    assert delivery.attempt_delivery(item.pk, now=now) is None  # a redelivered task
    assert len(receiver.received) == 1


def test_an_endpoint_is_disabled_after_repeated_failed_deliveries_with_a_notice(
    receiver, quick_rules, mailoutbox, superuser, django_capture_on_commit_callbacks
):
    quick_rules.WEBHOOKS_MAX_ATTEMPTS = 1
    quick_rules.WEBHOOKS_NOTICE_FROM_EMAIL = "webhooks@claimwatch.example"
    receiver.respond = failing(500)
    endpoint = WebhookEndpointFactory(url=receiver.url("/hook"))
    first, second, third = (queued_test_event(endpoint) for _ in range(3))

    assert delivery.attempt_delivery(first.pk).status == "failed"
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failures == 1
    with django_capture_on_commit_callbacks(execute=True):  # the email leaves after commit
        assert delivery.attempt_delivery(second.pk).status == "failed"

    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_at is not None
    assert "2 deliveries in a row failed" in endpoint.disabled_reason
    assert "HTTP 500" in endpoint.disabled_reason
    third.refresh_from_db()
    assert third.status == "cancelled"  # nothing more goes to a disabled endpoint
    assert delivery.attempt_delivery(third.pk) is None
    assert len(receiver.received) == 2
    (notice,) = mailoutbox
    assert notice.to == [endpoint.owner.email] and endpoint.url in notice.subject
    sections = {section.key: section for section in desk_for(superuser)}
    assert [row.title for row in sections["webhooks"].rows] == [str(endpoint)]


def test_a_success_resets_the_failure_count(receiver, quick_rules):
    quick_rules.WEBHOOKS_MAX_ATTEMPTS = 1
    endpoint = WebhookEndpointFactory(url=receiver.url("/hook"))
    receiver.respond = failing(500)
    delivery.attempt_delivery(queued_test_event(endpoint).pk)
    receiver.respond = lambda path: Reply(b"ok", 200, "text/plain")
    delivery.attempt_delivery(queued_test_event(endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failures == 0


def test_an_endpoint_disabled_meanwhile_gets_nothing(receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url("/hook"))
    item = queued_test_event(endpoint)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    assert delivery.attempt_delivery(item.pk).status == "cancelled"
    assert receiver.received == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://2130706433:{port}/hook",  # 127.0.0.1 as one integer
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_private_targets_are_refused_without_the_allow_list(receiver, settings, url):
    settings.SOURCES_FETCH_ALLOW = []  # production
    endpoint = WebhookEndpointFactory(url=url.format(port=receiver.port))
    item = queued_test_event(endpoint)

    result = delivery.attempt_delivery(item.pk)

    assert result.status == "pending"  # retried later: the policy may be fixed meanwhile
    (attempt,) = item.attempt_log.all()
    assert not attempt.succeeded and attempt.response_status is None
    assert any(word in attempt.error for word in ("blocked", "private", "local"))
    assert receiver.received == []


def test_a_redirect_is_a_failed_delivery_and_is_not_followed(receiver):
    receiver.respond = failing(307, Location="http://127.0.0.1:1/elsewhere")
    item = queued_test_event(WebhookEndpointFactory(url=receiver.url("/hook")))
    assert delivery.attempt_delivery(item.pk).status == "pending"
    assert [r.path for r in receiver.received] == ["/hook"]
    assert item.attempt_log.get().response_status == 307


def test_redelivery_sends_the_same_message_again(receiver, quick_rules):
    quick_rules.WEBHOOKS_MAX_ATTEMPTS = 1
    quick_rules.WEBHOOKS_DISABLE_AFTER_FAILURES = 10
    receiver.respond = failing(500)
    item = queued_test_event(WebhookEndpointFactory(url=receiver.url("/hook")))
    assert delivery.attempt_delivery(item.pk).status == "failed"
    receiver.respond = lambda path: Reply(b"", 204, "text/plain")

    assert delivery.redeliver([item.pk]) == [item.pk]
    assert delivery.attempt_delivery(item.pk).status == "delivered"

    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert json.loads(first.body) == json.loads(again.body)
    assert item.attempt_log.count() == 2


def test_redelivery_to_a_disabled_endpoint_is_refused(receiver):
    item = queued_test_event(WebhookEndpointFactory(url=receiver.url("/hook"), enabled=False))
    with pytest.raises(delivery.RedeliveryRefused):
        delivery.redeliver([item.pk])


def test_due_deliveries_are_the_pending_ones_whose_time_came(receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url("/hook"))
    due, later, done = (queued_test_event(endpoint) for _ in range(3))
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=now + timedelta(hours=1))
    WebhookDelivery.objects.filter(pk=done.pk).update(status="delivered")
    assert delivery.due_deliveries(now + timedelta(seconds=1)) == [due.pk]


def test_a_binary_answer_is_logged_as_text_the_database_accepts(receiver):
    receiver.respond = lambda path: Reply(b"ok\x00\xff\x1b[31m done", 200, "text/plain")
    item = queued_test_event(WebhookEndpointFactory(url=receiver.url("/hook")))
    assert delivery.attempt_delivery(item.pk).status == "delivered"
    logged = item.attempt_log.get().response_body
    assert logged.startswith("ok") and logged.endswith("done") and "\x00" not in logged
