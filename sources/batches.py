"""Check a batch of sources at once: what the dispatcher's tasks run (tasks.check_sources).

The rules and the rows are those of checking.check_source, source by source; only the cost
differs (issue 3: at least LinkChecker's rate):

1. One query loads the batch, with each source's latest history row and whether a citation
   needs re-locating. Sources no longer under the dispatcher's lease are skipped: they were
   already checked in this slot (a redelivered or retried batch).
2. One Redis round trip takes the politeness slots of all the batch's hosts (another frees
   them); a host with no free slot has its sources handed back to the dispatcher, which
   claims them again a few seconds later (scheduling.hand_back).
3. Fetch and classify concurrently: SOURCES_CHECK_THREADS threads, at most the slots held per
   host, no database access in the threads.
4. The usual case, the page as it was (a 304 or the same bytes) with nothing else to change, is
   recorded for the whole batch in one transaction: a locking SELECT that re-checks the lease
   and that no other check came in between, and two bulk UPDATEs (the sources and their latest
   history rows: repeat_count + 1). No row is added and no signal runs (the page-cache signal
   does nothing for a check that leaves the state as it was).
5. A readable page with a text to store (a first check, a changed page) is recorded for the
   whole batch in one transaction too, in a fixed number of queries (_record_new_texts): the
   rows and rules of checking.record_result, written with bulk inserts and updates, excerpts
   re-located and claims flagged for the batch, page-cache invalidations sent once at the end.
6. Everything else (a failure, a 304 that changes the state, excerpts to re-locate in an
   unchanged text) is recorded by checking.record_result, source by source, as a single check.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from claims import workflow
from claims.caching import deferred_invalidation
from sources import checking, scheduling
from sources.cells import relocate_cells
from sources.extraction import text_hash
from sources.fetching import FetchSession
from sources.models import MONITORING_FIELDS, Citation, Snapshot, Source, SourceCheck
from sources.signals import sources_checked_in_bulk

logger = logging.getLogger(__name__)

Outcome = SourceCheck.Outcome
# What the fast path (4.) needs of a source besides what fetching needs.
RECORD_FIELDS = (
    "state",
    "last_checked_at",
    "check_interval_seconds",
    "consecutive_failures",
    "first_failure_at",
    "final_url",
)


@dataclass
class Fetched:
    source: Source
    result: object  # fetching.FetchResult
    classified: checking.Classified


@dataclass
class BatchResult:
    outcomes: dict[int, str] = field(default_factory=dict)  # per source checked, as recorded
    durations: dict[int, int] = field(default_factory=dict)  # fetch time in ms
    busy: list[int] = field(default_factory=list)  # host at its limit: handed back for later
    skipped: list[int] = field(default_factory=list)  # deleted, or already checked (lease)
    failed: dict[int, str] = field(default_factory=dict)  # unexpected error: lease expiry retries


def _stale_citations():
    """Citations of the outer source whose excerpt must be looked up (again)."""
    return Citation.objects.filter(source=OuterRef("pk")).filter(
        Q(excerpt_state=Citation.ExcerptState.UNKNOWN) | ~Q(checked_excerpt_hash=F("excerpt_hash"))
    )


def _load(source_ids: list[int], lease_until: datetime | None) -> list[Source]:
    latest = SourceCheck.objects.filter(source=OuterRef("pk")).order_by("-last_seen_at", "-pk")
    sources = (
        Source.objects.filter(pk__in=source_ids)
        .only(*checking.FETCH_FIELDS, *RECORD_FIELDS)
        .annotate(
            has_stale_citations=Exists(_stale_citations()),
            latest_check_id=Subquery(latest.values("pk")[:1]),
            latest_outcome=Subquery(latest.values("outcome")[:1]),
            latest_snapshot_id=Subquery(latest.values("snapshot_id")[:1]),
            latest_final_url=Subquery(latest.values("final_url")[:1]),
        )
        .order_by()
    )
    if lease_until is not None:
        sources = sources.filter(next_check_at=lease_until)
    return list(sources)


def check_sources(
    source_ids: list[int],
    *,
    lease_until: datetime | None = None,
    now: datetime | None = None,
    polite: bool = True,
    threads: int | None = None,
) -> BatchResult:
    """Check these sources (see the module's docstring); `lease_until` is the lease the
    dispatcher gave them (scheduling.claim_due_batches), None to check them whatever it is."""
    threads = max(1, threads or settings.SOURCES_CHECK_THREADS)
    sources = _load(source_ids, lease_until)
    batch = BatchResult()
    loaded = {source.pk for source in sources}
    batch.skipped = [pk for pk in source_ids if pk not in loaded]
    by_host: dict[str, list[Source]] = {}
    for source in sources:
        by_host.setdefault(source.host, []).append(source)
    wanted = {host: min(len(group), threads) for host, group in by_host.items()}
    if polite:
        slots = scheduling.take_host_slots(wanted)
    else:
        # In-process runs have no shared slots, but stay polite within the batch.
        limit = settings.SOURCES_PER_HOST_CONCURRENCY
        slots = scheduling.HostSlots(
            {h: min(n, limit) if limit > 0 else n for h, n in wanted.items()}
        )
    try:
        batch.busy = [
            s.pk for host, group in by_host.items() if not slots.granted.get(host) for s in group
        ]
        fetched = _fetch_all(by_host, slots, threads, batch)
    finally:
        if polite:
            scheduling.free_host_slots(slots)
    if batch.busy:
        scheduling.hand_back(batch.busy, lease_until)
    now = now or timezone.now()
    for item in fetched:
        batch.durations[item.source.pk] = item.result.elapsed_ms
    batch.outcomes = _record_unchanged([f for f in fetched if _repeats_latest(f)], now, lease_until)
    new_texts = [f for f in fetched if f.source.pk not in batch.outcomes and _has_new_text(f)]
    recorded, skipped = _record_new_texts(new_texts, now, lease_until)
    batch.outcomes.update(recorded)
    batch.skipped.extend(skipped)
    for item in fetched:
        if item.source.pk in batch.outcomes or item.source.pk in skipped:
            continue
        check = checking.record_result(
            item.source.pk, item.classified, item.result, now, lease_until=lease_until
        )
        if check is None:
            batch.skipped.append(item.source.pk)
        else:
            batch.outcomes[item.source.pk] = check.outcome
    return batch


def _fetch_all(
    by_host: dict[str, list[Source]], slots: scheduling.HostSlots, threads: int, batch: BatchResult
) -> list[Fetched]:
    """Fetch and classify, with as many requests at once per host as slots are held."""
    queues = {host: deque(group) for host, group in by_host.items() if slots.granted.get(host)}
    # One lane per slot, hosts interleaved, so that the first lanes to run cover many hosts.
    per_host = [[host] * min(slots.granted[host], len(queue)) for host, queue in queues.items()]
    lanes = [host for round_ in itertools.zip_longest(*per_host) for host in round_ if host]
    fetched: list[Fetched] = []

    def run_lane(host: str) -> None:
        queue = queues[host]
        # A lane fetches pages of one host one after another: over a kept-alive connection.
        _lane.session = FetchSession()
        try:
            while queue:
                try:
                    source = queue.popleft()
                except IndexError:
                    return
                slots.keep()
                try:
                    fetched.append(_fetch_one(source))
                except Exception as error:  # one odd page must not sink the rest of the batch
                    logger.exception("Unexpected failure checking source %s", source.pk)
                    batch.failed[source.pk] = f"{type(error).__name__}: {error}"
        finally:
            _lane.session.close()
            _lane.session = None

    if len(lanes) <= 1 or threads == 1:
        for host in lanes:
            run_lane(host)
    else:
        list(_fetch_pool(threads).map(run_lane, lanes))
    return fetched


_pools = threading.local()
# The FetchSession of the lane the current thread runs (see _fetch_all).
_lane = threading.local()


def _fetch_pool(threads: int) -> ThreadPoolExecutor:
    """The calling thread's fetch threads, kept from batch to batch (starting threads for every
    batch costs more than a fetch). One pool per worker thread, so that batches running side
    by side do not queue behind each other; a pool inherited through fork is not reused."""
    key = (os.getpid(), threads)
    if getattr(_pools, "key", None) != key:
        if getattr(_pools, "key", (None,))[0] == os.getpid():
            _pools.pool.shutdown(wait=False)  # the thread count setting changed
        _pools.key = key
        _pools.pool = ThreadPoolExecutor(threads, thread_name_prefix="check-fetch")
    return _pools.pool


def _fetch_one(source: Source) -> Fetched:
    started = time.monotonic()
    result = checking.fetch_for_check(source, getattr(_lane, "session", None))
    classified = checking.classify(source, result)
    if not result.elapsed_ms:
        result = checking.with_elapsed(result, int((time.monotonic() - started) * 1000))
    return Fetched(source, result, classified)


def _repeats_latest(item: Fetched) -> bool:
    """Whether record_result would only count this check on the latest history row and move
    the schedule: the same text, state OK before and after, no failure run to end, no
    redirect, no excerpt to look up again."""
    source, result, classified = item.source, item.result, item.classified
    if (
        classified.outcome not in (Outcome.OK, Outcome.NOT_MODIFIED)
        or classified.extracted is not None
    ):
        return False
    if source.current_snapshot_id is None or source.state != Source.State.OK:
        return False
    if source.consecutive_failures or source.first_failure_at or source.final_url:
        return False
    if source.has_stale_citations or source.latest_check_id is None:
        return False
    final_url = result.final_url if result.final_url != source.url else ""
    return (
        source.latest_outcome in checking.SAME_VERSION
        and source.latest_snapshot_id == source.current_snapshot_id
        and source.latest_final_url == final_url
    )


def _record_unchanged(
    items: list[Fetched], now: datetime, lease_until: datetime | None
) -> dict[int, str]:
    """Record the repeats at once; returns {source id: outcome} of those recorded. A source
    that another check touched meanwhile (last_checked_at moved), that left the lease or that
    gained a citation to look up is left out here, and recorded by record_result instead."""
    if not items:
        return {}
    rows = []
    for item in items:
        source, result = item.source, item.result
        plan = scheduling.schedule_after_success(source, changed=False, now=now)
        rows.append(
            UnchangedRow(
                source_id=source.pk,
                seen_checked_at=source.last_checked_at,
                check_id=source.latest_check_id,
                outcome=item.classified.outcome,
                next_check_at=plan.next_check_at,
                interval_seconds=plan.interval_seconds,
                duration_ms=min(max(0, int(result.elapsed_ms)), 2**31 - 1),
                # A 304 has no body: the row keeps the length of the version it stands for.
                content_length=len(result.body) if result.body else None,
            )
        )
    if connection.vendor == "postgresql":
        recorded = _update_unchanged_postgresql(rows, now, lease_until)
    else:
        recorded = _update_unchanged_orm(rows, now, lease_until)
    return {
        item.source.pk: item.source.latest_outcome for item in items if item.source.pk in recorded
    }


@dataclass(frozen=True)
class UnchangedRow:
    source_id: int
    seen_checked_at: datetime | None  # last_checked_at as loaded: no other check since
    check_id: int
    outcome: str
    next_check_at: datetime
    interval_seconds: int
    duration_ms: int
    content_length: int | None


_UPDATE_UNCHANGED = """
WITH v AS (
    SELECT * FROM unnest(%(source_id)s::bigint[], %(seen)s::timestamptz[], %(check_id)s::bigint[],
                         %(outcome)s::varchar[], %(next_check_at)s::timestamptz[],
                         %(interval)s::integer[], %(duration)s::integer[], %(length)s::bigint[])
        AS v(source_id, seen, check_id, outcome, next_check_at, interval, duration, length)
), sources AS (
    UPDATE {source} AS s
       SET last_checked_at = %(now)s, last_outcome = v.outcome,
           next_check_at = v.next_check_at, check_interval_seconds = v.interval
      FROM v
     WHERE s.id = v.source_id
       AND s.last_checked_at IS NOT DISTINCT FROM v.seen
       AND (%(lease)s::timestamptz IS NULL OR s.next_check_at = %(lease)s::timestamptz)
       AND NOT EXISTS (
           SELECT 1 FROM {citation} AS c
            WHERE c.source_id = s.id
              AND (c.excerpt_state = %(unknown)s OR c.checked_excerpt_hash <> c.excerpt_hash))
 RETURNING s.id
)
UPDATE {check} AS c
   SET repeat_count = c.repeat_count + 1, last_seen_at = %(now)s, duration_ms = v.duration,
       error = '', content_length = COALESCE(v.length, c.content_length)
  FROM v JOIN sources ON sources.id = v.source_id
 WHERE c.id = v.check_id
