"""Webhook deliveries per second through a real Celery worker, and what an event adds to the
request that publishes a claim.

Needs PostgreSQL and Redis (a scratch database: the bench migrates it; the claims it publishes stay
there, since published claims are never deleted):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
    .venv/bin/python bench/webhooks.py --deliveries 1000 --publishes 60

1. Throughput. A receiver (tests/support/servers.LocalServer, threaded) on 127.0.0.1; N test
   events for one endpoint are written to the outbox and enqueued; a Celery worker
   (subprocess, threads pool) signs and POSTs them through sources.fetching.post. Timed from
   enqueueing until every delivery is recorded as delivered. Baseline in the same run: the
   same number of signed POSTs sent straight with http.client from as many threads (the receiver's
   and HTTP's own cost, no outbox, no broker, no policy checks).
2. In-request overhead. POST /api/v1/claims/<id>/publish/ (in-process test client, token
   auth) on claims in review, with no endpoint, then with 1 and with 10 endpoints subscribed
   (the event, its ClaimReview and the deliveries are written in the request's transaction;
   the tasks are enqueued to Redis after commit). The modes take turns request by request so
   drift hits all alike; the median per mode is reported as a ratio to the no-subscription
   median.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.servers import LocalServer, Reply  # noqa: E402 - after the repo is on the path


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ["SOURCES_FETCH_ALLOW"] = "127.0.0.1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("API_THROTTLE_USER", "1000000/minute")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def start_worker(concurrency: int, pool: str, logs: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", f"--pool={pool}",
        f"--concurrency={concurrency}", "--without-mingle", "--without-gossip", "-l", "WARNING",
        "-n", "webhook-bench@%h",
    ]  # fmt: skip
    return subprocess.Popen(
        # Workers keep their database connections between tasks, as README recommends.
        command, cwd=REPO,
        env={"CONN_MAX_AGE": "60", **os.environ, "LOG_LEVEL": "WARNING"},
        stdout=(logs / "worker.log").open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def wait_delivered(ids: list[int], timeout: float) -> None:
    from webhooks.models import WebhookDelivery

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = WebhookDelivery.objects.filter(pk__in=ids, status="delivered").count()
        if done >= len(ids):
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out: {done}/{len(ids)} delivered after {timeout} s")


def throughput(args, receiver: LocalServer, owner, logs: Path) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from webhooks import delivery, events, tasks
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        owner=owner, url=receiver.url("/hook"), events=["claim.published"]
    )
    with transaction.atomic():
        ids = [pk for _ in range(args.deliveries) for pk in events.record_test_event(endpoint)]

    # Baseline: the same signed bodies POSTed straight, from as many threads as the worker has.
    items = list(WebhookDelivery.objects.filter(pk__in=ids).select_related("event", "endpoint"))
    now = timezone.now()
    requests = [delivery.signed_request(item, now) for item in items]
    address = ("127.0.0.1", receiver.port)

    def send(request) -> int:
        # One connection per POST, as each delivery opens its own.
        connection = http.client.HTTPConnection(*address, timeout=30)
        try:
            connection.request("POST", "/hook", body=request[0], headers=request[1])
            answer = connection.getresponse()
            answer.read()
            return answer.status
        finally:
            connection.close()

    started = time.monotonic()
    with ThreadPoolExecutor(args.concurrency) as pool:
        statuses = list(pool.map(send, requests))
    baseline = time.monotonic() - started
    assert set(statuses) == {204}, set(statuses)

    worker = start_worker(args.concurrency, args.pool, logs)
    try:
        time.sleep(4)  # worker start-up is not part of the measurement
        received_before = len(receiver.received)
        started = time.monotonic()
        tasks.enqueue_deliveries(ids)
        wait_delivered(ids, timeout=args.timeout)
        elapsed = time.monotonic() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    posts = len(receiver.received) - received_before
    return {
        "deliveries": len(ids),
        "posts": posts,
        "worker_rate": len(ids) / elapsed,
        "baseline_rate": len(ids) / baseline,
        "endpoint": endpoint,
    }


def publish_overhead(args, receiver: LocalServer, reviewer) -> dict:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from claims.models import Claim, Claimant, Rating
    from webhooks.models import EventType, WebhookEndpoint

    token, _ = Token.objects.get_or_create(user=reviewer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    claimant = Claimant.objects.create(name="Bench claimant", kind="person")
    rating = Rating.objects.get(slug="accurate")
    modes = {"none": 0, "1 endpoint": 1, "10 endpoints": 10}
    endpoints = [
        WebhookEndpoint.objects.create(
            owner=reviewer, url=receiver.url(f"/sub/{i}"), events=[EventType.CLAIM_PUBLISHED]
        )
        for i in range(max(modes.values()))
    ]
    timings: dict[str, list[float]] = {mode: [] for mode in modes}
    order = list(modes)
    claims = [
        Claim.objects.create(
            title=f"Bench claim {i}",
            text=f"Bench claim {i}, the minister said.",
            claimant=claimant,
            status=Claim.Status.IN_REVIEW,
            rating=rating,
            verdict_summary="Correct on the published figures.",
        )
        for i in range(args.publishes * len(modes) + args.warmup)
    ]
    # One mode per request in turn, so drift in the machine's load hits every mode alike.
    for number, claim in enumerate(claims):
        mode = order[number % len(order)]
        wanted = {e.pk for e in endpoints[: modes[mode]]}
        for endpoint in endpoints:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=endpoint.pk in wanted)
        started = time.perf_counter()
        answer = client.post(f"/api/v1/claims/{claim.pk}/publish/")
        took = time.perf_counter() - started
        assert answer.status_code == 200, answer.content[:300]
        if number >= args.warmup:  # the first requests warm caches and connections
            timings[mode].append(took)
    medians = {mode: statistics.median(values) * 1000 for mode, values in timings.items()}
    return {"medians_ms": medians, "samples": {m: len(v) for m, v in timings.items()}}


def clean_up(owner, reviewer) -> None:
    """Remove the bench's endpoints and outbox rows; the claims it published stay (published
    claims are never deleted: use a scratch database)."""
    from config.celery import app
    from webhooks.models import WebhookEndpoint, WebhookEvent

    WebhookEndpoint.objects.filter(owner__in=[owner, reviewer]).delete()
    WebhookEvent.objects.filter(deliveries__isnull=True).delete()
    owner.delete()
    app.control.purge()  # the publishing rounds' deliveries, never sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="worker threads/processes")
    parser.add_argument("--pool", default="threads", choices=["threads", "prefork", "solo"])
    parser.add_argument("--publishes", type=int, default=60, help="publish requests per mode")
    parser.add_argument("--warmup", type=int, default=6, help="publish requests not timed")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") and not os.environ.get("CELERY_BROKER_URL"):
        raise SystemExit("set REDIS_URL (and DATABASE_URL to PostgreSQL): a real worker is used")
    setup_django()
    from django.contrib.auth.models import Group, User

    load_before = os.getloadavg()
    stamp = f"{time.time():.0f}"
    owner = User.objects.create(username=f"webhook-bench-owner-{stamp}")
    reviewer = User.objects.create(username=f"webhook-bench-reviewer-{stamp}", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    receiver = LocalServer(lambda path: Reply(b"", 204, "text/plain"), backlog=1024)
    logs = Path(tempfile.mkdtemp(prefix="cw-webhook-bench-"))
    try:
        rate = throughput(args, receiver, owner, logs)
        overhead = publish_overhead(args, receiver, reviewer)
    finally:
        receiver.close()
        clean_up(owner, reviewer)
    load_after = os.getloadavg()
    base = overhead["medians_ms"]["none"]
    print(f"## webhooks bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}")
    print(
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"{os.cpu_count()} CPUs; worker: {args.pool} pool x{args.concurrency}"
    )
    print()
    print("| measure | Claimwatch | baseline | ratio |")
    print("|---|---:|---:|---:|")
    print(
        f"| deliveries/s ({rate['deliveries']}, signed, via worker) | "
        f"{rate['worker_rate']:.1f} | {rate['baseline_rate']:.1f} (bare http.client POSTs) | "
        f"{rate['worker_rate'] / rate['baseline_rate']:.2f} |"
    )
    for mode, median in overhead["medians_ms"].items():
        print(
            f"| publish request, {mode} subscribed (median of {overhead['samples'][mode]}) | "
            f"{median:.1f} ms | {base:.1f} ms (none) | {median / base:.2f} |"
        )
    print()
    print(f"POSTs received for {rate['deliveries']} deliveries: {rate['posts']}")


if __name__ == "__main__":
    main()
