"""/api/v1/webhooks/: each token-authenticated client manages its own subscriptions."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory, WebhookEndpointFactory
from tests.support.builders import token_client
from webhooks import events
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


@pytest.fixture
def client_user():
    return UserFactory(username="aggregator", is_staff=False)


@pytest.fixture
def api(client_user) -> APIClient:
    return token_client(client_user)


def test_creating_an_endpoint_returns_its_secret_once(api, client_user, settings):
    settings.SOURCES_FETCH_ALLOW = []
    answer = api.post(
        URL,
        {
            "url": "https://hooks.newsroom.example/claimwatch",
            "description": "Newsroom desk",
            "events": ["claim.corrected", "claim.published"],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["claim.published", "claim.corrected"]  # in the documented order
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.owner == client_user and endpoint.secret == body["secret"]
    read = api.get(f"{URL}{endpoint.pk}/").json()
    assert "secret" not in read and read["url"] == endpoint.url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8000/hook", "private or local"),
        ("http://169.254.169.254/latest/meta-data/", "private or local"),
        ("http://localhost/hook", "local host name"),
        ("ftp://hooks.example.org/", "http"),
        ("https://user:pw@hooks.example.org/", "user name"),
        ("not a url", ""),
    ],
)
def test_bad_or_private_urls_get_a_400_with_a_field_error(api, settings, url, message):
    settings.SOURCES_FETCH_ALLOW = []
    answer = api.post(URL, {"url": url, "events": ["claim.published"]}, format="json")
    assert answer.status_code == 400
    errors = answer.json()["errors"]["url"]
    assert errors and message in " ".join(errors)
    assert not WebhookEndpoint.objects.exists()


def test_unknown_or_missing_events_get_a_400(api):
    for chosen in ([], ["claim.deleted"], "claim.published"):
        answer = api.post(
            URL, {"url": "https://hooks.example.org/x", "events": chosen}, format="json"
        )
        assert answer.status_code == 400
        assert any(key.startswith("events") for key in answer.json()["errors"])


def test_a_client_sees_and_changes_only_its_own_endpoints(api, client_user):
    mine = WebhookEndpointFactory(owner=client_user)
    theirs = WebhookEndpointFactory()
    listed = api.get(URL).json()
    assert [item["id"] for item in listed["results"]] == [mine.pk]
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.patch(f"{URL}{theirs.pk}/", {"enabled": False}, format="json").status_code == 404
    assert api.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert api.delete(f"{URL}{mine.pk}/").status_code == 204
    assert list(WebhookEndpoint.objects.all()) == [theirs]


def test_anonymous_and_session_clients_are_refused(client_user, editor_client):
    assert APIClient().get(URL).status_code == 401
    # The API's webhooks are for token clients; a signed-in editor's browser session is not one.
    assert editor_client.get(URL).status_code in (401, 403)


def test_enabling_a_disabled_endpoint_clears_its_failures(api, client_user):
    endpoint = WebhookEndpointFactory(
        owner=client_user, enabled=False, consecutive_failures=5, disabled_reason="5 failed"
    )
    answer = api.patch(f"{URL}{endpoint.pk}/", {"enabled": True}, format="json")
    assert answer.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failures == 0
    assert endpoint.disabled_reason == "" and endpoint.disabled_at is None


def test_test_event_rotation_and_delivery_log(api, client_user, receiver, eager):
    endpoint = WebhookEndpointFactory(owner=client_user, url=receiver.url("/hook"))
    answer = api.post(f"{URL}{endpoint.pk}/test/")
    assert answer.status_code == 202
    (delivery_id,) = answer.json()["deliveries"]
    assert WebhookDelivery.objects.get(pk=delivery_id).event.type == "webhook.test"

    rotated = api.post(f"{URL}{endpoint.pk}/rotate-secret/").json()["secret"]
    endpoint.refresh_from_db()
    assert rotated.startswith("whsec_") and endpoint.secret == rotated

    log = api.get(f"{URL}{endpoint.pk}/deliveries/").json()
    assert [item["id"] for item in log] == [delivery_id]
    assert log[0]["event_type"] == "webhook.test" and log[0]["status"] == "pending"


def test_the_delivery_log_costs_the_same_queries_for_few_or_many(api, client_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    endpoint = WebhookEndpointFactory(owner=client_user)
    counts = []
    for total in (2, 12):
        while WebhookDelivery.objects.filter(endpoint=endpoint).count() < total:
            events.record_test_event(endpoint)
        with CaptureQueriesContext(connection) as captured:
            answer = api.get(f"{URL}{endpoint.pk}/deliveries/")
        assert len(answer.json()) == total
        counts.append(len(captured))
    assert counts[0] == counts[1]
