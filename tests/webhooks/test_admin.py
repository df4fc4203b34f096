"""Webhooks in the admin: endpoints with the secret shown once, the delivery log, redelivery."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tests.factories import EditorFactory, WebhookEndpointFactory
from webhooks import events
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def form(owner, **fields) -> dict:
    return {
        "owner": owner.pk,
        "organisation": "Newsroom",
        "url": "https://hooks.newsroom.example/in",
        "description": "Desk",
        "events": [EventType.CLAIM_PUBLISHED, EventType.SOURCE_BROKEN],
        "enabled": "on",
        **fields,
    }


def test_a_new_endpoint_shows_its_secret_once_then_only_its_ends(admin_client, superuser):
    answer = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"), form(superuser), follow=True
    )
    endpoint = WebhookEndpoint.objects.get()
    shown = " ".join(str(m) for m in get_messages(answer.wsgi_request))
    assert endpoint.secret in shown
    assert endpoint.events == [EventType.CLAIM_PUBLISHED, EventType.SOURCE_BROKEN]
    page = admin_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200
    assert endpoint.secret not in page.content.decode()
    assert endpoint.masked_secret in page.content.decode()


def test_a_private_url_is_a_form_error(admin_client, superuser, settings):
    settings.SOURCES_FETCH_ALLOW = []
    answer = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        form(superuser, url="http://10.0.0.5/hook"),
    )
    assert answer.status_code == 200
    assert "private or local address" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_redelivers_and_refuses_disabled_endpoints(admin_client):
    live = WebhookEndpointFactory()
    off = WebhookEndpointFactory(enabled=False)
    (sent,) = events.record_test_event(live)
    (stuck,) = events.record_test_event(off)
    WebhookDelivery.objects.update(status="failed", next_attempt_at=None)
    changelist = reverse("admin:webhooks_webhookdelivery_changelist")

    page = admin_client.get(changelist)
    assert page.status_code == 200 and "webhook.test" in page.content.decode()
    admin_client.post(changelist, {"action": "redeliver", "_selected_action": [sent]})
    assert WebhookDelivery.objects.get(pk=sent).status == "pending"
    refused = admin_client.post(
        changelist, {"action": "redeliver", "_selected_action": [stuck]}, follow=True
    )
    assert "Enable the endpoint" in refused.content.decode()
    assert WebhookDelivery.objects.get(pk=stuck).status == "failed"
    detail = admin_client.get(reverse("admin:webhooks_webhookdelivery_change", args=[sent]))
    assert detail.status_code == 200


def test_send_test_event_action_queues_a_delivery(admin_client):
    endpoint = WebhookEndpointFactory(events=[EventType.CLAIM_PUBLISHED])
    admin_client.post(
        reverse("admin:webhooks_webhookendpoint_changelist"),
        {"action": "send_test_event", "_selected_action": [endpoint.pk]},
    )
    assert WebhookDelivery.objects.get().event.type == "webhook.test"


def test_editors_without_the_permission_cannot_reach_webhooks(db):
    client = Client()
    client.force_login(EditorFactory())
    answer = client.get(reverse("admin:webhooks_webhookendpoint_changelist"))
    assert answer.status_code == 403


def test_the_endpoint_list_warns_about_disabled_endpoints(admin_client):
    WebhookEndpointFactory(enabled=False, disabled_at="2026-01-01T00:00Z", disabled_reason="x")
    answer = admin_client.get(reverse("admin:webhooks_webhookendpoint_changelist"))
    assert "1 endpoint was disabled after failing deliveries" in answer.content.decode()
