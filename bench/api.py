"""REST API throughput under gunicorn as ratios to a hello-world DRF view; ClaimReview import rate.

Run:  .venv/bin/python bench/api.py [--claims 10000] [--seconds 6] [--rounds 3] [--connections 8]
      [--database cw_c_bench] [--redis-db 5] [--broker-db 6] [--port 18300]

1. (Re)creates the PostgreSQL database `cw_c_bench`, migrates it and bulk-loads N published
   claims (2 figures and 2 citations each; 300 claimants, 2,000 shared sources).
2. Imports 2,000 ClaimReview items in-process as an editor (drafts; deleted afterwards) and
   reports items/s.
3. Starts gunicorn (production settings: DEBUG off, SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, Redis
   cache db 5 for throttling, CONN_MAX_AGE=60), then alternates wrk runs (bounded: fixed
   duration and connections) on /bench/api-hello/ (baseline), the claim list (50 per page) and
   random claim details; reports requests/s and p99 as the median ratio to hello-world.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
WRK = "/usr/bin/wrk"
DB_NAME = "cw_c_bench"
PORT = 18300
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-c-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": "redis://127.0.0.1:6379/5",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/6",
    "CACHE_KEY_PREFIX": "cw_c_bench",
    "CONN_MAX_AGE": "60",
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "WARNING",
    # The bench measures serving, not the throttle's refusals.
    "API_THROTTLE_ANON": "100000000/minute",
    "API_THROTTLE_USER": "100000000/minute",
}


def use_database(name: str, redis_db: int, broker_db: int) -> None:
    global DB_NAME
    DB_NAME = name
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    ENV["REDIS_URL"] = f"redis://127.0.0.1:6379/{redis_db}"
    ENV["CELERY_BROKER_URL"] = f"redis://127.0.0.1:6379/{broker_db}"
    ENV["CACHE_KEY_PREFIX"] = name


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)


def prepare_database() -> None:
    psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    psql(f"CREATE DATABASE {DB_NAME}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n_claims: int) -> tuple[int, int]:
    """Bulk-load published claims with figures and citations; returns the claim id range."""
    from django.utils import timezone

    from claims.models import Claim, Claimant, Figure, Rating
    from sources.models import Citation, Source, excerpt_digest

    ratings = list(Rating.objects.all())
    claimants = Claimant.objects.bulk_create(
        Claimant(name=f"Bench claimant {i}", slug=f"bench-claimant-{i}") for i in range(300)
    )
    sources = Source.objects.bulk_create(
        Source(url=f"https://stats.example/{i}", host="stats.example", state="ok")
        for i in range(2000)
    )
    now = timezone.now()
    claims = Claim.objects.bulk_create(
        (
            Claim(
                title=f"Bench claim {i}: returns up {i % 40}%",
                slug=f"bench-claim-{i}",
                text=f"Returns of people rose to {9000 + i} this year, up {i % 40}% on last year.",
                claimant=claimants[i % len(claimants)],
                status="published",
                rating=ratings[i % len(ratings)],
                verdict_summary="Right on the published figures.",
                published_at=now - dt.timedelta(minutes=i),
            )
            for i in range(n_claims)
        ),
        batch_size=2000,
    )
    from claims.search import refresh_search_vectors

    refresh_search_vectors()  # bulk_create skips Claim.save(), which keeps them up to date
    Figure.objects.bulk_create(
        (
            Figure(
                claim=claim,
                label=label,
                value=Decimal(9000 + i),
                unit="people",
                stated_change_pct=Decimal(i % 40),
                baseline_value=Decimal(7000 + i),
                position=position,
            )
            for i, claim in enumerate(claims)
            for position, label in enumerate(["Returns", "Removals"])
        ),
        batch_size=5000,
    )
    Citation.objects.bulk_create(
        (
            Citation(
                claim=claim,
                source=sources[(i * 2 + k) % len(sources)],
                role="supports" if k else "origin",
                excerpt=f"rose to {9000 + i} ({k})",
                excerpt_hash=excerpt_digest(f"rose to {9000 + i} ({k})"),
                excerpt_state="present",
            )
            for i, claim in enumerate(claims)
            for k in range(2)
        ),
        batch_size=5000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics after the bulk load, as autovacuum would
    return claims[0].pk, claims[-1].pk


def import_rate(n_items: int) -> float:
    """ClaimReview items imported per second (in-process, editor: drafts), cleaned up after."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from claims.models import Claim, ClaimEvent
    from sources.claimreview_import import import_claim_reviews
    from sources.models import Citation, Source

    editor, _ = get_user_model().objects.get_or_create(username="bench-editor")
    editor.groups.add(Group.objects.get(name="Editors"))
    editor = get_user_model().objects.get(pk=editor.pk)  # fresh permission cache
    items = [
        {
            "@type": "ClaimReview",
            "url": f"https://factchecker.example/bench/{n}",
            "claimReviewed": f"Imported claim {n} about crime doubling",
            "datePublished": "2024-11-12",
            "author": {"@type": "Organization", "name": "Fact Checker"},
            "reviewRating": {"@type": "Rating", "alternateName": ["False", "True", "Mixed"][n % 3]},
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Person", "name": f"Politician {n % 100}"},
                "datePublished": "2024-11-01",
                "appearance": [{"url": f"https://news.example/bench/{n}"}],
            },
        }
        for n in range(n_items)
    ]
    started = time.perf_counter()
    report = import_claim_reviews(items, editor)
    elapsed = time.perf_counter() - started
    assert report.count("created") == n_items, report.as_dict()["items"][:3]
    imported = Claim.objects.filter(review_url__startswith="https://factchecker.example/bench/")
    Citation.objects.filter(claim__in=imported).delete()
    ClaimEvent.objects.filter(claim__in=imported).delete()
    imported.delete()
    Source.objects.filter(url__startswith="https://news.example/bench/").delete()
    return n_items / elapsed


