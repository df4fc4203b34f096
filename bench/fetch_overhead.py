"""What the safety of sources.fetching costs per request, against plain httpx, same run.

    .venv/bin/python bench/fetch_overhead.py [--requests 300]

A local multi-threaded server on 127.0.0.1 serves a small HTML page and a 1 MB page sent
gzip-compressed. Each is fetched sequentially N times by:
  - the baseline: `httpx.get(url)` (a new client per request, the decoding httpx does itself);
  - a shared `httpx.Client` (pooled keep-alive connections, one TLS context): the floor;
  - `sources.fetching.fetch(url)` (URL policy, one DNS lookup in the resolver thread, address
    check, guarded connection, manual redirects, deadline, capped incremental decoding).
A third row follows one redirect through each. Reports the median ms per request and the ratio.
No database is needed; bounded in count (N) and time (a few seconds at the default N).
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.servers import LocalServer, Reply  # noqa: E402 - after the repo is on the path

SMALL = b"<!doctype html><title>Bench</title><p>" + b"9,400 people, up 19%. " * 200 + b"</p>"
LARGE_GZ = gzip.compress(b"<p>" + b"The figure was 9,400 in March. " * 33000 + b"</p>")


def respond(path: str) -> Reply:
    if path == "/redirect":
        return Reply(status=302, headers={"Location": "/small"})
    if path == "/large":
        return Reply(LARGE_GZ, headers={"Content-Encoding": "gzip"})
    return Reply(SMALL)


def median_ms(call, url: str, n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    n = max(10, min(args.requests, 5000))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ["SOURCES_FETCH_ALLOW"] = "127.0.0.1,localhost"
    import django

    django.setup()
    import httpx

    from sources.fetching import fetch

    # HTTP/1.1 with keep-alive; each answer goes out in one write (see tests/support/servers).
    server = LocalServer(respond, keep_alive=True)
    base = server.base_url

    def baseline(url: str) -> None:
        response = httpx.get(url, follow_redirects=True, trust_env=False)
        assert response.status_code == 200 and response.content

    shared = httpx.Client(follow_redirects=True, trust_env=False)

    def pooled(url: str) -> None:  # connections and TLS context reused: the cheapest httpx
        response = shared.get(url)
        assert response.status_code == 200 and response.content

    def guarded(url: str) -> None:
        result = fetch(url)
        assert result.outcome == "ok" and result.body, result.error

    rows = []
    for label, path in (("small page (9 KB)", "/small"), ("1 MB page, gzip", "/large"),
                        ("one redirect + small page", "/redirect")):  # fmt: skip
        baseline(base + path), guarded(base + path)  # warm up both
        pooled(base + path)
        plain = median_ms(baseline, base + path, n)
        reused = median_ms(pooled, base + path, n)
        safe = median_ms(guarded, base + path, n)
        rows.append((label, plain, reused, safe))
    server.close()

    print(f"## Safe fetcher overhead\n\n`bench/fetch_overhead.py --requests {n}`, "
          f"{datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} CPUs "
          f"(shared), Python {platform.python_version()}, httpx {httpx.__version__}. Median ms "
          "per sequential request to a local server; baseline = `httpx.get` in the same run.\n")  # fmt: skip
    print(
        "| request | httpx.get (ms) | shared httpx.Client (ms) | fetch (ms) "
        "| fetch / httpx.get | fetch / shared client |\n|---|---:|---:|---:|---:|---:|"
    )
    for label, plain, reused, safe in rows:
        print(
            f"| {label} | {plain:.2f} | {reused:.2f} | {safe:.2f} | {safe / plain:.2f}× "
            f"| {safe / reused:.2f}× |"
        )


if __name__ == "__main__":
    main()
