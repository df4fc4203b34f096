"""Mixed load for a bounded time against the production stack; p99 as a ratio to hello-world.

Starts a private PostgreSQL and Redis (tests/support/services.py), migrates, seeds published claims
with sources on a local HTTP server, then runs gunicorn with production settings
(DEBUG=0, bench/settings.py adds /bench/hello/), a Celery worker and beat re-checking the
sources every few seconds, and N client threads pacing a bounded total --rate for --seconds:

  public pages (home, lists, claim, claimant, search)  API reads (claims, sources)
  admin saves (an editor edits a draft claim)          hello-world (the baseline)

while the sources change (every few seconds some source pages get new text, and some answer
404 for a while: new snapshots and state changes) and a reviewer saves a published claim
(an update on the record) every --published-edit-every seconds. The public pages are read
once before the clients start (a site in service has them cached); the share of anonymous
public page requests served from the page cache is counted from X-Page-Cache and compared
with /metrics' claimwatch_public_page_cache_hit_ratio (gunicorn in multiprocess mode).

Every answer must be 200 (302 for an admin save): any other status or exception is an error.
Run: .venv/bin/python bench/load.py [--seconds 60] [--clients 8] [--rate 20] [--web-workers 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import random
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.forms import form_data
from tests.support.pages import statement_page
from tests.support.servers import LocalServer, Reply
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
    FigureFactory, PublishedClaimFactory, ReviewerFactory, SourceFactory, TopicFactory)
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
ReviewerFactory(username="reviewer0", password="{password}")
print(json.dumps({{
    "claims": [c.get_absolute_url() for c in published[:20]],
    "claim_ids": [c.pk for c in published[:20]],
    "claimants": [c.get_absolute_url() for c in claimants],
    "drafts": drafts,
}}))
"""

CHECKS_DONE = "SELECT coalesce(sum(repeat_count), 0) FROM sources_sourcecheck"
METRICS_TOKEN = "load-bench-metrics-token"
RATIO_METRIC = "claimwatch_public_page_cache_hit_ratio"


class ChangingSources:
    """`respond` for the sources' LocalServer: every `every` seconds (change()) a quarter of
    the pages get new text and a few answer 404 until the next change."""

    def __init__(self) -> None:
        self.revision = 0
        self.lock = threading.Lock()

    def change(self) -> None:
        with self.lock:
            self.revision += 1

    def __call__(self, path: str) -> Reply:
        with self.lock:
            revision = self.revision
        number = int(path.rsplit("-", 1)[-1]) if path.rsplit("-", 1)[-1].isdigit() else 0
        if revision and number % 15 == revision % 15:
            return Reply(b"<html><body><p>Not found</p></body></html>", status=404)
        reply = statement_page(path)
        if revision and number % 4 == revision % 4:
            revised = f" Revised: revision {revision}.</p></article>".encode()
            reply = dataclasses.replace(reply, body=reply.body.replace(b"</p></article>", revised))
        return reply


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
        # X-Page-Cache of each anonymous public page answer ("none": not cacheable).
        self.page_cache: Counter[str] = Counter()
        self.published_edits = 0
        self.missed: Counter[str] = Counter()  # path (its last segment) -> misses

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
                        response = self._get(anon, "public page", path)
                        result = response.headers.get("X-Page-Cache", "none")
                        with self.lock:
                            self.page_cache[result] += 1
                            if result not in ("hit", "stale"):
                                self.missed[path.split("?")[0].rsplit("/", 2)[-2] or "/"] += 1
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

    def public_paths(self) -> list[str]:
        seed = self.seed
        return ["/", "/claims/", "/search/?q=returns", *seed["claims"], *seed["claimants"]]

    def published_edit_loop(self, every: float) -> None:
        """A reviewer saves a published claim on the record (an update note) every `every` s."""
        with httpx.Client(base_url=self.base, timeout=30) as reviewer:
            self._login(reviewer, "reviewer0")
            n = 0
            while time.monotonic() + every < self.deadline:
                time.sleep(every)
                n += 1
                claim_id = self.seed["claim_ids"][n % len(self.seed["claim_ids"])]
                url = f"/admin/claims/claim/{claim_id}/change/"
                data = form_data(reviewer.get(url).text, "claim_form")
                data["verdict_summary"] = f"Reworded on the record under load ({n})."
                data["change_kind"] = "update"
                data["correction_what"] = f"Verdict summary reworded ({n})."
                started = time.perf_counter()
                response = reviewer.post(url, data=data)
                self._record("published edit", started, response, (302,))
                with self.lock:
                    self.published_edits += 1

    def _login(self, client: httpx.Client, username: str) -> None:
        page = client.get("/admin/login/")
        token = form_data(page.text, "login-form")["csrfmiddlewaretoken"]
        response = client.post(
            "/admin/login/?next=/admin/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {username} failed: {response.status_code}")


def scrape_ratio(base: str, name: str = RATIO_METRIC) -> float:
    response = httpx.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
    )
    response.raise_for_status()
    for line in response.text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return float("nan")


