"""ops/metrics.py: the Prometheus endpoint, its token, and what it reports."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sources.models import Source, SourceCheck
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


def _scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(client, metrics_on):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401


def test_checks_by_outcome_count_repeats_and_sources_by_state(client, metrics_on):
    ok = SourceFactory(state=Source.State.OK)
    broken = SourceFactory(state=Source.State.BROKEN)
    SourceCheck.objects.create(source=ok, outcome="ok", repeat_count=5)
    SourceCheck.objects.create(source=broken, outcome="not_found", repeat_count=3)
    SourceCheck.objects.create(source=broken, outcome="timeout")
    samples = _scrape(client)
    assert samples[("claimwatch_source_checks_total", (("outcome", "ok"),))] == 5
    assert samples[("claimwatch_source_checks_total", (("outcome", "not_found"),))] == 3
    assert samples[("claimwatch_source_checks_total", (("outcome", "timeout"),))] == 1
    assert samples[("claimwatch_sources", (("state", "ok"),))] == 1
    assert samples[("claimwatch_sources", (("state", "broken"),))] == 1
    assert samples[("claimwatch_sources", (("state", "changed"),))] == 0


def test_request_latency_histogram_counts_requests(client, metrics_on):
    before = _scrape(client)
    key = (
        "claimwatch_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "healthz"), ("status", "2xx")),
    )
    for _ in range(3):
        client.get("/healthz")
    after = _scrape(client)
    assert after[key] - before.get(key, 0) == 3


def test_queue_length_is_absent_without_a_redis_broker_and_scrape_survives_a_dead_one(
    client, metrics_on, settings
):
    settings.CELERY_BROKER_URL = ""
    assert not any(name == "claimwatch_celery_queue_length" for name, _ in _scrape(client))
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert not any(name == "claimwatch_celery_queue_length" for name, _ in _scrape(client))


def test_scrape_does_a_fixed_number_of_queries(client, metrics_on, django_assert_max_num_queries):
    for _ in range(20):
        SourceCheck.objects.create(source=SourceFactory(), outcome="ok")
    with django_assert_max_num_queries(5):
        _scrape(client)


@pytest.mark.services
def test_queue_length_is_the_redis_list_length_of_the_celery_queue(client, metrics_on, settings):
    import os

    import redis

    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    settings.CELERY_QUEUE_NAME = "cw-e-metrics-test-queue"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(settings.CELERY_QUEUE_NAME)
    try:
        broker.rpush(settings.CELERY_QUEUE_NAME, "a", "b", "c")
        broker.rpush(settings.CELERY_QUEUE_NAME + "\x06\x163", "high")
        assert _scrape(client)[("claimwatch_celery_queue_length", ())] == 4
    finally:
        broker.delete(settings.CELERY_QUEUE_NAME, settings.CELERY_QUEUE_NAME + "\x06\x163")
        broker.close()


MULTIPROCESS_SCRIPT = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from ops import metrics
if sys.argv[1] == "observe":
    for _ in range(int(sys.argv[2])):
        metrics.observe_request("GET", "healthz", 200, 0.01)
else:
    from prometheus_client import generate_latest
    from prometheus_client.core import CollectorRegistry
    from prometheus_client import multiprocess
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    sys.stdout.write(generate_latest(registry).decode())
"""


def test_multiprocess_mode_adds_up_the_latency_of_every_gunicorn_worker(tmp_path):
    import subprocess
    import sys

    env = {**__import__("os").environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout

    run("observe", "3")  # two "workers", separate processes
    run("observe", "4")
    text = run("scrape")
    counts = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "claimwatch_http_request_duration_seconds_count"
    ]
    assert counts == [7]