RETURNING c.source_id
"""


def _update_unchanged_postgresql(
    rows: list[UnchangedRow], now: datetime, lease_until: datetime | None
) -> set[int]:
    """One statement for the whole batch: the conditional UPDATE of the sources (it waits for
    and then re-reads a row another check holds) feeds the UPDATE of their history rows."""
    sql = _UPDATE_UNCHANGED.format(
        source=Source._meta.db_table,
        citation=Citation._meta.db_table,
        check=SourceCheck._meta.db_table,
    )
    params = {
        "source_id": [row.source_id for row in rows],
        "seen": [row.seen_checked_at for row in rows],
        "check_id": [row.check_id for row in rows],
        "outcome": [row.outcome for row in rows],
        "next_check_at": [row.next_check_at for row in rows],
        "interval": [row.interval_seconds for row in rows],
        "duration": [row.duration_ms for row in rows],
        "length": [row.content_length for row in rows],
        "now": now,
        "lease": lease_until,
        "unknown": Citation.ExcerptState.UNKNOWN,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {source_id for (source_id,) in cursor.fetchall()}


def _update_unchanged_orm(
    rows: list[UnchangedRow], now: datetime, lease_until: datetime | None
) -> set[int]:
    """The same on other databases (SQLite in development): lock, re-check, bulk_update."""
    unchanged_since = Q()
    for row in rows:
        unchanged_since |= Q(pk=row.source_id, last_checked_at=row.seen_checked_at)
    with transaction.atomic():
        locked = (
            Source.objects.select_for_update()
            .filter(unchanged_since)
            .exclude(Exists(_stale_citations()))
            .order_by()
        )
        if lease_until is not None:
            locked = locked.filter(next_check_at=lease_until)
        still = set(locked.values_list("pk", flat=True))
        rows = [row for row in rows if row.source_id in still]
        if not rows:
            return set()
        Source.objects.bulk_update(
            [
                Source(
                    pk=row.source_id,
                    last_checked_at=now,
                    last_outcome=row.outcome,
                    next_check_at=row.next_check_at,
                    check_interval_seconds=row.interval_seconds,
                )
                for row in rows
            ],
            ["last_checked_at", "last_outcome", "next_check_at", "check_interval_seconds"],
        )
        SourceCheck.objects.bulk_update(
            [
                SourceCheck(
                    pk=row.check_id,
                    repeat_count=F("repeat_count") + 1,
                    last_seen_at=now,
                    duration_ms=row.duration_ms,
                    error="",
                    content_length=F("content_length")
                    if row.content_length is None
                    else row.content_length,
                )
                for row in rows
            ],
            ["repeat_count", "last_seen_at", "duration_ms", "error", "content_length"],
        )
    return still


def _has_new_text(item: Fetched) -> bool:
    """A readable answer with a text to store or compare (what _record_new_texts records)."""
    return item.classified.outcome in checking.ALIVE and item.classified.extracted is not None


def _record_new_texts(
    items: list[Fetched], now: datetime, lease_until: datetime | None
) -> tuple[dict[int, str], list[int]]:
    """Record the batch's readable pages with a text, as record_result would one by one, in
    one transaction and a number of queries that does not grow with the batch; returns
    ({source id: outcome as recorded}, ids skipped: deleted meanwhile or no longer under the
    lease, for which nothing is written)."""
    if not items:
        return {}, []
    recorded: dict[int, str] = {}
    skipped: list[int] = []
    with transaction.atomic(), deferred_invalidation():
        locked = _lock_for_record([item.source.pk for item in items])
        work = []
        for item in items:
            source = locked.get(item.source.pk)
            if source is None or (lease_until is not None and source.next_check_at != lease_until):
                skipped.append(item.source.pk)
            else:
                work.append((item, source))
        if not work:
            return recorded, skipped
        snapshots, new_snapshots = _store_snapshots(work, now)
        latest = _latest_checks(source for _item, source in work)
        inserts: list[SourceCheck] = []
        continued: list[SourceCheck] = []
        for item, source in work:
            snapshot = snapshots[source.pk]
            outcome = checking.apply_success(source, item.classified, item.result, snapshot, now)
            result = checking.with_reader_error(item.result, item.classified)
            previous = latest.get(source.pk)
            check = checking.history_row(source, outcome, result, snapshot, now, previous)
            (continued if check is previous else inserts).append(check)
            source.current_snapshot = snapshot
            source.last_checked_at = now
            source.last_outcome = outcome
            recorded[source.pk] = outcome
        SourceCheck.objects.bulk_create(inserts)
        if continued:
            SourceCheck.objects.bulk_update(continued, checking.CONTINUED_FIELDS)
        sources = [source for _item, source in work]
        _update_sources(sources)
        _relocate_batch([(s, snapshots[s.pk]) for s in sources if s.has_citations], now)
        sources_checked_in_bulk(sources, new_snapshots)
    return recorded, skipped


def _lock_for_record(source_ids: list[int]) -> dict[int, Source]:
    """The sources as record_result locks them (in id order: batches side by side lock in the
    same order), with the id of each one's latest history row."""
    latest = SourceCheck.objects.filter(source=OuterRef("pk")).order_by("-last_seen_at", "-pk")
    rows = (
        checking.sources_locked_for_recording()
        .annotate(
            has_snapshots=Exists(Snapshot.objects.filter(source=OuterRef("pk"))),
            latest_check_id=Subquery(latest.values("pk")[:1]),
        )
        .filter(pk__in=source_ids)
        .order_by("pk")
    )
    return {source.pk: source for source in rows}


