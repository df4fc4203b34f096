"""ops/health.py: /healthz liveness and /readyz readiness with heartbeat ages."""

import time

import pytest
from django.core.cache import cache
from django.db import OperationalError

from ops import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_reports_every_component_and_is_ready_in_the_embedded_setup(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert set(body["components"]) == {"database", "cache", "broker", "worker", "dispatcher"}
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["database"]["required"] is True
    # No broker configured: tasks run in-process, nothing to wait for.
    assert body["components"]["worker"]["status"] == "not_configured"
    assert body["status"] == "ok"


def test_readyz_is_503_when_the_database_is_down(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_probe_database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["components"]["database"]["status"] == "down"
    assert "connection refused" in body["components"]["database"]["error"]


def test_unreachable_broker_is_reported_but_not_required_by_default(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["broker"]["status"] == "down"
    assert body["components"]["worker"]["status"] == "missing"


def test_required_broker_down_makes_readyz_503(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.READYZ_REQUIRED = ["database", "broker"]
    assert client.get("/readyz").status_code == 503


def test_heartbeat_ages_are_reported_and_go_stale(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.HEARTBEAT_STALE_SECONDS = 60
    health.record_heartbeat("worker")
    cache.set(health.HEARTBEAT_KEY.format("dispatcher"), time.time() - 3600)
    components = client.get("/readyz").json()["components"]
    assert components["worker"]["status"] == "ok"
    assert components["worker"]["age_seconds"] < 5
    assert components["dispatcher"]["status"] == "stale"
    assert components["dispatcher"]["age_seconds"] >= 3600


def test_heartbeat_age_is_none_when_never_recorded():
    assert health.heartbeat_age("worker") is None
    health.record_heartbeat("worker")
    assert 0 <= health.heartbeat_age("worker") < 5


def test_probes_only_answer_get(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
