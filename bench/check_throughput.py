"""Source-checking throughput: N local URLs through a real Celery worker vs LinkChecker.

Needs PostgreSQL and Redis (a scratch database: the bench creates and then deletes its sources):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/check_throughput.py --urls 2000

1. Serve N article pages from a multi-threaded HTTP server on 127.0.0.1.
2. Start a Celery worker (subprocess, `celery -A config worker`), create N sources, enqueue
   their checks, and time until every source has been checked: URLs/second end to end
   (fetch, extract, snapshot, history row, state, schedule).
3. Check them all again unchanged and count the rows added (storage grows with changes).
4. Give LinkChecker (installed into .venv if missing; not a project requirement) one page
   linking the same N URLs, recursion level 1, no robots, the same number of threads: its
   URLs/second is the baseline.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.servers import LocalServer, Reply  # noqa: E402 - after the repo is on the path

PARAGRAPH = (
    "<p>The department said {n} people with no right to remain were returned this year, and "
    "that agreements with partner countries would speed up returns further next spring.</p>"
)


def page_for(index: int) -> bytes:
    body = "".join(PARAGRAPH.format(n=index * 7 + k) for k in range(6))
    return (
        f"<!doctype html><html><head><title>Bench article {index}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>Article {index}</h1>{body}</article>"
        "<footer>Footer</footer></body></html>"
    ).encode()


# LinkChecker's own politeness (about 3 requests/s per host) is lifted only for servers that
# send this header; the bench lifts both tools' limits alike.
UNTHROTTLED = {"LinkChecker": "bench"}


def start_server(n: int) -> LocalServer:
    index_page = (
        "<html><body>"
        + "".join(f'<a href="/page/{i}">page {i}</a>\n' for i in range(n))
        + "</body></html>"
    ).encode()

    def respond(path: str) -> Reply:
        if path == "/index.html":
            return Reply(index_page, headers=UNTHROTTLED)
        if path.startswith("/page/"):
            return Reply(page_for(int(path.rsplit("/", 1)[1])), headers=UNTHROTTLED)
        return Reply(b"Not found", 404, "text/plain", UNTHROTTLED)

    return LocalServer(respond, keep_alive=True, backlog=512)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ["SOURCES_FETCH_ALLOW"] = "127.0.0.1"
    import django

    django.setup()


def wait_until_checked(source_ids: list[int], since: datetime, timeout: float) -> float:
    from sources.models import Source

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        done = Source.objects.filter(pk__in=source_ids, last_checked_at__gte=since).count()
        if done >= len(source_ids):
            return time.monotonic() - started
        time.sleep(0.25)
    raise SystemExit(f"timed out: {done}/{len(source_ids)} checked after {timeout} s")


def run_pass(source_ids: list[int], timeout: float) -> float:
    """Make every source due, run the dispatcher as beat does, time until all are checked."""
    from django.utils import timezone

    from sources.models import Source
    from sources.tasks import dispatch_due_checks

    since = timezone.now()
    Source.objects.filter(pk__in=source_ids).update(next_check_at=since)
    started = time.monotonic()
    # Claims the due sources (leases, SKIP LOCKED) and enqueues their batches after commit.
    dispatched = dispatch_due_checks()
    assert dispatched == len(source_ids), dispatched
    wait_until_checked(source_ids, since, timeout)
    return time.monotonic() - started


def linkchecker_binary(install: bool) -> str | None:
    found = shutil.which("linkchecker", path=str(Path(sys.executable).parent)) or shutil.which(
        "linkchecker"
    )
    if found or not install:
        return found
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "linkchecker"], check=False)
    return shutil.which("linkchecker", path=str(Path(sys.executable).parent))


def run_linkchecker(binary: str, server: LocalServer, threads: int, n: int) -> float:
    url = server.url("/index.html")
    with tempfile.TemporaryDirectory() as home:
        home_path = Path(home)
        os.chmod(home, 0o777)  # LinkChecker drops root privileges to "nobody"
        config = home_path / "linkcheckerrc"
        config.write_text(f"[checking]\nthreads={threads}\nmaxrequestspersecond=10000\n")
        started = time.monotonic()
        result = subprocess.run(
            [binary, "--no-robots", "--recursion-level", "1", "--threads", str(threads),
             "--no-status", "--output", "none", "--config", str(config), url],
            capture_output=True,
            text=True,
            env={**os.environ, "HOME": home},
            check=False,
        )  # fmt: skip
        elapsed = time.monotonic() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"linkchecker failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=2000, help="number of URLs (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="LinkChecker threads")
    parser.add_argument("--pool", default="threads", choices=["threads", "prefork", "solo"])
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="worker processes (one per CPU)"
    )
    parser.add_argument("--tasks", type=int, default=2, help="batch tasks at once per worker")
    parser.add_argument("--batch-size", type=int, default=25, help="SOURCES_CHECK_BATCH_SIZE")
    parser.add_argument("--check-threads", type=int, default=4, help="SOURCES_CHECK_THREADS")
    parser.add_argument("--unchanged-passes", type=int, default=1, help="passes after the first")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pass at most")
    parser.add_argument("--no-linkchecker", action="store_true")
    parser.add_argument("--linkchecker", default="", help="path of the linkchecker program")
    parser.add_argument("--no-install", action="store_true", help="do not pip install linkchecker")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not (
        os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    ):
        raise SystemExit(
            "Set DATABASE_URL (PostgreSQL scratch database) and REDIS_URL/CELERY_BROKER_URL."
        )
    fetchers = args.workers * args.tasks * args.check_threads
    # Politeness lets the one local host through: a slot for every fetch that can run at once.
    os.environ["SOURCES_PER_HOST_CONCURRENCY"] = str(fetchers)
    os.environ["SOURCES_CHECK_BATCH_SIZE"] = str(args.batch_size)
    os.environ["SOURCES_CHECK_THREADS"] = str(args.check_threads)
    # One dispatcher run claims every bench source.
    os.environ["SOURCES_DISPATCH_BATCH"] = str(args.urls)
    # Workers keep their database connections, as a production deployment would.
    os.environ.setdefault("CONN_MAX_AGE", "60")
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db.models import Count

    from config.celery import app
    from sources.models import Snapshot, Source, SourceCheck

    server = start_server(args.urls)
    base = server.url("/page/")
    Source.objects.filter(host="127.0.0.1").delete()
    Source.objects.bulk_create(
        [
            Source(
                url=f"{base}{i}",
                host="127.0.0.1",
                title=f"Bench {i}",
                next_check_at=datetime(2100, 1, 1, tzinfo=UTC),
            )
            for i in range(args.urls)
        ],
        batch_size=1000,
    )
    source_ids = list(Source.objects.filter(host="127.0.0.1").values_list("pk", flat=True))
    app.control.purge()
    logs = Path(tempfile.mkdtemp(prefix="check_throughput_"))
    load_before = os.getloadavg()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={args.pool}",
                f"--concurrency={args.tasks}",
                "--without-mingle",
                "--without-gossip",
                "-l",
                "WARNING",
                "-n",
                f"bench{i}@%h",
            ],
            cwd=REPO,
            env=os.environ.copy(),
            stdout=(logs / f"worker{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for i in range(args.workers)
    ]
    try:
        time.sleep(3)  # worker start-up is not part of the measurement
        first = run_pass(source_ids, args.timeout)
        rows_before = SourceCheck.objects.count() + Snapshot.objects.count()
        unchanged = [run_pass(source_ids, args.timeout) for _ in range(args.unchanged_passes)]
        rows_added = SourceCheck.objects.count() + Snapshot.objects.count() - rows_before
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(30)
    outcomes = dict(
        Source.objects.filter(pk__in=source_ids).values_list("last_outcome").annotate(n=Count("pk"))
    )
    repeats = dict(
        SourceCheck.objects.filter(source_id__in=source_ids)
        .values_list("repeat_count")
        .annotate(n=Count("pk"))
    )
    Source.objects.filter(pk__in=source_ids).delete()

    n = args.urls
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")  # fmt: skip
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print(
        f"workers: {args.workers} x pool={args.pool} concurrency={args.tasks}; batches of "
        f"{args.batch_size} with {args.check_threads} fetch threads ({fetchers} fetches at once); "
        f"LinkChecker threads: {args.concurrency}; URLs: {n}"
    )
    print(f"claimwatch first pass (new pages): {first:.1f} s = {n / first:.1f} URLs/s")
    for number, seconds in enumerate(unchanged, 1):
        print(f"claimwatch unchanged pass {number}: {seconds:.1f} s = {n / seconds:.1f} URLs/s")
    checks = n * len(unchanged)
    print(f"rows added per 1,000 unchanged checks: {rows_added / max(1, checks) * 1000:.1f}")
    print(f"last outcomes: {outcomes}; history rows by repeat_count: {repeats}")
    if not args.no_linkchecker:
        binary = args.linkchecker or linkchecker_binary(install=not args.no_install)
        if not binary:
            print("linkchecker: not available")
        else:
            baseline = run_linkchecker(binary, server, args.concurrency, n)
            print(
                f"linkchecker ({args.concurrency} threads): {baseline:.1f} s = {n / baseline:.1f} URLs/s"
            )
            print(f"ratio claimwatch/linkchecker (first pass): {baseline / first:.2f}")
            for number, seconds in enumerate(unchanged, 1):
                print(
                    f"ratio claimwatch/linkchecker (unchanged pass {number}): {baseline / seconds:.2f}"
                )
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    server.close()


if __name__ == "__main__":
    main()
