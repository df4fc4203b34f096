"""Throughput of the public pages under gunicorn, as ratios to a bare Django hello-world view.

Run:  .venv/bin/python bench/public_pages.py [--claims 1000] [--seconds 8] [--connections 16]
      (BENCH_DATABASE and BENCH_REDIS_DB choose the database and Redis db; default cw_d_bench, 7;
      BENCH_PORT_OFFSET moves the servers' ports, so two checkouts can bench side by side)

1. (Re)creates the PostgreSQL database `cw_d_bench`, migrates it and loads the demo records
   plus N demo-like published claims (3 figures, 3 citations each, shared sources, snapshots).
2. Starts gunicorn twice with production settings (DEBUG off, SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,
   Redis cache db 7): once with the page cache on, once with PUBLIC_PAGE_CACHE=0.
3. On each, loads a claim page, the list page and a search with wrk (bounded: fixed duration
   and connections), each run alternating with /bench/hello/ (the baseline), and reports
   requests/s and p99 latency as the median over rounds of the ratio to hello-world.
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
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
WRK = "/usr/bin/wrk"
# Overridable so parallel runs on one machine do not share a database or a Redis db.
DB_NAME = os.environ.get("BENCH_DATABASE", "cw_d_bench")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DB', '7')}"
PORT_OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "0"))
# mode -> (port, page cache on, version TTL seconds)
MODES = {
    "cached (default: 1 s version TTL)": (18112 + PORT_OFFSET, True, "1"),
    "cached, strict versions (TTL 0)": (18110 + PORT_OFFSET, True, "0"),
    "uncached": (18111 + PORT_OFFSET, False, "0"),
}


def bench_env(cache_on: bool, version_ttl: str = "1") -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=DB_NAME,
        CONN_MAX_AGE="60",
        STATIC_MANIFEST="0",  # no collectstatic into the shared checkout
        LOG_LEVEL="WARNING",
        PUBLIC_PAGE_CACHE="1" if cache_on else "0",
        PUBLIC_PAGE_VERSION_TTL=version_ttl,
        PYTHONPATH=str(ROOT),
    )
    return env


def prepare_database(n_claims: int) -> None:
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-q",
            "-c",
            f"DROP DATABASE IF EXISTS {DB_NAME}",
        ],
        check=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {DB_NAME}"],
        check=True,
    )
    env = bench_env(cache_on=True)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, __file__, "--populate", str(n_claims)], cwd=ROOT, env=env, check=True)


def populate(n_claims: int) -> None:
    """Demo records plus `n_claims` demo-like published claims, written in bulk."""
    import django

    django.setup()
    from decimal import Decimal

    from django.utils import timezone

    from claims.models import Claim, Claimant, Figure, Rating, Topic
    from demo.seed import load_demo
    from sources.models import Citation, Snapshot, Source, excerpt_digest

    load_demo()
    ratings = list(Rating.objects.all())
    topics = list(Topic.objects.all())
    claimants = [Claimant.objects.create(name=f"Speaker {i}", role="Minister") for i in range(50)]
    now = timezone.now()
    sources = Source.objects.bulk_create(
        Source(
            url=f"https://www.gov.uk/government/statistics/release-{i}",
            host="www.gov.uk",
            title=f"Immigration statistics release {i}",
            publisher="Home Office",
            kind=Source.Kind.OFFICIAL_STATISTICS,
            state=Source.State.OK,
            last_checked_at=now,
        )
        for i in range(300)
    )
    snapshots = Snapshot.objects.bulk_create(
        Snapshot(
            source=s,
            content_hash=f"{s.pk:064x}",
            main_text=f"Release {s.pk}. " + "Returns of people with no right to remain. " * 40,
        )
        for s in sources
    )
    for s, snap in zip(sources, snapshots, strict=True):
        s.current_snapshot = snap
    Source.objects.bulk_update(sources, ["current_snapshot"])
    claims = Claim.objects.bulk_create(
        Claim(
            title=f"{9000 + i:,} people returned this year, up {i % 30 + 1}% on 2023",
            slug=f"bench-claim-{i}",
            text=(
                f"These efforts have led to the return of {9000 + i:,} people with no right to "
                f"remain in the UK this year, a {i % 30 + 1}% increase from 2023."
            ),
            claimant=claimants[i % len(claimants)],
            status=Claim.Status.PUBLISHED,
            rating=ratings[i % len(ratings)],
            verdict_summary="The figures are the government's own; the comparison period is unclear.",
            analysis="The government said **returns rose**. A rise of this size implies a lower 2023 figure.\n\n"
            "See [the statistics](https://www.gov.uk/government/collections/immigration-statistics).",
            published_at=now - dt.timedelta(hours=i),
            stated_on=(now - dt.timedelta(hours=i + 24)).date(),
            venue="Press release",
            appearance_url="https://www.gov.uk/government/news/returns",
        )
        for i in range(n_claims)
    )
    Through = Claim.topics.through
    Through.objects.bulk_create(
        Through(claim_id=c.pk, topic_id=topics[i % len(topics)].pk) for i, c in enumerate(claims)
    )
    Figure.objects.bulk_create(
        Figure(
            claim=c,
            label=f"People returned ({k})",
            value=Decimal(9000 + i + k),
            unit=Figure.Unit.PEOPLE,
            period="2024",
            baseline_period="2023",
            stated_change_pct=Decimal(i % 30 + 1),
            position=k,
        )
        for i, c in enumerate(claims)
        for k in range(3)
    )
    Citation.objects.bulk_create(
        Citation(
            claim=c,
            source=sources[(i * 3 + k) % len(sources)],
            role=Citation.Role.SUPPORTS,
            excerpt=f"returns of people with no right to remain ({k})",
            excerpt_hash=excerpt_digest(f"returns of people with no right to remain ({k})"),
            excerpt_state=Citation.ExcerptState.PRESENT,
            position=k,
        )
        for i, c in enumerate(claims)
        for k in range(3)
    )
    from claims.search import refresh_search_vectors

    refresh_search_vectors()  # bulk_create skips Claim.save(), which keeps them up to date
    from django.db import connection

    with connection.cursor() as cursor:
        # Planner statistics after the bulk load, as autovacuum gathers them in production:
        # without them PostgreSQL takes a table of 1,000 claims for a handful of rows.
        cursor.execute("VACUUM ANALYZE")
    print(f"populated {Claim.objects.published().count()} published claims", file=sys.stderr)


def start_gunicorn(cache_on: bool, version_ttl: str, port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=bench_env(cache_on, version_ttl),
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/hello/", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start on port {port}")


def check_page(port: int, path: str) -> int:
    """Fetch `path` once (fails unless 200); its body size in bytes."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        assert response.status == 200, path
        return len(response.read())