def _latest_checks(sources) -> dict[int, SourceCheck]:
    ids = [source.latest_check_id for source in sources if source.latest_check_id]
    if not ids:
        return {}
    return {check.source_id: check for check in SourceCheck.objects.filter(pk__in=ids)}


def _store_snapshots(
    work: list[tuple[Fetched, Source]], now: datetime
) -> tuple[dict[int, Snapshot], set[int]]:
    """checking._store_snapshot for the batch: the current snapshot when the text is the same
    (its tables kept up to date), a snapshot seen before (restored page), else a new row;
    returns {source id: snapshot} and the ids of the sources whose snapshot rows changed."""
    snapshots: dict[int, Snapshot] = {}
    touched: set[int] = set()
    wanted: dict[int, tuple[str, Fetched]] = {}
    with_tables: list[tuple[Snapshot, list]] = []
    has_snapshots = {source.pk: source.has_snapshots for _item, source in work}
    for item, source in work:
        extracted = item.classified.extracted
        content_hash = text_hash(extracted.main_text)
        current = source.current_snapshot
        if current is not None and current.content_hash == content_hash:
            snapshots[source.pk] = current
            if extracted.tables:
                with_tables.append((current, list(extracted.tables)))
        else:
            wanted[source.pk] = (content_hash, item)
    if with_tables:
        # sources.cells.refresh_tables for the batch: the tables the lock left out, one query.
        stored = dict(
            Snapshot.objects.filter(pk__in=[s.pk for s, _t in with_tables]).values_list(
                "pk", "tables"
            )
        )
        changed = []
        for snapshot, tables in with_tables:
            snapshot.tables = stored[snapshot.pk]
            if snapshot.tables != tables:
                snapshot.tables = tables
                changed.append(snapshot)
                touched.add(snapshot.source_id)
        if changed:
            Snapshot.objects.bulk_update(changed, ["tables"])
    # A text seen before can only be among the snapshots of a source that has some (a first
    # check has none: no look-up).
    seen_before = [pk for pk in wanted if has_snapshots[pk]]
    if seen_before:
        seen = Snapshot.objects.filter(
            source_id__in=seen_before,
            content_hash__in=[wanted[pk][0] for pk in seen_before],
        )
        for snapshot in seen:
            if wanted.get(snapshot.source_id, ("",))[0] == snapshot.content_hash:
                snapshots[snapshot.source_id] = snapshot
    if wanted:
        new = [
            _new_snapshot(source_id, content_hash, item, now)
            for source_id, (content_hash, item) in wanted.items()
            if source_id not in snapshots
        ]
        for snapshot in Snapshot.objects.bulk_create(new):
            snapshots[snapshot.source_id] = snapshot
            touched.add(snapshot.source_id)
    return snapshots, touched


