"""Structured logs: one JSON object per line (the LOGGING formatter "json" in settings).

Loggers that carry the fields operators query:
- `claimwatch.requests`: one line per HTTP request (method, path, route, status, duration_ms,
  user, client address), written by ops.middleware.RequestLogMiddleware.
- `claimwatch.checks`: one line per source check (source_id, outcome, duration_ms, ...), written
  by `sources.checklog.log_check()`; for single checks the worker calls it from ops.signals, so
  the checking code knows nothing about logs.
Any other logger's record becomes a JSON line too; `extra={...}` fields are included.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

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
