"""Celery tasks: in-process (eager) by default, and against the real Redis broker and workers."""

import signal
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from config.celery import app
from sources import tasks
from sources.models import Snapshot, Source, SourceCheck
from tests.factories import SourceFactory
from tests.support.services import start_worker_process, stop_process, wait_for
from tests.support.tasks import task_returns


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
    assert local_site.total_hits == 3


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


@pytest.mark.services
def test_real_worker_processes_dispatched_checks_end_to_end(real_worker, local_site):
    now = timezone.now()
    sources = [SourceFactory(url=local_site.url(f"/page-{i}"), next_check_at=now) for i in range(5)]
    with task_returns(tasks.dispatch_due_checks) as dispatched:
        tasks.dispatch_due_checks.delay()
        ids = [s.pk for s in sources]
        wait_for(
            lambda: Source.objects.filter(pk__in=ids, last_outcome="ok").count() == 5,
            60,
            "the worker did not check every dispatched source",
        )
    assert dispatched == [5]  # one run, through the broker, that claimed the five due sources
    assert SourceCheck.objects.filter(source_id__in=ids).count() == 5
    assert Snapshot.objects.filter(source_id__in=ids).count() == 5
    assert local_site.total_hits == 5


@pytest.mark.services
def test_real_worker_retries_later_when_the_host_is_busy(real_worker, local_site, settings):
    settings.SOURCES_PER_HOST_CONCURRENCY = 1
    settings.SOURCES_TOTAL_TIMEOUT = 2  # retry countdown of about 1-2 s
    source = SourceFactory(url=local_site.url("/busy"))
    from sources.scheduling import host_slot

    with host_slot("127.0.0.1"):
        tasks.check_source.delay(source.pk)
        time.sleep(2)
        assert local_site.total_hits == 0  # held back, not blocking: the worker is free
    wait_for(
        lambda: SourceCheck.objects.filter(source=source).exists(),
        30,
        "the check never ran after the host was freed",
    )
    assert local_site.total_hits == 1


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
    first = start_worker_process("doomed", tmp_path / "first.log")
    second = None
    try:
        tasks.check_source.delay(source.pk)
        assert local_site.held.wait(60), (tmp_path / "first.log").read_text()
        # The check is blocked on the slow server: kill the worker without warning.
        stop_process(first, signal.SIGKILL)
        assert not SourceCheck.objects.filter(source=source).exists()
        local_site.hold = False
        local_site.release.set()
        second = start_worker_process("rescuer", tmp_path / "second.log")
        wait_for(
            lambda: SourceCheck.objects.filter(source=source).exists(),
            90,
            "the task was not redelivered: " + (tmp_path / "second.log").read_text()[-2000:],
        )
        time.sleep(6)  # longer than the visibility timeout: a second delivery would show now
    finally:
        stop_process(first, signal.SIGKILL)
        if second is not None:
            stop_process(second)
    check = SourceCheck.objects.get(source=source)
    assert check.outcome == "ok" and check.repeat_count == 1
    assert Snapshot.objects.filter(source=source).count() == 1
    assert local_site.total_hits == 2  # the killed attempt and the redelivered one


@pytest.mark.django_db
def test_check_now_without_a_broker_runs_the_check_after_commit(
    eager, monkeypatch, django_capture_on_commit_callbacks
):
    ran = []
    monkeypatch.setattr(tasks.check_source, "delay", ran.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.queue_checks_now([4, 5])
    assert ran == []
    for callback in callbacks:
        callback()
    assert ran == [4, 5]


@pytest.mark.django_db
def test_check_now_with_the_broker_down_raises_and_leaves_nothing_to_send(
    unreachable_broker, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(tasks.BrokerUnavailable, match="no check was queued"),
    ):
        tasks.queue_checks_now([4])
    assert callbacks == []


@pytest.mark.services
@pytest.mark.django_db
def test_check_now_with_the_broker_up_sends_one_task_per_source_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    import redis

    queue = f"check-now-{time.time_ns()}"
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "task_default_queue", queue)
    broker = redis.Redis.from_url(app.conf.broker_url)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            tasks.queue_checks_now([4, 5])
        assert broker.llen(queue) == 0  # probed, not sent before the commit
        for callback in callbacks:
            callback()
        assert broker.llen(queue) == 2
    finally:
        broker.delete(queue)