def _new_snapshot(source_id: int, content_hash: str, item: Fetched, now: datetime) -> Snapshot:
    extracted, result = item.classified.extracted, item.result
    return Snapshot(
        source_id=source_id,
        content_hash=content_hash,
        created_at=now,
        title=extracted.title[:500],
        main_text=extracted.main_text,
        full_text=extracted.full_text,
        content_type=result.content_type[:100],
        final_url=result.final_url[:2000],
        tables=list(extracted.tables),
    )


def _relocate_batch(pairs: list[tuple[Source, Snapshot]], now: datetime) -> None:
    """checking._relocate_excerpts for the batch's cited sources, with a new text each: one
    query for their citations, one bulk update, the claims whose evidence moved flagged at once
    (cell citations are checked and flagged source by source, as sources.cells does)."""
    if not pairs:
        return
    by_source: dict[int, list[Citation]] = {source.pk: [] for source, _snapshot in pairs}
    for citation in Citation.objects.filter(source_id__in=list(by_source)).select_related("claim"):
        by_source[citation.source_id].append(citation)
    _load_texts([snapshot for _source, snapshot in pairs])
    located: list[Citation] = []
    flags: list[tuple[int, str]] = []
    for source, snapshot in pairs:
        citations = by_source[source.pk]
        cells = [c for c in citations if c.locates_cell]
        if cells:
            relocate_cells(source, snapshot, cells, now)
        texts = [c for c in citations if not c.locates_cell]
        for citation, _previous in checking.locate_excerpts(source, snapshot, texts, now):
            flags.append((citation.claim_id, citation.attention_reason))
        located.extend(texts)
    if located:
        Citation.objects.bulk_update(located, checking.RELOCATED_FIELDS)
    if flags:
        workflow.flag_each_for_attention(flags)


