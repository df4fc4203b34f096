"""sources.batches: a batch of checks gives the rows of single checks, with fewer queries."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import Claim
from sources import batches, scheduling
from sources.checking import check_source
from sources.models import Snapshot, Source, SourceCheck
from tests.factories import SourceFactory
from tests.support.builders import cited_source
from tests.support.pages import article
from tests.support.servers import LocalServer, Site, page

HOUR = timedelta(hours=1)
BLOCKED = "http://169.254.169.254/latest/meta-data/"


@pytest.fixture
def rules(request):
    """The checking tests' timing rules, with room for a batch's concurrent fetches."""
    settings = request.getfixturevalue("fast_rules")
    settings.SOURCES_PER_HOST_CONCURRENCY = 4
    settings.SOURCES_CHECK_THREADS = 4
    return settings


KINDS = ["same", "etag", "figure", "gone", "blocked", "uncited"]


def serve_round(site: Site, prefix: str, number: int) -> None:
    """What the pages say at each round: the figure is edited and a page goes at round 1."""
    site.set(f"{prefix}same", article())
    site.set(f"{prefix}etag", article(), ETag='"v1"')
    site.set(f"{prefix}figure", article("9,450" if number >= 1 else "9,400"))
    if number >= 1:
        site.set(f"{prefix}gone", "gone away", status=404)
    else:
        site.set(f"{prefix}gone", article())
    site.set(f"{prefix}blocked", b"", status=302, Location=BLOCKED)
    site.set(f"{prefix}uncited", article(extra="<p>Nobody cites this page.</p>"))


def make_sources(site: Site, prefix: str) -> list[Source]:
    return [
        SourceFactory(url=site.url(f"{prefix}{kind}"), title="")
        if kind == "uncited"
        else cited_source(site.url(f"{prefix}{kind}"))
        for kind in KINDS
    ]


def describe(source: Source, now) -> dict:
    """Everything a check writes about one source, with its URL prefix made neutral."""
    source.refresh_from_db()

    def neutral(text):
        return str(text).replace("/one/", "/X/").replace("/batch/", "/X/")

    citation = source.citations.select_related("claim").first()
    claim = Claim.objects.get(pk=citation.claim_id) if citation else None
    return {
        "source": (
            source.state,
            source.last_outcome,
            source.consecutive_failures,
            source.check_interval_seconds,
            source.next_check_at - now,
            source.last_checked_at == now,
            source.body_hash,
            source.etag,
            neutral(source.final_url),
            source.title,
            source.current_snapshot.content_hash if source.current_snapshot else None,
        ),
        "checks": [
            (c.outcome, c.repeat_count, c.http_status, c.content_length, neutral(c.error))
            for c in source.checks.order_by("started_at", "pk")
        ],
        "snapshots": sorted(source.snapshots.values_list("content_hash", flat=True)),
        "citation": citation and (citation.excerpt_state, citation.found_figure),
        "claim": claim and (claim.needs_attention, neutral(claim.attention_reason)),
    }


@pytest.mark.django_db
def test_a_batch_writes_what_checking_one_by_one_writes(site, rules):
    singles, batched = make_sources(site, "/one/"), make_sources(site, "/batch/")
    t0 = timezone.now()
    # Round 1 edits a figure and loses a page; by round 3 the lost page has failed over 24 h.
    for number, hours in enumerate([0, 1, 13, 26, 27]):
        now = t0 + hours * HOUR
        serve_round(site, "/one/", number)
        serve_round(site, "/batch/", number)
        for source in singles:
            check_source(source.pk, now=now)
        result = batches.check_sources([s.pk for s in batched], now=now)
        assert set(result.outcomes) == {s.pk for s in batched}
        assert not (result.busy or result.skipped or result.failed)
        for kind, one, other in zip(KINDS, singles, batched, strict=True):
            assert describe(other, now) == describe(one, now), (kind, number)
    states = {kind: s.state for kind, s in zip(KINDS, batched, strict=True)}
    assert states == {
        "same": "ok",
        "etag": "ok",
        "figure": "ok",
        "gone": "broken",
        "blocked": "blocked",
        "uncited": "ok",
    }
    figure = batched[KINDS.index("figure")].citations.get()
    assert (figure.excerpt_state, figure.found_figure) == ("figure_changed", "9,450")


@pytest.mark.django_db
def test_unchanged_checks_add_no_rows_run_no_signal_and_cost_the_same_queries_for_any_size(
    local_site, rules
):
    small = [cited_source(local_site.url(f"/small-{i}")) for i in range(3)]
    large = [cited_source(local_site.url(f"/large-{i}")) for i in range(12)]
    large += [SourceFactory(url=local_site.url(f"/plain-{i}")) for i in range(3)]
    for group in (small, large):
        batches.check_sources([s.pk for s in group])
    rows = SourceCheck.objects.count(), Snapshot.objects.count()
    saves = []

    def saved(sender, instance, **kwargs):
        saves.append(instance)

    post_save.connect(saved, sender=Source, weak=False)
    try:
        queries = []
        for group in (small, large):
            with CaptureQueriesContext(connection) as captured:
                result = batches.check_sources([s.pk for s in group])
            assert set(result.outcomes.values()) == {"ok"}
            queries.append(len(captured))
    finally:
        post_save.disconnect(saved, sender=Source)
    assert (SourceCheck.objects.count(), Snapshot.objects.count()) == rows
    assert saves == []  # no per-source save, so no page-cache signal either
    # PostgreSQL: the load and one UPDATE statement; elsewhere a savepoint, a lock and two bulk
    # UPDATEs. Either way the count does not grow with the batch.
    assert queries[0] == queries[1] == (2 if connection.vendor == "postgresql" else 6)
    assert set(SourceCheck.objects.values_list("repeat_count", flat=True)) == {2}
    assert set(Source.objects.values_list("check_interval_seconds", flat=True)) == {2 * 3600}
    assert sum(local_site.hits.values()) == 2 * (len(small) + len(large))


def new_pages(server, edited, prefix: str, count: int) -> list[Source]:
    """`count` sources never checked: a third uncited, a third cited for the figure the page
    shows, a third on the `edited` server, whose page shows another figure (claims flagged)."""
    sources = []
    for i in range(count):
        if i % 3 == 0:
            sources.append(SourceFactory(url=server.url(f"/{prefix}-{i}"), title=""))
        else:
            sources.append(cited_source((server if i % 3 == 1 else edited).url(f"/{prefix}-{i}")))
    return sources


@pytest.fixture
def edited_site():
    server = LocalServer(page(article("9,450")))
    yield server
    server.close()


@pytest.mark.django_db
def test_first_checks_of_a_batch_cost_the_same_queries_and_cache_writes_for_any_size(
    local_site, edited_site, rules, monkeypatch
):
    from claims import caching

    small = new_pages(local_site, edited_site, "small", 5)
    large = new_pages(local_site, edited_site, "large", 20)
    saves, bumps, queries = [], [], []

    def saved(sender, instance, **kwargs):
        saves.append(instance)

    monkeypatch.setattr(caching, "_try_bump", lambda key: bumps.append(key) or True)
    post_save.connect(saved, sender=Source, weak=False)
    try:
        for group in (small, large):
            bumps.clear()
            with CaptureQueriesContext(connection) as captured:
                result = batches.check_sources([s.pk for s in group])
            assert set(result.outcomes) == {s.pk for s in group}
            assert set(result.outcomes.values()) == {"ok"}
            queries.append(len(captured))
            # Each page-cache version once for the batch: the lists, and each citing claim.
            claims = Claim.objects.filter(citations__source__in=group).values_list("pk", flat=True)
            assert sorted(bumps) == sorted(
                [caching.LISTS_VERSION_KEY, *(f"public:v:claim:{pk}" for pk in claims)]
            )
    finally:
        post_save.disconnect(saved, sender=Source)
    assert queries[0] == queries[1], queries
    assert saves == []  # bulk writes only
    for group in (small, large):
        assert Snapshot.objects.filter(source__in=group).count() == len(group)
        assert SourceCheck.objects.filter(source__in=group, repeat_count=1).count() == len(group)
        for i, source in enumerate(group):
            source.refresh_from_db()
            assert (source.state, source.last_outcome, source.title) == (
                "ok",
                "ok",
                "Returns rise | Home Office",
            )
            assert source.current_snapshot.source_id == source.pk
            if i % 3:
                citation = source.citations.select_related("claim").get()
                moved = i % 3 == 2
                assert citation.excerpt_state == ("figure_changed" if moved else "present")
                assert citation.claim.needs_attention is moved
                if moved:
                    assert citation.claim.attention_reason.startswith("Figure 9,400 → 9,450")
                    assert citation.claim.events.filter(kind="attention").count() == 1


@pytest.mark.django_db
def test_first_checks_in_a_batch_write_nothing_for_a_source_whose_lease_was_taken(
    local_site, edited_site, rules, monkeypatch
):
    now = timezone.now()
    sources = new_pages(local_site, edited_site, "leased", 6)
    Source.objects.filter(pk__in=[s.pk for s in sources]).update(next_check_at=now)
    due = scheduling.claim_due_batches(now, size=10)
    [batch] = due.batches
    # Another delivery recorded one of them while this one was fetching: its lease is gone.
    taken = sources[2]
    fetch_one = batches._fetch_one

    def fetch_and_lose_lease(source):
        if source.pk == taken.pk:
            Source.objects.filter(pk=taken.pk).update(next_check_at=now + timedelta(days=1))
        return fetch_one(source)

    monkeypatch.setattr(batches, "_fetch_one", fetch_and_lose_lease)
    result = batches.check_sources(batch, lease_until=due.lease_until, threads=1)
    assert result.skipped == [taken.pk]
    assert set(result.outcomes) == {s.pk for s in sources} - {taken.pk}
    assert not SourceCheck.objects.filter(source=taken).exists()
    assert not Snapshot.objects.filter(source=taken).exists()
    taken.refresh_from_db()
    assert (taken.state, taken.last_checked_at) == ("unchecked", None)
    assert taken.citations.get().excerpt_state == "unknown"


@pytest.mark.django_db
def test_an_unchanged_page_whose_citation_was_edited_is_looked_up_again(local_site, rules):
    source = cited_source(local_site.url("/edited"))
    batches.check_sources([source.pk])
    citation = source.citations.get()
    citation.excerpt = "£75 million of new funding"
    citation.cited_figure = ""
    citation.save()
    batches.check_sources([source.pk])
    citation.refresh_from_db()
    assert (citation.excerpt_state, citation.found_figure) == ("present", "£75 million")
    assert source.checks.get().repeat_count == 2


@pytest.mark.django_db
def test_a_redelivered_batch_checks_only_what_was_not_checked_under_its_lease(local_site, rules):
    now = timezone.now()
    sources = [SourceFactory(url=local_site.url(f"/due-{i}"), next_check_at=now) for i in range(5)]
    due = scheduling.claim_due_batches(now, size=10)
    [batch] = due.batches
    assert sorted(batch) == sorted(s.pk for s in sources)
    # The first delivery recorded two checks before its worker died.
    first = batches.check_sources(batch[:2], lease_until=due.lease_until)
    assert len(first.outcomes) == 2
    again = batches.check_sources(batch, lease_until=due.lease_until)
    assert sorted(again.skipped) == sorted(batch[:2]) and len(again.outcomes) == 3
    once_more = batches.check_sources(batch, lease_until=due.lease_until)
    assert sorted(once_more.skipped) == sorted(batch) and not once_more.outcomes
    assert local_site.hits == {f"/due-{i}": 1 for i in range(5)}
    assert list(SourceCheck.objects.values_list("repeat_count", flat=True)) == [1] * 5
    # The next slot has a new lease: the same sources are checked again, once.
    later = now + timedelta(days=30)
    next_slot = scheduling.claim_due_batches(later, size=10)
    batches.check_sources(next_slot.batches[0], lease_until=next_slot.lease_until, now=later)
    batches.check_sources(next_slot.batches[0], lease_until=next_slot.lease_until, now=later)
    assert set(SourceCheck.objects.values_list("repeat_count", flat=True)) == {2}
    assert set(local_site.hits.values()) == {2}


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_batch_at_once_record_each_check_once(local_site, rules):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL's row locks")
    # Slots for both deliveries: what is tested is the race to record, under the row locks.
    # (A delivery that finds the host busy hands the sources back to the dispatcher instead.)
    rules.SOURCES_PER_HOST_CONCURRENCY = 8
    sources = [cited_source(local_site.url(f"/twice-{i}")) for i in range(6)]
    ids = [s.pk for s in sources]
    for slot in range(2):  # new pages, then unchanged pages (the one-statement fast path)
        now = timezone.now() + timedelta(days=30 * slot)
        Source.objects.filter(pk__in=ids).update(next_check_at=now)
        due = scheduling.claim_due_batches(now, size=10)
        results = []

        def deliver(due=due, results=results):
            try:
                results.append(batches.check_sources(due.batches[0], lease_until=due.lease_until))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        recorded = [pk for result in results for pk in result.outcomes]
        assert sorted(recorded) == sorted(ids)  # each source recorded by one delivery only
        assert list(SourceCheck.objects.values_list("repeat_count", flat=True)) == [slot + 1] * 6
    assert Snapshot.objects.count() == 6


@pytest.mark.django_db
def test_a_busy_hosts_sources_are_handed_back_and_the_other_hosts_checked(rules, local_site, serve):
    rules.SOURCES_PER_HOST_CONCURRENCY = 1
    rules.SOURCES_FETCH_ALLOW = [*rules.SOURCES_FETCH_ALLOW, "127.0.0.2"]
    other = serve("127.0.0.2")
    busy = [SourceFactory(url=local_site.url(f"/busy-{i}")) for i in range(3)]
    free = [SourceFactory(url=other.url(f"/free-{i}")) for i in range(3)]
    ids = [s.pk for pair in zip(busy, free, strict=True) for s in pair]
    now = timezone.now()
    Source.objects.filter(pk__in=ids).update(next_check_at=now)
    due = scheduling.claim_due_batches(now, size=10)
    with scheduling.host_slot("127.0.0.1"):
        result = batches.check_sources(due.batches[0], lease_until=due.lease_until)
    assert sorted(result.busy) == sorted(s.pk for s in busy)
    assert sorted(result.outcomes) == sorted(s.pk for s in free)
    assert local_site.hits == {} and sum(other.hits.values()) == 3
    assert not SourceCheck.objects.filter(source__in=busy).exists()
    # Handed back to the dispatcher: due again within seconds (SOURCES_TOTAL_TIMEOUT is 3 s).
    for source in busy:
        source.refresh_from_db()
        assert timezone.now() < source.next_check_at < timezone.now() + timedelta(seconds=5)
    later = timezone.now() + timedelta(seconds=5)
    again = scheduling.claim_due_batches(later, size=10)
    assert sorted(again.batches[0]) == sorted(result.busy)
    checked = batches.check_sources(again.batches[0], lease_until=again.lease_until, now=later)
    assert sorted(checked.outcomes) == sorted(result.busy)
    assert sum(local_site.hits.values()) == 3


@pytest.mark.django_db
def test_host_slots_are_taken_for_a_whole_batch_up_to_the_limit(rules):
    rules.SOURCES_PER_HOST_CONCURRENCY = 3
    first = scheduling.take_host_slots({"a.example": 2, "b.example": 5})
    assert first.granted == {"a.example": 2, "b.example": 3}
    second = scheduling.take_host_slots({"a.example": 5, "b.example": 1})
    assert second.granted == {"a.example": 1, "b.example": 0}
    with pytest.raises(scheduling.HostBusy), scheduling.host_slot("a.example"):
        pass
    scheduling.free_host_slots(first)
    scheduling.free_host_slots(second)
    with scheduling.host_slots({"a.example": 3, "b.example": 3}) as slots:
        assert slots.granted == {"a.example": 3, "b.example": 3}
    again = scheduling.take_host_slots({"a.example": 3})
    assert again.granted == {"a.example": 3}  # everything was freed
    scheduling.free_host_slots(again)


@pytest.mark.django_db
def test_due_sources_are_claimed_in_batches_that_spread_each_host(rules):
    now = timezone.now()
    crowded = [
        SourceFactory(url=f"https://crowded.example/{i}", next_check_at=now) for i in range(6)
    ]
    others = [SourceFactory(url=f"https://site-{i}.example/", next_check_at=now) for i in range(3)]
    due = scheduling.claim_due_batches(now, size=3)
    assert sorted(pk for batch in due.batches for pk in batch) == sorted(
        s.pk for s in crowded + others
    )
    assert [len(batch) for batch in due.batches] == [3, 3, 3]
    hosts = dict(Source.objects.values_list("pk", "host"))
    # The crowded host's six sources are spread out instead of filling two whole batches.
    assert all(len({hosts[pk] for pk in batch}) >= 2 for batch in due.batches[:2])
    assert due.lease_until == now + timedelta(seconds=scheduling.lease_seconds())
    assert set(Source.objects.values_list("next_check_at", flat=True)) == {due.lease_until}
    assert scheduling.claim_due_batches(now, size=3).batches == []


@pytest.mark.services
@pytest.mark.django_db
def test_a_long_batch_keeps_its_host_slots_from_expiring(rules):
    from django.core.cache import cache

    slots = scheduling.take_host_slots({"slow.example": 2})
    client = cache._cache.get_client(write=True)
    try:
        [key, _] = slots.keys
        client.pexpire(key, 5000)  # as if most of the expiry had passed
        slots.keep()  # not yet half the expiry since the slots were taken: nothing to do
        assert client.pttl(key) <= 5000
        slots.extended_at -= scheduling._slot_expiry()
        slots.keep()
        assert client.pttl(key) > 5000
        assert client.get(key).decode() == slots.token
    finally:
        scheduling.free_host_slots(slots)
    assert client.get(key) is None


@pytest.mark.django_db
def test_a_page_back_to_an_earlier_text_gets_its_snapshot_back_in_a_batch(site, rules):
    source = cited_source(site.url("/restored"))
    t0 = timezone.now()
    for hours, figure in [(0, "9,400"), (1, "9,450"), (2, "9,400")]:
        site.set("/restored", article(figure))
        result = batches.check_sources([source.pk], now=t0 + hours * HOUR)
        assert result.outcomes[source.pk] == ("ok" if hours == 0 else "changed")
    first = Snapshot.objects.filter(source=source).order_by("created_at").first()
    source.refresh_from_db()
    assert Snapshot.objects.filter(source=source).count() == 2
    assert source.current_snapshot_id == first.pk
    citation = source.citations.get()
    assert (citation.excerpt_state, citation.found_figure) == ("present", "9,400")
    assert [c.outcome for c in source.checks.order_by("started_at")] == ["ok", "changed", "changed"]


@pytest.mark.django_db
def test_a_lane_fetches_its_pages_over_one_kept_alive_connection(rules):
    from tests.support.servers import RawServer, read_request_head

    body = article().encode()
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )

    def keeps_alive(conn, server):
        server.send(conn, answer)
        while read_request_head(conn):
            server.send(conn, answer)

    server = RawServer(keeps_alive)
    try:
        sources = [SourceFactory(url=server.url(f"/page-{i}"), title="") for i in range(8)]
        result = batches.check_sources([s.pk for s in sources], polite=False, threads=2)
        assert set(result.outcomes.values()) == {"ok"} and len(result.outcomes) == 8
        assert server.connections == 2  # one per lane, not one per page
        # The same text as a single check over a connection of its own.
        single = SourceFactory(url=server.url("/single"), title="")
        check_source(single.pk)
        texts = set(Snapshot.objects.values_list("main_text", "full_text", "title"))
        assert len(texts) == 1 and Snapshot.objects.count() == 9
    finally:
        server.stop()
