"""webhooks.tasks: the sweep and the delivery task in-process, then the outbox with the real
processes: a Celery worker and beat on a private PostgreSQL and Redis
(tests/support/services.py, `services` tests), delivering to a receiver on 127.0.0.1 here.

The fault: Redis (the broker) is stopped when a claim is published, so the delivery task
cannot be enqueued at commit; the outbox row waits, and once Redis is back the beat sweep
enqueues it and the worker delivers it, signed, exactly once. Every wait is bounded.
"""

from __future__ import annotations

import json
import time

import pytest
from standardwebhooks import Webhook

from tests.factories import WebhookEndpointFactory
from tests.support.environment import missing_dependency
from tests.support.servers import LocalServer, Reply
from tests.support.services import (
    OwnPostgres,
    OwnRedis,
    app_env,
    celery_beat,
    celery_worker,
    django_script,
    manage,
    missing_tools,
    wait_for,
)
from webhooks import events, tasks
from webhooks.models import WebhookDelivery

DATABASE = "cw_webhooks"

SEED = """
import json
from claims.models import Claim
from tests.factories import ClaimFactory, ReviewerFactory, WebhookEndpointFactory, rating
ReviewerFactory(username="reviewer")
endpoint = WebhookEndpointFactory(url="{url}")
claims = [ClaimFactory(status=Claim.Status.IN_REVIEW, rating=rating("accurate"),
                       verdict_summary="Right on the figures.") for _ in range(2)]
print(json.dumps({{"secret": endpoint.secret, "claims": [c.pk for c in claims]}}))
"""

PUBLISH = """
import json
from django.contrib.auth.models import User
from claims import workflow
from claims.models import Claim
from webhooks.models import WebhookEvent
claim = workflow.publish(Claim.objects.get(pk={pk}), User.objects.get(username="reviewer"))
print(json.dumps([e.webhook_id for e in WebhookEvent.objects.filter(claim=claim)]))
"""


class Stack:
    def __init__(self, tmp_path_factory):
        self.logs = tmp_path_factory.mktemp("webhook-logs")
        self.postgres = OwnPostgres(55442).init()
        self.redis = OwnRedis(6392)
        self.receiver = LocalServer(lambda path: Reply(b"", 204, "text/plain"))

    def env(self) -> dict:
        return app_env(self.postgres, DATABASE, self.redis, WEBHOOKS_SWEEP_SECONDS="1")

    def delivery_status(self, webhook_id: str) -> str:
        rows = self.postgres.query(
            DATABASE,
            "SELECT d.status FROM webhooks_webhookdelivery d JOIN webhooks_webhookevent e "
            "ON e.id = d.event_id WHERE e.message_id = %s",
            (webhook_id.removeprefix("msg_"),),
        )
        return rows[0][0]

    def received(self, webhook_id: str) -> list:
        return [r for r in self.receiver.received if r.headers.get("webhook-id") == webhook_id]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if missing_tools():
        missing_dependency(f"webhook fault tests need {', '.join(missing_tools())}")
    stack = Stack(tmp_path_factory)
    try:
        stack.postgres.start()
        stack.redis.start()
        stack.postgres.create_database(DATABASE)
        manage(stack.env(), "migrate", "--noinput", timeout=300)
        stack.seed = django_script(stack.env(), SEED.format(url=stack.receiver.url("/hook")))
        stack.worker = celery_worker(stack.env(), "webhook-worker", stack.logs, 2, "threads")
        stack.beat = celery_beat(stack.env(), "webhook-beat", stack.logs)
        wait_for(lambda: "ready." in stack.worker.tail(200), 90, "worker did not start")
        yield stack
    finally:
        for name in ("beat", "worker"):
            if hasattr(stack, name):
                getattr(stack, name).stop()
        stack.receiver.close()
        stack.redis.stop()
        stack.postgres.destroy()


def _publish(stack, claim_id: int) -> str:
    (webhook_id,) = django_script(stack.env(), PUBLISH.format(pk=claim_id))
    return webhook_id


def _verified(stack, webhook_id: str) -> dict:
    (sent,) = stack.received(webhook_id)
    return Webhook(stack.seed["secret"]).verify(sent.body, sent.headers)


@pytest.mark.django_db
def test_the_sweep_sends_deliveries_whose_task_was_lost(eager, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url("/hook"))
    (lost,) = events.record_test_event(endpoint)  # written, never enqueued
    assert tasks.sweep_webhook_deliveries() == 1
    assert WebhookDelivery.objects.get(pk=lost).status == "delivered"
    assert tasks.sweep_webhook_deliveries() == 0
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_in_process_a_failed_attempt_leaves_its_retry_to_the_sweep(eager, receiver, settings):
    receiver.respond = lambda path: Reply(b"no", 500, "text/plain")
    (item,) = events.record_test_event(WebhookEndpointFactory(url=receiver.url("/hook")))
    assert tasks.deliver_webhook(item) == "pending"
    assert len(receiver.received) == 1  # not retried at once, inside the same call
    assert tasks.sweep_webhook_deliveries() == 0  # not due yet


@pytest.mark.services
def test_a_publication_reaches_the_receiver_through_the_worker(stack):
    webhook_id = _publish(stack, stack.seed["claims"][0])
    wait_for(lambda: stack.received(webhook_id), 60, lambda: stack.worker.tail())
    payload = _verified(stack, webhook_id)
    assert payload["type"] == "claim.published"
    assert payload["data"]["claim"]["id"] == stack.seed["claims"][0]
    wait_for(lambda: stack.delivery_status(webhook_id) == "delivered", 20, "not recorded")


@pytest.mark.services
def test_the_outbox_survives_a_broker_outage_at_commit(stack):
    stack.redis.stop()
    try:
        webhook_id = _publish(stack, stack.seed["claims"][1])  # commits; enqueueing fails
        time.sleep(2)
        assert stack.delivery_status(webhook_id) == "pending"
        assert stack.received(webhook_id) == []
    finally:
        stack.redis.start()  # empty: no message of this delivery exists anywhere
    wait_for(
        lambda: stack.received(webhook_id),
        90,
        lambda: f"the sweep never sent it\n{stack.worker.tail()}\n{stack.beat.tail(30)}",
    )
    wait_for(lambda: stack.delivery_status(webhook_id) == "delivered", 20, "not recorded")
    time.sleep(3)  # later sweeps find nothing due: one POST, not one per sweep
    payload = _verified(stack, webhook_id)
    assert payload["data"]["claimReview"]["@type"] == "ClaimReview"
    assert stack.worker.process.poll() is None, stack.worker.tail()
    assert json.loads(stack.received(webhook_id)[0].body) == payload