def _load_texts(snapshots: list[Snapshot]) -> None:
    """Fill in the texts the lock left out (a page back to its current text), in one query."""
    deferred = [s for s in snapshots if "full_text" in s.get_deferred_fields()]
    if not deferred:
        return
    rows = Snapshot.objects.filter(pk__in=[s.pk for s in deferred]).values_list(
        "pk", "main_text", "full_text"
    )
    texts = {pk: (main, full) for pk, main, full in rows}
    for snapshot in deferred:
        snapshot.main_text, snapshot.full_text = texts[snapshot.pk]


# Table and column names come from the model, values are parameters.
_UPDATE_SOURCES = """
UPDATE "{table}" AS s SET {sets} FROM unnest({arrays}) AS v({names}) WHERE s.id = v.id
"""


def _update_sources(sources: list[Source]) -> None:
    """source.save(update_fields=MONITORING_FIELDS) for each source, in one statement."""
    if connection.vendor != "postgresql":
        Source.objects.bulk_update(sources, MONITORING_FIELDS)
        return
    # Django's bulk_update compiles a CASE per field and row (tens of ms a batch); this is one
    # UPDATE ... FROM unnest(...) whatever the batch's size.
    fields = [Source._meta.get_field(name) for name in MONITORING_FIELDS]
    columns = ["id", *(f.column for f in fields)]
    types = ["bigint", *(f.db_type(connection) for f in fields)]
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    sets = ", ".join(f'"{column}" = v."{column}"' for column in columns[1:])
    names = ", ".join(f'"{column}"' for column in columns)
    sql = _UPDATE_SOURCES.format(table=Source._meta.db_table, sets=sets, arrays=arrays, names=names)
    params = [[source.pk for source in sources]]
    for f in fields:
        params.append(
            [f.get_db_prep_save(getattr(source, f.attname), connection) for source in sources]
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