def start_gunicorn(env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{PORT}",
            "--workers=2",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/api-hello/", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def wrk(path: str | None, seconds: int, connections: int, script: str | None = None) -> dict:
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    command.append(f"http://127.0.0.1:{PORT}{path or '/'}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} error responses\n{out}")
    return {"rps": rps, "p99": p99_ms}


def main() -> None:
    global PORT
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--import-items", type=int, default=2_000)
    # Sessions that bench side by side each give their own database and Redis dbs.
    parser.add_argument("--database", default=DB_NAME)
    parser.add_argument("--redis-db", type=int, default=5)
    parser.add_argument("--broker-db", type=int, default=6)
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    use_database(args.database, args.redis_db, args.broker_db)
    PORT = args.port

    os.environ.update(ENV)
    import django

    django.setup()
    prepare_database()
    started = time.perf_counter()
    first, last = seed(args.claims)
    print(f"seeded {args.claims} claims in {time.perf_counter() - started:.1f} s", flush=True)
    rate = import_rate(args.import_items)
    print(f"ClaimReview import: {rate:.0f} items/s", flush=True)
    from django.db import connections

    connections.close_all()

    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        f"math.randomseed({int(time.time())})\n"
        "request = function()\n"
        f'  return wrk.format("GET", "/api/v1/claims/" .. math.random({first}, {last}) .. "/")\n'
        "end\n"
    )
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    server = start_gunicorn(env)
    results: dict[str, list[dict]] = {"hello": [], "list": [], "detail": []}
    try:
        wrk("/bench/api-hello/", 2, args.connections)  # warm up every worker
        wrk("/api/v1/claims/", 2, args.connections)
        for _ in range(args.rounds):
            results["hello"].append(wrk("/bench/api-hello/", args.seconds, args.connections))
            results["list"].append(wrk("/api/v1/claims/", args.seconds, args.connections))
            results["detail"].append(wrk(None, args.seconds, args.connections, str(script)))
    finally:
        server.terminate()
        server.wait(timeout=20)
        script.unlink()

    def ratio(kind: str, key: str) -> float:
        return statistics.median(
            r[key] / h[key] for r, h in zip(results[kind], results["hello"], strict=True)
        )

    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    print()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}"
    )
    print("| endpoint | req/s | p99 (ms) | req/s vs hello | p99 vs hello |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| hello-world DRF view | {median('hello', 'rps'):.0f} | {median('hello', 'p99'):.1f} | 1.00× | 1.00× |"
    )
    for kind, label in [("list", "claim list (50/page)"), ("detail", "claim detail (random)")]:
        print(
            f"| {label} | {median(kind, 'rps'):.0f} | {median(kind, 'p99'):.1f} | "
            f"{ratio(kind, 'rps'):.2f}× | {ratio(kind, 'p99'):.2f}× |"
        )
    print(f"\nClaimReview import: {rate:.0f} items/s ({args.import_items} items, editor drafts)")


if __name__ == "__main__":
    main()