def scrape_counts(base: str) -> dict[str, float]:
    response = httpx.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
    )
    counts = {}
    for line in response.text.splitlines():
        if line.startswith("claimwatch_public_page_cache_requests_total{"):
            labels, value = line.rsplit(" ", 1)
            counts[labels.split('"')[1]] = float(value)
    return counts


def run(
    seconds: float,
    clients: int,
    web_workers: int,
    rate: float,
    source_change_every: float = 8,
    published_edit_every: float = 20,
) -> dict:
    logs = Path(tempfile.mkdtemp(prefix="cw-load-logs-"))
    print(f"process logs in {logs}", file=sys.stderr)
    sources = ChangingSources()
    postgres, redis, site = OwnPostgres(55442).init(), OwnRedis(6391), LocalServer(sources)
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
            METRICS_TOKEN=METRICS_TOKEN,
            # Every gunicorn worker's counters, added up at scrape time.
            PROMETHEUS_MULTIPROC_DIR=str(logs / "metrics"),
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

        base = f"http://127.0.0.1:{port}"
        time.sleep(5)  # the first checks (and the claims they flag) are done
        load = Load(base, seed, seconds, rate, clients)
        # A site in service has its pages cached: read each once, in each gunicorn worker.
        for _ in range(web_workers * 2):
            for path in load.public_paths():
                httpx.get(base + path, timeout=30)
        counts_before = scrape_counts(base)
        checks_before = postgres.query(DATABASE, CHECKS_DONE)[0][0]
        load.deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=load.client_loop, args=(n,)) for n in range(clients)]
        threads.append(
            threading.Thread(target=load.published_edit_loop, args=(published_edit_every,))
        )
        changes = 0
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while time.monotonic() < load.deadline:
            time.sleep(min(source_change_every, max(0.0, load.deadline - time.monotonic())))
            if time.monotonic() < load.deadline:
                sources.change()
                changes += 1
        for thread in threads:
            thread.join(seconds + 60)
        elapsed = time.monotonic() - started
        checks = postgres.query(DATABASE, CHECKS_DONE)[0][0] - checks_before
        counts_after = scrape_counts(base)
        during = {k: v - counts_before.get(k, 0.0) for k, v in counts_after.items()}
        return {
            "load": load,
            "elapsed": elapsed,
            "checks": checks,
            "site_hits": sum(site.hits.values()),
            "source_changes": changes,
            "metric_ratio": scrape_ratio(base),
            "metric_served": scrape_ratio(base, "claimwatch_public_page_cache_served_ratio"),
            "metric_during": during,
            "snapshots": postgres.query(DATABASE, "SELECT count(*) FROM sources_snapshot")[0][0],
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
    for kind in ("hello", "public page", "API read", "admin save", "published edit"):
        values = load.latencies[kind]
        p99 = percentile(values, 0.99)
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 0.5) * 1000:.1f} | "
            f"{percentile(values, 0.95) * 1000:.1f} | {p99 * 1000:.1f} | "
            f"{percentile(values, 0.5) / hello_p50:.1f}× | {p99 / hello_p99:.1f}× |"
        )
    served = load.page_cache
    public = sum(served.values())
    during = result["metric_during"]
    counted = sum(during.values())
    lines += [
        "",
        f"Changes during the run: {result['source_changes']} rounds of source page changes "
        f"({result['snapshots']} snapshots stored in all), {load.published_edits} published "
        f"claims saved by a reviewer, {len(load.latencies['admin save'])} draft saves.",
        f"Anonymous public page requests served from the page cache (X-Page-Cache): "
        f"{served['hit'] + served['stale']} / {public} = "
        f"{(served['hit'] + served['stale']) / max(public, 1):.2%} (hit {served['hit']}, "
        f"stale {served['stale']}: the previous rendering while the warm-up renders the new one; "
        f"miss {served['miss']}, not cacheable {served['none']}).",
        f"/metrics during the run: hit {during.get('hit', 0):.0f}, "
        f"stale {during.get('stale', 0):.0f}, miss {during.get('miss', 0):.0f}, "
        f"uncacheable {during.get('uncacheable', 0):.0f}, bypass {during.get('bypass', 0):.0f}: "
        f"served {(during.get('hit', 0) + during.get('stale', 0)) / max(counted, 1):.2%}; "
        f"at the end (since start, the pre-run reads included) "
        f"claimwatch_public_page_cache_served_ratio {result['metric_served']:.4f}, "
        f"claimwatch_public_page_cache_hit_ratio {result['metric_ratio']:.4f}.",
    ]
    if load.missed:
        lines.append(
            "Misses by page: "
            + ", ".join(f"{path} {count}" for path, count in load.missed.most_common(12))
            + "."
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
    parser.add_argument("--source-change-every", type=float, default=8)
    parser.add_argument("--published-edit-every", type=float, default=20)
    args = parser.parse_args()
    result = run(
        args.seconds,
        args.clients,
        args.web_workers,
        args.rate,
        args.source_change_every,
        args.published_edit_every,
    )
    print(report(result, args.clients, args.web_workers, args.rate))
    return 1 if result["load"].errors else 0


if __name__ == "__main__":
    sys.exit(main())
