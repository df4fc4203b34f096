"""ClaimReview import in-process, bulk writes against the code before them, in one run.

Run:  .venv/bin/python bench/import_bulk.py [--base /tmp/import-base] [--items 2000] [--rounds 3]

The measurement is `bench/api.py`'s `import_rate` (2,000 ClaimReview items as an editor:
drafts, each with a new claim, origin source and citation, claimants named "Politician N"
for N < 100; production settings, page cache in Redis; cleaned up after each run), on a
database seeded as `bench/api.py` seeds it (10,000 published claims). Each run is a fresh
process executing one code tree:
- base: the code before bulk writes (a git worktree of the previous commit at `--base`;
  create it with `git worktree add --detach /tmp/import-base <commit>`), which is also what
  the per-item path of today's code did;
- one by one: this tree with `BULK_WRITES` off (the per-item fallback path, whose page-cache
  invalidations are now deferred for the whole import);
- bulk: this tree as it runs.
Rounds alternate the three; reports items/s and the median per-round rate ratio to base.
Own database `cw_import_bulk_bench` (or $BENCH_DATABASE), Redis dbs $BENCH_REDIS_DB (12) and
$BENCH_BROKER_DB (13).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DATABASE", "cw_import_bulk_bench")
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-import-bulk-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DB', '12')}",
    "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{os.environ.get('BENCH_BROKER_DB', '13')}",
    "CACHE_KEY_PREFIX": "cw_import_bulk_bench",
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "WARNING",
}


def child(root: Path, items: int, single: bool, profile: str) -> None:
    """One measurement in this process, with the code of `root`; prints {"rate": ...}."""
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.update(ENV)
    import django

    django.setup()
    from bench import api

    if single:
        from sources import claimreview_import

        claimreview_import.BULK_WRITES = False
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        rate = profiler.runcall(api.import_rate, items)
        profiler.dump_stats(profile)
    else:
        rate = api.import_rate(items)
    print(json.dumps({"rate": rate}))


def run_child(root: Path, items: int, single: bool = False) -> float:
    command = [sys.executable, str(ROOT / "bench" / "import_bulk.py"), "--child", str(root)]
    command += ["--items", str(items)] + (["--single"] if single else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])["rate"]


def prepare(claims: int) -> None:
    def psql(sql: str) -> None:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)

    psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    psql(f"CREATE DATABASE {DB_NAME}")
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from bench import api

    call_command("migrate", verbosity=0)
    api.seed(claims)
    connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="/tmp/import-base")
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--child")
    parser.add_argument("--single", action="store_true")
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.items, args.single, args.profile)
        return
    base = Path(args.base)
    if not (base / "sources" / "claimreview_import.py").exists():
        sys.exit(f"no code tree at {base}: git worktree add --detach {base} <commit>")
    print(f"load average {Path('/proc/loadavg').read_text().strip()}", flush=True)
    started = time.perf_counter()
    prepare(args.claims)
    print(f"seeded {args.claims} claims in {time.perf_counter() - started:.0f} s", flush=True)
    run_child(ROOT, args.items)  # warm-up: creates the claimants every later run reuses
    runs = {"base": [], "one by one": [], "bulk": []}
    for n in range(args.rounds):
        runs["base"].append(run_child(base, args.items))
        runs["one by one"].append(run_child(ROOT, args.items, single=True))
        runs["bulk"].append(run_child(ROOT, args.items))
        print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1]:.0f}/s" for k, v in runs.items()))
    print(f"load average {Path('/proc/loadavg').read_text().strip()}", flush=True)
    print("\n| run | items/s (median) | rate vs base (median of rounds) |\n|---|---:|---:|")
    for name, rates in runs.items():
        ratios = [rate / baseline for rate, baseline in zip(rates, runs["base"], strict=True)]
        print(f"| {name} | {statistics.median(rates):.0f} | {statistics.median(ratios):.2f}× |")


if __name__ == "__main__":
    main()
