"""Mixed load for a bounded time against the production stack; p99 as a ratio to hello-world.

Starts a private PostgreSQL and Redis (tests/support/services.py), migrates, seeds published claims
with sources on a local HTTP server, then runs gunicorn with production settings
(DEBUG=0, bench/settings.py adds /bench/hello/), a Celery worker and beat re-checking the
sources every few seconds, and N client threads pacing a bounded total --rate for --seconds:

  public pages (home, lists, claim, claimant, search)  API reads (claims, sources)
  admin saves (an editor edits a draft claim)          hello-world (the baseline)

Every answer must be 200 (302 for an admin save): any other status or exception is an error.
Run: .venv/bin/python bench/load.py [--seconds 60] [--clients 8] [--rate 20] [--web-workers 2]
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.forms import form_data
from tests.support.pages import statement_page
from tests.support.servers import LocalServer
from tests.support.services import (
    OwnPostgres,
    OwnRedis,
    app_env,
    celery_beat,
    celery_worker,
    django_script,
    free_port,
    gunicorn,
    manage,
)

DATABASE = "cw_load"
PASSWORD = "load-bench-password-1"

SEED = """
import json
from tests.factories import (CitationFactory, ClaimFactory, ClaimantFactory, EditorFactory,
    FigureFactory, PublishedClaimFactory, SourceFactory, TopicFactory)
topics = [TopicFactory() for _ in range(5)]
claimants = [ClaimantFactory() for _ in range(10)]
published = []
for i in range(60):
    claim = PublishedClaimFactory(claimant=claimants[i % 10])
    claim.topics.add(topics[i % 5])
    FigureFactory(claim=claim)
    CitationFactory(claim=claim, source=SourceFactory(url="{base}/source-%d" % i))
    published.append(claim)
drafts = [ClaimFactory(claimant=claimants[0]).pk for _ in range({clients})]
for n in range({clients}):
    EditorFactory(username="editor%d" % n, password="{password}")
