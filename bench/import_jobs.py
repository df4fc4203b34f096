"""What running an import as a job costs, as ratios to the in-process import of the same items.

Run:  .venv/bin/python bench/import_jobs.py [--items 2000] [--rounds 3]

(Re)creates the PostgreSQL database `cw_import_bench` (or $BENCH_DATABASE; the page cache in
Redis db $BENCH_REDIS_DB, default 3), then per round, on the same N ClaimReview items as an
editor (drafts, deleted after each run):
1. baseline: `import_claim_reviews` in-process with the page cache invalidated per saved row
   (what a request did before jobs: `deferred_invalidation` switched off);
2. the same with invalidations deferred to the end of each chunk;
3. the job: `create_claimreview_job` (what a 202 request costs: storing the items) and
   `run_import_job` to the end (what the worker does), in this process, no broker.
Reports items/s and the median time ratios to the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DATABASE", "cw_import_bench")
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-import-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DB', '3')}",
    "CELERY_BROKER_URL": "",
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "WARNING",
}


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)


def items(count: int) -> list[dict]:
    from tests.support.claimreview import claim_review_items

    return claim_review_items(count)


def clean_up() -> None:
    from claims.models import Claim, Claimant, ClaimEvent
    from sources.models import Citation, ImportJob, Source

    Citation.objects.all().delete()
    ClaimEvent.objects.all().delete()
    Claim.objects.all().delete()
    Claimant.objects.all().delete()
    Source.objects.all().delete()
    ImportJob.objects.all().delete()


def one_round(editor, payload: list[dict]) -> dict[str, float]:
    import contextlib
    from unittest import mock

    from sources import claimreview_import
    from sources.import_jobs import create_claimreview_job, run_import_job

    with mock.patch.object(claimreview_import, "deferred_invalidation", contextlib.nullcontext):
        started = time.perf_counter()
        report = claimreview_import.import_claim_reviews(payload, editor)
        baseline = time.perf_counter() - started
    assert report.count("created") == len(payload)
    clean_up()
    started = time.perf_counter()
    report = claimreview_import.import_claim_reviews(payload, editor)
    deferred = time.perf_counter() - started
    assert report.count("created") == len(payload)
    clean_up()
    started = time.perf_counter()
    job = create_claimreview_job(payload, editor)
    stored = time.perf_counter() - started
    job = run_import_job(job.pk)
    total = time.perf_counter() - started
    assert (job.status, job.created) == ("done", len(payload))
    clean_up()
    return {"baseline": baseline, "deferred": deferred, "stored": stored, "job": total}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(ENV)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    psql(f"CREATE DATABASE {DB_NAME}")
    call_command("migrate", verbosity=0)
    editor = get_user_model().objects.create(username="bench-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    editor = get_user_model().objects.get(pk=editor.pk)
    payload = items(args.items)
    rounds = []
    for _ in range(args.rounds):
        rounds.append(one_round(editor, payload))
        print({k: round(v, 2) for k, v in rounds[-1].items()}, flush=True)
    load = os.getloadavg()
    n = args.items
    print(f"{n} items, {args.rounds} rounds, load average {load[0]:.1f}/{load[1]:.1f}")
    for name in ("baseline", "deferred", "job"):
        rate = statistics.median(n / r[name] for r in rounds)
        ratio = statistics.median(r[name] / r["baseline"] for r in rounds)
        print(f"{name:9} {rate:6.0f} items/s   time vs baseline {ratio:.2f}x")
    stored = statistics.median(r["stored"] / r["baseline"] for r in rounds)
    print(f"storing the items (the 202 request): {stored:.3f}x the baseline's time")


if __name__ == "__main__":
    main()