def wrk(port: int, path: str, seconds: int, connections: int) -> tuple[float, float]:
    """(requests/s, p99 ms) from a bounded wrk run; fails on any non-2xx answer."""
    out = subprocess.run(
        [
            WRK,
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{path}: non-2xx answers\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mode", help="run only the modes whose name contains this")
    parser.add_argument("--populate", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate is not None:
        populate(args.populate)
        return

    prepare_database(args.claims)
    claim_path = "/claims/{pk}-bench-claim-500/"
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={DB_NAME}") as conn:
        (pk,) = conn.execute("SELECT id FROM claims_claim WHERE slug='bench-claim-500'").fetchone()
    claim_path = claim_path.format(pk=pk)
    pages = {
        "claim page": claim_path,
        "list page": "/claims/?page=3",
        "search": "/search/?q=returned+9%2C400",
    }
    rows = []
    for mode, (port, cache_on, version_ttl) in MODES.items():
        if args.mode and args.mode not in mode:
            continue
        server = start_gunicorn(cache_on, version_ttl, port, args.workers)
        try:
            for path in ["/bench/hello/", *pages.values()]:
                check_page(port, path)
            if cache_on and version_ttl == "1":
                # Calibration: a fixed response as large as the claim page (no cache, no view
                # work) shows what the page's size alone costs against the 12-byte hello-world.
                size = check_page(port, claim_path)
                pages = {**pages, f"static {size:,} bytes (calibration)": f"/bench/bytes/{size}/"}
            else:
                pages = {k: v for k, v in pages.items() if not k.startswith("static")}
            for name, path in pages.items():
                # The machine is shared: alternate baseline and page in short runs and keep the
                # median of the per-round ratios, so a burst of other work hits both sides.
                rounds = []
                for _ in range(args.rounds):
                    base = wrk(port, "/bench/hello/", args.seconds, args.connections)
                    page = wrk(port, path, args.seconds, args.connections)
                    rounds.append((base, page))
                rows.append(
                    (
                        mode,
                        name,
                        statistics.median(b[0] for b, _ in rounds),
                        statistics.median(p[0] for _, p in rounds),
                        statistics.median(p[1] for _, p in rounds),
                        statistics.median(p[0] / b[0] for b, p in rounds),
                        statistics.median(p[1] / b[1] for b, p in rounds),
                    )
                )
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(
        f"\n{dt.date.today()} {platform.machine()}, {os.cpu_count()} CPUs (shared), gunicorn "
        f"{args.workers} sync workers, wrk -t2 -c{args.connections} -d{args.seconds}s x "
        f"{args.rounds} rounds alternating with the baseline, {args.claims} claims\n"
    )
    print(
        "| cache | page | hello req/s | page req/s | page p99 (ms) "
        "| req/s ratio to hello | p99 ratio to hello |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for mode, name, base_rps, rps, p99, r_ratio, p_ratio in rows:
        print(
            f"| {mode} | {name} | {base_rps:,.0f} | {rps:,.0f} | {p99:.1f} "
            f"| {r_ratio:.2f} | {p_ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
