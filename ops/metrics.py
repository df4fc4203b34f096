"""Prometheus metrics at /metrics (text exposition format), off unless METRICS_TOKEN is set.

Two kinds of numbers, because gunicorn runs several processes:
- State of the system (checks by outcome, sources by state, due sources, queue length, heartbeat
  ages) is read from PostgreSQL/Redis at scrape time, so every process gives the same answer.
- Request latency is a histogram kept in each process. With one gunicorn worker that is the
  whole picture; with several, set PROMETHEUS_MULTIPROC_DIR to an empty directory (the
  prometheus_client multiprocess mode): every process writes its samples there and a scrape
  adds them up.
Scrape with `Authorization: Bearer $METRICS_TOKEN`.
"""

from __future__ import annotations

import hmac
import logging
import os

import redis
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from claims import cache_metrics
from ops.health import heartbeat_age
from sources import stats

logger = logging.getLogger("claimwatch.metrics")

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
if MULTIPROCESS:
    # prometheus_client writes one file per process there; a missing directory must not break
    # every request.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

# Per-process registry; in multiprocess mode the samples also go to PROMETHEUS_MULTIPROC_DIR.
_process_registry = CollectorRegistry(auto_describe=True)
REQUEST_LATENCY = Histogram(
    "claimwatch_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, URL pattern and status class.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=_process_registry,
)

# Kombu's Redis transport keeps each priority level in its own list: "celery", "celery\x06\x163"...
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Record one request's duration (called by ops.middleware.RequestLogMiddleware)."""
    REQUEST_LATENCY.labels(method, route or "unmatched", f"{status // 100}xx").observe(seconds)


def celery_queue_length() -> int | None:
    """Messages waiting in the Celery queue (Redis LLEN), None without a Redis broker."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        name = settings.CELERY_QUEUE_NAME
        return sum(client.llen(name + suffix) for suffix in _PRIORITY_SUFFIXES)
    finally:
        client.close()


class DatabaseCollector:
    """Metrics computed from the database (and broker) when Prometheus scrapes."""

    def collect(self):
        checks = CounterMetricFamily(
            "claimwatch_source_checks",
            "Source checks done, by outcome (repeats of an unchanged outcome included).",
            labels=["outcome"],
        )
        for outcome, count in stats.checks_by_outcome().items():
            checks.add_metric([outcome], count)
        yield checks

        sources = GaugeMetricFamily(
            "claimwatch_sources", "Monitored sources, by state.", labels=["state"]
        )
        for state, count in stats.sources_by_state().items():
            sources.add_metric([state], count)
        yield sources

        yield GaugeMetricFamily(
            "claimwatch_sources_due",
            "Sources whose next check time has passed (the dispatcher's backlog).",
            value=stats.due_source_count(),
        )

        try:
            length = celery_queue_length()
        except Exception as error:  # the broker being down must not break the scrape
            logger.warning("queue length unavailable: %s", error)
            length = None
        if length is not None:
            yield GaugeMetricFamily(
                "claimwatch_celery_queue_length",
                "Tasks waiting in the Celery queue on the broker.",
                value=length,
            )

        ages = GaugeMetricFamily(
            "claimwatch_heartbeat_age_seconds",
            "Seconds since the worker / dispatcher last reported alive.",
            labels=["component"],
        )
        for component in ("worker", "dispatcher"):
            age = heartbeat_age(component)
            if age is not None:
                ages.add_metric([component], age)
        yield ages


def _scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    samples = multiprocess.MultiProcessCollector(None) if MULTIPROCESS else _ProcessMetrics()
    registry.register(_WithPageCacheRatio(samples))
    registry.register(DatabaseCollector())
    return registry


class _ProcessMetrics:
    def collect(self):
        yield from _process_registry.collect()
        yield from cache_metrics.PAGE_CACHE_REQUESTS.collect()


class _WithPageCacheRatio:
    """The counters and histograms as collected, and the page cache's hit ratio computed from
    the page cache counter's totals (over every process, in multiprocess mode)."""

    def __init__(self, samples) -> None:
        self.samples = samples

    def collect(self):
        totals: dict[str, float] = {}
        for family in self.samples.collect():
            if family.name == cache_metrics.COUNTER_NAME:
                for sample in family.samples:
                    if sample.name.endswith("_total"):
                        result = sample.labels.get("result", "")
                        totals[result] = totals.get(result, 0.0) + sample.value
            yield family
        ratio = cache_metrics.hit_ratio(totals)
        if ratio is not None:
            yield GaugeMetricFamily(
                "claimwatch_public_page_cache_hit_ratio",
                "Share of anonymous public page requests served from the page cache at the "
                "current version, since the processes started.",
                value=ratio,
            )
            yield GaugeMetricFamily(
                "claimwatch_public_page_cache_served_ratio",
                "Share of anonymous public page requests served from the page cache, the "
                "previous rendering served while a warm-up renders the page included.",
                value=cache_metrics.hit_ratio(totals, (cache_metrics.HIT, cache_metrics.STALE)),
            )


def _authorised(request: HttpRequest) -> bool:
    expected = f"Bearer {settings.METRICS_TOKEN}"
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), expected.encode())


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format; 404 when METRICS_TOKEN is unset, 401 without the token."""
    if not settings.METRICS_TOKEN:
        raise Http404("Metrics are off (set METRICS_TOKEN).")
    if not _authorised(request):
        response = HttpResponse("Bearer token required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_scrape_registry()), content_type=CONTENT_TYPE_LATEST)