print(json.dumps({{
    "claims": [c.get_absolute_url() for c in published[:20]],
    "claim_ids": [c.pk for c in published[:20]],
    "claimants": [c.get_absolute_url() for c in claimants],
    "drafts": drafts,
}}))
"""

CHECKS_DONE = "SELECT coalesce(sum(repeat_count), 0) FROM sources_sourcecheck"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Load:
    def __init__(self, base: str, seed: dict, seconds: float, rate: float, clients: int):
        self.base = base
        # Paced clients: a bounded offered load, so latency is service time, not queueing.
        self.interval = clients / rate
        self.seed = seed
        self.deadline = time.monotonic() + seconds
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def _record(self, kind: str, started: float, response: httpx.Response, ok: tuple[int, ...]):
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(elapsed)
            if response.status_code not in ok:
                self.errors.append(f"{kind} {response.request.url.path} {response.status_code}")

    def _get(self, client: httpx.Client, kind: str, path: str) -> httpx.Response:
        started = time.perf_counter()
        response = client.get(path)
        self._record(kind, started, response, (200,))
        return response

    def _admin_save(self, client: httpx.Client, draft_id: int, n: int) -> None:
        url = f"/admin/claims/claim/{draft_id}/change/"
        page = client.get(url)
        data = form_data(page.text, "claim_form")
        data["title"] = f"Draft edited under load {n}"
        started = time.perf_counter()
        response = client.post(url, data=data)
        self._record("admin save", started, response, (302,))

    def client_loop(self, number: int) -> None:
        rng = random.Random(number)
        seed = self.seed
        with (
            httpx.Client(base_url=self.base, timeout=30) as anon,
            httpx.Client(base_url=self.base, timeout=30) as editor,
        ):
            self._login(editor, f"editor{number}")
            n = 0
            next_at = time.monotonic() + rng.uniform(0, self.interval)
            while time.monotonic() < self.deadline:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += self.interval
                n += 1
                roll = rng.random()
                try:
                    if roll < 0.25:  # a large baseline sample: its p99 is the denominator
                        self._get(anon, "hello", "/bench/hello/")
                    elif roll < 0.60:
                        path = rng.choice(
                            [
                                "/",
                                "/claims/",
                                "/search/?q=returns",
                                *seed["claims"],
                                *seed["claimants"],
                            ]
                        )
                        self._get(anon, "public page", path)
                    elif roll < 0.90:
                        path = rng.choice(
                            [
                                "/api/v1/claims/",
                                "/api/v1/sources/",
                                *[f"/api/v1/claims/{pk}/" for pk in seed["claim_ids"]],
                            ]
                        )
                        self._get(anon, "API read", path)
                    else:
                        self._admin_save(editor, seed["drafts"][number], n)
                except httpx.HTTPError as error:
                    with self.lock:
                        self.errors.append(f"exception {type(error).__name__}: {error}")

    def _login(self, client: httpx.Client, username: str) -> None:
        page = client.get("/admin/login/")
        token = form_data(page.text, "login-form")["csrfmiddlewaretoken"]
        response = client.post(
            "/admin/login/?next=/admin/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {username} failed: {response.status_code}")


def run(seconds: float, clients: int, web_workers: int, rate: float) -> dict:
    logs = Path(tempfile.mkdtemp(prefix="cw-load-logs-"))
    print(f"process logs in {logs}", file=sys.stderr)
    postgres, redis, site = OwnPostgres(55442).init(), OwnRedis(6391), LocalServer(statement_page)
    processes = []
    try:
        postgres.start()
        redis.start()
        postgres.create_database(DATABASE)
        env = app_env(
            postgres,
            DATABASE,
            redis,
            DJANGO_SETTINGS_MODULE="bench.settings",
            # Sources come due again every ~4 s, so checks run all through the load.
            SOURCES_MIN_INTERVAL_HOURS="0.001",
            DISPATCH_INTERVAL_SECONDS="2",
            SOURCES_DISPATCH_LEASE_SECONDS="60",
            LOG_LEVEL="WARNING",
        )
        manage(env, "migrate", "--noinput", timeout=300)
        seed = django_script(
            env, SEED.format(base=site.url(""), clients=clients, password=PASSWORD)
        )
        port = free_port(18250)
        processes.append(gunicorn(env, port, logs, workers=web_workers, name="load-web"))
        processes.append(celery_worker(env, "load-worker", logs, concurrency=2, pool="threads"))
        processes.append(celery_beat(env, "load-beat", logs))
        time.sleep(5)  # the worker connects and the first dispatch runs

        checks_before = postgres.query(DATABASE, CHECKS_DONE)[0][0]
        load = Load(f"http://127.0.0.1:{port}", seed, seconds, rate, clients)
        threads = [threading.Thread(target=load.client_loop, args=(n,)) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 60)
        elapsed = time.monotonic() - started
        checks = postgres.query(DATABASE, CHECKS_DONE)[0][0] - checks_before
        return {
            "load": load,
            "elapsed": elapsed,
            "checks": checks,
            "site_hits": sum(site.hits.values()),
        }
    finally:
        for process in reversed(processes):
            process.stop()
        site.close()
        redis.stop()
        postgres.destroy()


def report(result: dict, clients: int, web_workers: int, rate: float) -> str:
    load: Load = result["load"]
    hello_p50 = percentile(load.latencies["hello"], 0.5)
    hello_p99 = percentile(load.latencies["hello"], 0.99)
    total = sum(len(v) for v in load.latencies.values())
    lines = [
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {platform.python_version()}, "
        f"{clients} client threads offering {rate:g} requests/s for {result['elapsed']:.0f} s, "
        f"gunicorn {web_workers} workers, "
        f"1 Celery worker (2 threads) + beat; {total} requests ({total / result['elapsed']:.0f}/s), "
        f"{len(load.errors)} errors, {result['checks']} source checks completed during the run.",
        "",
        "| kind | requests | p50 ms | p95 ms | p99 ms | p50 / hello p50 | p99 / hello p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in ("hello", "public page", "API read", "admin save"):
        values = load.latencies[kind]
        p99 = percentile(values, 0.99)
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 0.5) * 1000:.1f} | "
            f"{percentile(values, 0.95) * 1000:.1f} | {p99 * 1000:.1f} | "
            f"{percentile(values, 0.5) / hello_p50:.1f}× | {p99 / hello_p99:.1f}× |"
        )
    if load.errors:
        lines += ["", "Errors (first 20):", *[f"- {e}" for e in load.errors[:20]]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=20, help="requests per second, in all")
    args = parser.parse_args()
    result = run(args.seconds, args.clients, args.web_workers, args.rate)
    print(report(result, args.clients, args.web_workers, args.rate))
    return 1 if result["load"].errors else 0


if __name__ == "__main__":
    sys.exit(main())
