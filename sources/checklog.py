"""The one log line per source check (logger `claimwatch.checks`), with fields to query on.

Called by the batch task for each source it checked, and by the worker's task signals
(ops.signals) for single checks; the JSON formatter (ops.logging) puts the fields on the line.
"""

from __future__ import annotations

import logging

check_logger = logging.getLogger("claimwatch.checks")


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
