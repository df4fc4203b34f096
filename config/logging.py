"""Structured logs: one JSON object per line, per request and per source check.

Loggers:
- `claimwatch.requests`: one line per HTTP request (method, path, status, duration_ms, user).
- `claimwatch.checks`: one line per source check (source_id, outcome, duration_ms, ...), written
  by `log_check()`; the Celery worker calls it for every `sources.tasks.check_source` run
  (config/celery.py), so checks are logged without the checking code knowing about logs.
Any other logger's record becomes a JSON line too; `extra={...}` fields are included.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

request_logger = logging.getLogger("claimwatch.requests")
check_logger = logging.getLogger("claimwatch.checks")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, message, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestLogMiddleware:
    """Logs one line per request to `claimwatch.requests` and feeds the latency histogram."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else ""
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
                "user_id": user_id if user_id is not None else "anon",
            },
        )
        try:
            # Imported here: metrics pulls in prometheus_client, which logging setup does not need.
            from config.metrics import observe_request

            observe_request(request.method, route, response.status_code, duration)
        except Exception:  # metrics must never turn a served request into an error
            request_logger.exception("could not record the request latency metric")
        return response


def log_check(
    source_id: int,
    outcome: str | None,
    duration_ms: float,
    *,
    task_id: str | None = None,
    retries: int = 0,
    error: str | None = None,
) -> None:
    """Write the one `claimwatch.checks` line for a finished (or failed) check of a source."""
    level = logging.WARNING if error else logging.INFO
    check_logger.log(
        level,
        "check source %s: %s",
        source_id,
        outcome or error or "no result",
        extra={
            "source_id": source_id,
            "outcome": outcome,
            "duration_ms": round(duration_ms, 2),
            "task_id": task_id,
            "retries": retries,
            "error": error,
        },
    )
