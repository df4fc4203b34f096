"""The check_sources task: enqueued in batches by the dispatcher, run by real Celery workers."""

import base64
import json
import signal
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from config.celery import app
from sources import scheduling, tasks
from sources.models import Snapshot, Source, SourceCheck
from tests.factories import SourceFactory
from tests.support.services import start_worker_process, stop_process, wait_for
from tests.support.tasks import task_returns

HOUR = timedelta(hours=1)


@pytest.mark.django_db
def test_dispatcher_checks_due_sources_in_batches_in_process(
    eager, local_site, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SOURCES_CHECK_BATCH_SIZE = 3
    now = timezone.now()
    sources = [SourceFactory(url=local_site.url(f"/due-{i}"), next_check_at=now) for i in range(7)]
    calls = []
    real_delay = tasks.check_sources.delay
    monkeypatch.setattr(
        tasks.check_sources, "delay", lambda *args: calls.append(args) or real_delay(*args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due_checks.delay().get() == 7
    assert [len(ids) for ids, _ in calls] == [3, 3, 1]
    assert len({lease for _, lease in calls}) == 1
    assert Source.objects.filter(pk__in=[s.pk for s in sources], last_outcome="ok").count() == 7
    assert local_site.total_hits == 7


def _queued_tasks() -> list[tuple[str, list]]:
    """(task name, args) of every message waiting in the broker's default queue."""
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queued = []
    for raw in reversed(client.lrange(settings.CELERY_QUEUE_NAME, 0, -1)):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        queued.append((message["headers"]["task"], args))
    return queued


@pytest.mark.services
@pytest.mark.django_db
def test_dispatcher_enqueues_batches_with_their_lease_on_the_broker(
    settings, django_capture_on_commit_callbacks
):
    settings.SOURCES_CHECK_BATCH_SIZE = 4
    app.conf.task_always_eager = False
    app.control.purge()
    try:
        now = timezone.now()
        ids = [SourceFactory(next_check_at=now).pk for _ in range(10)]
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.dispatch_due_checks() == 10
        queued = _queued_tasks()
    finally:
        app.control.purge()
    assert [name for name, _ in queued] == ["sources.tasks.check_sources"] * 3
    assert sorted(pk for _, (batch, _lease) in queued for pk in batch) == sorted(ids)
    assert [len(batch) for _, (batch, _lease) in queued] == [4, 4, 2]
    [lease] = {lease for _, (_batch, lease) in queued}
    assert set(Source.objects.values_list("next_check_at", flat=True)) == {
        timezone.datetime.fromisoformat(lease)
    }


@pytest.mark.services
def test_real_worker_hands_a_busy_hosts_sources_back_and_the_dispatcher_retries_them(
    real_worker, local_site, settings
):
    settings.SOURCES_PER_HOST_CONCURRENCY = 1
    settings.SOURCES_TOTAL_TIMEOUT = 2  # handed back for about 1-2 s
    now = timezone.now()
    ids = [SourceFactory(url=local_site.url(f"/busy-{i}"), next_check_at=now).pk for i in range(4)]
    with task_returns(tasks.dispatch_due_checks) as dispatched:
        with scheduling.host_slot("127.0.0.1"):
            tasks.dispatch_due_checks.delay()
            wait_for(
                lambda: (
                    Source.objects.filter(pk__in=ids, next_check_at__lt=now + HOUR).count() == 4
                ),
                30,
                "the busy host's sources were not handed back",
            )
            assert local_site.total_hits == 0  # held back, not blocking: the worker is free
        time.sleep(2.5)
        tasks.dispatch_due_checks.delay()
        wait_for(
            lambda: SourceCheck.objects.filter(source_id__in=ids).count() == 4,
            30,
            "the busy host's sources were not checked after the host was freed",
        )
    # The first run through the broker claimed the four due sources. (Which run checks them
    # depends on when the worker thread starts consuming, so only the first is asserted.)
    assert dispatched[:1] == [4]
    assert local_site.total_hits == 4
    assert list(SourceCheck.objects.values_list("repeat_count", flat=True)) == [1] * 4


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_is_redelivered_and_each_check_completes_once(local_site, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL")
    app.conf.task_always_eager = False
    app.control.purge()
    cache.clear()
    now = timezone.now()
    ids = [SourceFactory(url=local_site.url(f"/slow-{i}"), next_check_at=now).pk for i in range(4)]
    due = scheduling.claim_due_batches(now)
    local_site.hold = True
    first = start_worker_process("doomed", tmp_path / "first.log")
    second = None
    try:
        tasks.enqueue_batches(due.batches, due.lease_until)
        assert local_site.held.wait(60), (tmp_path / "first.log").read_text()
        # The batch is fetching from the slow server: kill the worker without warning.
        stop_process(first, signal.SIGKILL)
        assert not SourceCheck.objects.filter(source_id__in=ids).exists()
        killed_hits = local_site.total_hits
        local_site.hold = False
        local_site.release.set()
        second = start_worker_process("rescuer", tmp_path / "second.log")
        wait_for(
            lambda: SourceCheck.objects.filter(source_id__in=ids).count() == 4,
            90,
            "the batch was not redelivered: " + (tmp_path / "second.log").read_text()[-2000:],
        )
        time.sleep(6)  # longer than the visibility timeout: a second delivery would show now
    finally:
        stop_process(first, signal.SIGKILL)
        if second is not None:
            stop_process(second)
    assert list(SourceCheck.objects.values_list("outcome", "repeat_count")) == [("ok", 1)] * 4
    assert Snapshot.objects.filter(source_id__in=ids).count() == 4
    assert local_site.total_hits == killed_hits + 4  # the interrupted fetches, then one per source
