"""Liveness and readiness probes for load balancers and orchestrators (plumbing, no business logic).

- `/healthz`: the process answers; touches nothing else (a database outage must not get every
  web process restarted).
- `/readyz`: each dependency with its status and, for the Celery side, heartbeat ages:
  database (SELECT 1), cache (Redis PING), broker (connection), worker (last heartbeat written by
  the worker, ops/signals.py) and dispatcher (last successful `dispatch_due_checks`, i.e. beat
  is alive). 503 when a component named in READYZ_REQUIRED is down; the others are reported
  ("degraded") without taking the web process out of rotation, because it serves without them.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

HEARTBEAT_KEY = "ops:heartbeat:{}"
# Heartbeats outlive any sensible staleness threshold, then vanish ("missing").
HEARTBEAT_TTL = 24 * 3600


def record_heartbeat(component: str) -> None:
    """Store "`component` was alive now" (wall clock, shared by every host) in the cache."""
    cache.set(HEARTBEAT_KEY.format(component), time.time(), timeout=HEARTBEAT_TTL)


def heartbeat_age(component: str) -> float | None:
    """Seconds since `component` last recorded a heartbeat; None if never (or cache down)."""
    stamp = cache.get(HEARTBEAT_KEY.format(component))
    return None if stamp is None else max(0.0, time.time() - float(stamp))


def _timed(probe) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = probe() or {}
        status = detail.pop("status", "ok")
    except Exception as error:  # a probe reports any failure; it never raises
        detail, status = {"error": f"{type(error).__name__}: {error}"[:300]}, "down"
    return {"status": status, "latency_ms": round((time.perf_counter() - started) * 1000, 1)} | (
        detail
    )


def _probe_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _probe_cache() -> dict[str, Any]:
    backend = settings.CACHES["default"]["BACKEND"]
    if hasattr(cache, "ping"):  # ops.cache.FailSoftRedisCache: errors are swallowed otherwise
        return {} if cache.ping() else {"status": "down", "error": "Redis does not answer"}
    cache.set("ops:readyz", "1", timeout=10)
    if cache.get("ops:readyz") != "1":
        return {"status": "down", "error": f"{backend} did not return what was stored"}
    return {}


def _probe_broker() -> dict[str, Any]:
    if not settings.CELERY_BROKER_URL:
        return {"status": "not_configured", "detail": "tasks run in-process"}
    # The connection the workers' Celery app would open (same URL, timeout, transport options).
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT,
        transport_options=dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS),
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
    return {}


def _heartbeat(component: str) -> dict[str, Any]:
    if not settings.CELERY_BROKER_URL:
        return {"status": "not_configured", "detail": "tasks run in-process"}
    age = heartbeat_age(component)
    if age is None:
        return {"status": "missing", "age_seconds": None}
    status = "ok" if age <= settings.HEARTBEAT_STALE_SECONDS else "stale"
    return {"status": status, "age_seconds": round(age, 1)}


def readiness() -> tuple[bool, dict[str, Any]]:
    """Probe every component; ready unless a required one is not "ok"."""
    components = {
        "database": _timed(_probe_database),
        "cache": _timed(_probe_cache),
        "broker": _timed(_probe_broker),
        "worker": _timed(lambda: _heartbeat("worker")),
        "dispatcher": _timed(lambda: _heartbeat("dispatcher")),
    }
    required = set(settings.READYZ_REQUIRED)
    for name, component in components.items():
        component["required"] = name in required
    ready = all(
        component["status"] == "ok"
        for name, component in components.items()
        if component["required"]
    )
    healthy = all(c["status"] in ("ok", "not_configured") for c in components.values())
    return ready, {
        "status": "ok" if healthy else ("degraded" if ready else "unavailable"),
        "components": components,
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, report = readiness()
    return JsonResponse(report, status=200 if ready else 503)
