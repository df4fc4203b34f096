"""The public page cache's outcomes and hit ratio at /metrics."""

import os
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests"
COUNTER = "claimwatch_public_page_cache_requests_total"
RATIO = "claimwatch_public_page_cache_hit_ratio"


def _samples(text: str) -> dict[tuple, float]:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return _samples(response.content.decode())


def _count(samples: dict, result: str) -> float:
    return samples.get((COUNTER, (("result", result),)), 0.0)


def test_hits_misses_and_uncacheable_pages_are_counted_with_the_ratio(
    client, settings, editor_client
):
    settings.METRICS_TOKEN = TOKEN
    claim = publish_fact_check()
    before = _scrape(client)
    client.get(claim.get_absolute_url(), HTTP_HOST="127.0.0.1")  # miss
    for _ in range(3):
        assert client.get(claim.get_absolute_url(), HTTP_HOST="127.0.0.1")["X-Page-Cache"] == "hit"
    assert client.get("/claims/999999-gone/", HTTP_HOST="127.0.0.1").status_code == 404
    editor_client.get(claim.get_absolute_url(), HTTP_HOST="127.0.0.1")  # editors: not counted
    after = _scrape(client)
    delta = {r: _count(after, r) - _count(before, r) for r in ("hit", "miss", "uncacheable")}
    assert delta == {"hit": 3, "miss": 1, "uncacheable": 1}
    totals = {r: _count(after, r) for r in ("hit", "miss", "uncacheable", "bypass", "stale")}
    assert after[(RATIO, ())] == pytest.approx(totals["hit"] / sum(totals.values()))
    served = (totals["hit"] + totals["stale"]) / sum(totals.values())
    assert after[("claimwatch_public_page_cache_served_ratio", ())] == pytest.approx(served)


def test_pages_rendered_with_the_cache_off_count_as_bypass(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.PUBLIC_PAGE_CACHE = False
    claim = publish_fact_check()
    before = _count(_scrape(client), "bypass")
    client.get(claim.get_absolute_url(), HTTP_HOST="127.0.0.1")
    assert _count(_scrape(client), "bypass") - before == 1


MULTIPROCESS_SCRIPT = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from claims import cache_metrics
from ops import metrics
if sys.argv[1] == "count":
    for result in sys.argv[2:]:
        cache_metrics.count(result)
else:
    from prometheus_client import generate_latest, multiprocess
    from prometheus_client.core import CollectorRegistry
    registry = CollectorRegistry()
    registry.register(metrics._WithPageCacheRatio(multiprocess.MultiProcessCollector(None)))
    sys.stdout.write(generate_latest(registry).decode())
"""


def test_multiprocess_mode_adds_up_every_workers_outcomes_in_the_ratio(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout

    run("count", "hit", "hit", "hit", "miss")  # two "workers", separate processes
    run("count", "hit", "hit", "hit", "hit", "hit", "bypass")
    samples = _samples(run("scrape"))
    assert _count(samples, "hit") == 8
    assert _count(samples, "miss") == 1
    assert samples[(RATIO, ())] == pytest.approx(0.8)
