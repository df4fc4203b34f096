"""How the public page cache answers readers: a Prometheus counter by result.

Counted in this process's memory (or, with PROMETHEUS_MULTIPROC_DIR set, in its file there),
so counting a hit costs no network I/O; ops/metrics.py adds the processes up at scrape time
and derives the hit ratio.
"""

from __future__ import annotations

import os

from prometheus_client import Counter

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # prometheus_client writes one file per process there; a missing directory must not break
    # the first request counted.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

HIT = "hit"  # served from the cache
MISS = "miss"  # rendered and stored
UNCACHEABLE = "uncacheable"  # rendered, not storable (not a 200, a cookie set, streamed)
BYPASS = "bypass"  # rendered without the cache (switched off or unreachable)
STALE = "stale"  # the page's previous rendering, while a warm-up renders it (or no database)
RESULTS = (HIT, MISS, UNCACHEABLE, BYPASS, STALE)

COUNTER_NAME = "claimwatch_public_page_cache_requests"

# Registered with no registry: ops.metrics collects it (one process) or reads the files
# (multiprocess mode) when it is scraped.
PAGE_CACHE_REQUESTS = Counter(
    COUNTER_NAME,
    "Anonymous GET/HEAD requests for public pages, by how the page cache answered.",
    ["result"],
    registry=None,
)
_by_result = {result: PAGE_CACHE_REQUESTS.labels(result) for result in RESULTS}


def count(result: str) -> None:
    """One anonymous public page request answered with `result` (one of RESULTS)."""
    _by_result[result].inc()


def hit_ratio(totals: dict[str, float], served: tuple[str, ...] = (HIT,)) -> float | None:
    """Requests answered with one of `served` over all counted requests, from per-result
    totals; None before any request."""
    total = sum(totals.values())
    return sum(totals.get(result, 0.0) for result in served) / total if total else None
