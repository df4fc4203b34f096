"""Celery tasks: in-process (eager) by default, and against the real Redis broker and workers."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from config.celery import app
from sources import tasks
from sources.models import Snapshot, Source, SourceCheck
from tests.factories import SourceFactory

REPO = Path(__file__).resolve().parents[2]
PAGE = (
    b"<html><head><title>Returns</title></head><body><article><p>The Home Office said that "
    b"9,400 people with no right to remain were returned this year, up 19% on 2023, in a "
    b"statement published on its website this morning.</p></article></body></html>"
)


class LocalSite:
    """A threaded HTTP server on 127.0.0.1 that counts hits and can hold requests back."""

    def __init__(self):
        self.hits = 0
        self.lock = threading.Lock()
        self.first_request = threading.Event()
        self.release = threading.Event()
        self.hold = False
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with site.lock:
                    site.hits += 1
                site.first_request.set()
                if site.hold:
                    site.release.wait(60)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(PAGE)))
                    self.end_headers()
                    self.wfile.write(PAGE)
                except OSError:
                    pass  # the client (a killed worker) is gone

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_site():
    site = LocalSite()
    yield site
    site.close()


@pytest.fixture
def eager():
    """Tasks in-process, as without a broker (CI's full suite has one configured)."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_dispatch_checks_due_sources_in_process_without_a_broker(
    eager, local_site, django_capture_on_commit_callbacks
):
    now = timezone.now()
    due = [SourceFactory(url=local_site.url(f"/due-{i}"), next_check_at=now) for i in range(3)]
    later = SourceFactory(url=local_site.url("/later"), next_check_at=now + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due_checks.delay().get() == 3
    for source in due:
        source.refresh_from_db()
        assert source.last_outcome == "ok" and source.next_check_at > now
    assert not SourceCheck.objects.filter(source=later).exists()
    assert local_site.hits == 3


@pytest.mark.django_db
def test_check_task_returns_the_outcome_and_skips_deleted_sources(eager, local_site):
    source = SourceFactory(url=local_site.url("/a"))
    assert tasks.check_source.delay(source.pk).get() == "ok"
    assert tasks.check_source.delay(10**9).get() is None


def test_tasks_are_registered_under_their_public_names():
    assert tasks.check_source.name == "sources.tasks.check_source"
    assert tasks.dispatch_due_checks.name == "sources.tasks.dispatch_due_checks"
    assert {"sources.tasks.check_source", "sources.tasks.dispatch_due_checks"} <= set(app.tasks)
    assert tasks.check_source.acks_late
    assert tasks.check_source.max_retries and tasks.check_source.autoretry_for


def _wait_for(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(message)


@pytest.fixture
def real_worker(transactional_db):
    """A Celery worker thread consuming from the real Redis broker."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    def close_worker_connections(**kwargs):
        # Workers keep connections between tasks; the test database must be droppable.
        connections.close_all()

    app.conf.task_always_eager = False
    app.control.purge()  # leftovers of other tests must not run against this database
    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING"
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_worker_connections)


@pytest.mark.services
def test_real_worker_processes_dispatched_checks_end_to_end(real_worker, local_site):
    now = timezone.now()
    sources = [SourceFactory(url=local_site.url(f"/page-{i}"), next_check_at=now) for i in range(5)]
    assert tasks.dispatch_due_checks.delay() is not None
    ids = [s.pk for s in sources]
    _wait_for(
        lambda: Source.objects.filter(pk__in=ids, last_outcome="ok").count() == 5,
        60,
        "the worker did not check every dispatched source",
    )
    assert SourceCheck.objects.filter(source_id__in=ids).count() == 5
    assert Snapshot.objects.filter(source_id__in=ids).count() == 5
    assert local_site.hits == 5


@pytest.mark.services
def test_real_worker_retries_later_when_the_host_is_busy(real_worker, local_site, settings):
    settings.SOURCES_PER_HOST_CONCURRENCY = 1
    settings.SOURCES_TOTAL_TIMEOUT = 2  # retry countdown of about 1-2 s
    source = SourceFactory(url=local_site.url("/busy"))
    from sources.scheduling import host_slot

    with host_slot("127.0.0.1"):
        tasks.check_source.delay(source.pk)
        time.sleep(2)
        assert local_site.hits == 0  # held back, not blocking: the worker is free
    _wait_for(
        lambda: SourceCheck.objects.filter(source=source).exists(),
        30,
        "the check never ran after the host was freed",
    )
    assert local_site.hits == 1


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )


def _start_worker_process(name: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "SOURCES_TOTAL_TIMEOUT": "60",
        "SOURCES_PER_HOST_CONCURRENCY": "8",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-mingle", "--without-gossip", "-l", "INFO", "-n", f"{name}@%h"],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_check_is_redelivered_and_completes_once(local_site, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL")
    app.conf.task_always_eager = False
    app.control.purge()
    cache.clear()
    source = SourceFactory(url=local_site.url("/slow"))
    local_site.hold = True
    first = _start_worker_process("doomed", tmp_path / "first.log")
    second = None
    try:
        tasks.check_source.delay(source.pk)
        assert local_site.first_request.wait(60), (tmp_path / "first.log").read_text()
        # The check is blocked on the slow server: kill the worker without warning.
        _stop(first, signal.SIGKILL)
        assert not SourceCheck.objects.filter(source=source).exists()
        local_site.hold = False
        local_site.release.set()
        second = _start_worker_process("rescuer", tmp_path / "second.log")
        _wait_for(
            lambda: SourceCheck.objects.filter(source=source).exists(),
            90,
            "the task was not redelivered: " + (tmp_path / "second.log").read_text()[-2000:],
        )
        time.sleep(6)  # longer than the visibility timeout: a second delivery would show now
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)
    check = SourceCheck.objects.get(source=source)
    assert check.outcome == "ok" and check.repeat_count == 1
    assert Snapshot.objects.filter(source=source).count() == 1
    assert local_site.hits == 2  # the killed attempt and the redelivered one
