import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from sources import scheduling
from sources.models import Source
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def rules(settings):
    settings.SOURCES_MIN_INTERVAL_HOURS = 1
    settings.SOURCES_MAX_INTERVAL_HOURS = 8
    settings.SOURCES_BROKEN_AFTER_FAILURES = 3
    settings.SOURCES_BROKEN_AFTER_HOURS = 24
    return settings


def test_stable_sources_back_off_doubling_up_to_the_maximum(rules):
    source = SourceFactory(check_interval_seconds=3600)
    now = timezone.now()
    intervals = []
    for _ in range(5):
        plan = scheduling.schedule_after_success(source, changed=False, now=now)
        source.check_interval_seconds = plan.interval_seconds
        intervals.append(plan.interval_seconds // 3600)
    assert intervals == [2, 4, 8, 8, 8]
    assert plan.next_check_at == now + 8 * HOUR


def test_a_change_brings_the_interval_back_to_the_minimum(rules):
    source = SourceFactory(check_interval_seconds=8 * 3600)
    plan = scheduling.schedule_after_success(source, changed=True, now=timezone.now())
    assert plan.interval_seconds == 3600


def test_failing_sources_are_retried_spaced_for_the_broken_rule(rules):
    """3 failures over 24 hours: retries 12 hours apart, so the third lands at 24 hours."""
    t0 = timezone.now()
    source = SourceFactory(check_interval_seconds=8 * 3600, first_failure_at=t0)
    source.consecutive_failures = 1
    assert scheduling.schedule_after_failure(source, now=t0).next_check_at == t0 + 12 * HOUR
    source.consecutive_failures = 2
    later = t0 + 12 * HOUR
    assert scheduling.schedule_after_failure(source, now=later).next_check_at == t0 + 24 * HOUR


def test_failure_retry_is_never_sooner_than_the_minimum_interval(rules):
    t0 = timezone.now()
    source = SourceFactory(first_failure_at=t0 - 30 * HOUR, consecutive_failures=2)
    plan = scheduling.schedule_after_failure(source, now=t0)
    assert plan.next_check_at == t0 + HOUR


def test_broken_sources_are_still_visited_less_often(rules):
    source = SourceFactory(state=Source.State.BROKEN, check_interval_seconds=3600)
    plan = scheduling.schedule_after_failure(source, now=timezone.now())
    assert plan.interval_seconds == 8 * 3600  # max(24 h, 2 h) capped at the 8 h maximum


def test_claim_due_sources_takes_due_ones_in_order_and_leases_them():
    now = timezone.now()
    late = SourceFactory(next_check_at=now - 2 * HOUR)
    later = SourceFactory(next_check_at=now - HOUR)
    SourceFactory(next_check_at=now + HOUR)  # not due
    SourceFactory(next_check_at=now - 3 * HOUR, monitoring_enabled=False)
    assert scheduling.claim_due_sources(now, limit=10) == [late.pk, later.pk]
    # Leased: a second dispatcher run does not take them again...
    assert scheduling.claim_due_sources(now, limit=10) == []
    late.refresh_from_db()
    assert late.next_check_at == now + timedelta(seconds=scheduling.lease_seconds())
    # ...until the lease has run out (the check was lost).
    after_lease = now + timedelta(seconds=scheduling.lease_seconds() + 1)
    assert scheduling.claim_due_sources(after_lease, limit=10) == [late.pk, later.pk]


def test_claim_due_sources_respects_the_limit():
    now = timezone.now()
    sources = [SourceFactory(next_check_at=now - HOUR - i * timedelta(minutes=1)) for i in range(5)]
    first = scheduling.claim_due_sources(now, limit=2)
    second = scheduling.claim_due_sources(now, limit=10)
    assert len(first) == 2
    assert sorted(first + second) == sorted(s.pk for s in sources)


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_skips_rows_another_dispatcher_holds():
    now = timezone.now()
    sources = [SourceFactory(next_check_at=now - HOUR - i * timedelta(minutes=1)) for i in range(6)]
    oldest_three = {s.pk for s in sources[-3:]}
    locked, release = threading.Event(), threading.Event()

    def hold_three():
        try:
            with transaction.atomic():
                list(Source.objects.filter(pk__in=oldest_three).select_for_update())
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_three)
    holder.start()
    assert locked.wait(10)
    try:
        claimed = scheduling.claim_due_sources(now, limit=10)
    finally:
        release.set()
        holder.join()
    assert set(claimed) == {s.pk for s in sources} - oldest_three


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_never_claim_the_same_source():
    now = timezone.now()
    ids = {SourceFactory(next_check_at=now - timedelta(seconds=i)).pk for i in range(120)}
    claimed: list[list[int]] = [[], [], [], []]
    start = threading.Barrier(4)

    def dispatcher(slot: int) -> None:
        try:
            start.wait()
            while batch := scheduling.claim_due_sources(now, limit=7):
                claimed[slot].extend(batch)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatcher, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [pk for batch in claimed for pk in batch]
    assert len(everything) == len(set(everything)), "a source was claimed twice"
    assert set(everything) == ids
    assert sum(1 for batch in claimed if batch) >= 2  # they really ran side by side


def test_host_slots_limit_concurrent_requests_per_host(settings):
    settings.SOURCES_PER_HOST_CONCURRENCY = 2
    with scheduling.host_slot("slow.example"), scheduling.host_slot("slow.example"):
        with pytest.raises(scheduling.HostBusy) as busy, scheduling.host_slot("slow.example"):
            pass
        assert busy.value.retry_after >= 1
        with scheduling.host_slot("other.example"):  # another host is not held back
            pass
    with scheduling.host_slot("slow.example"):  # slots were released
        pass
