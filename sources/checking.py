"""Check one source: fetch -> classify -> snapshot -> citations -> state -> flags.

`check_source(source_id)` is what the Celery task, the `checksources` command and the admin's
"check now" run. Network I/O and text extraction happen outside any transaction; all writes
happen in one short transaction holding the source's row lock, so two runs of the same check
(a redelivered task, "check now" racing the scheduler) serialise and leave the same rows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from claims import workflow
from sources import scheduling
from sources.cells import refresh_tables, relocate_cells
from sources.excerpts import ExcerptMatch, SearchText, excerpt_language, locate_excerpt
from sources.extraction import ExtractedText, ExtractionError, extract, text_hash
from sources.fetching import FetchSession, fetch
from sources.models import MONITORING_FIELDS, Citation, Snapshot, Source, SourceCheck
from sources.signals import source_broken

logger = logging.getLogger(__name__)

Outcome = SourceCheck.Outcome
State = Source.State
ExcerptState = Citation.ExcerptState

# Outcomes after which the page is alive and readable.
ALIVE = {Outcome.OK, Outcome.NOT_MODIFIED, Outcome.CHANGED, Outcome.REDIRECTED}
# Outcomes that count towards "broken" (a blocked address has a state of its own).
FAILURES = set(Outcome.values) - ALIVE - {Outcome.BLOCKED}
# Alive outcomes that continue one history row while the text stays the same version.
SAME_VERSION = {Outcome.OK, Outcome.NOT_MODIFIED, Outcome.CHANGED}
MOVED_EVIDENCE = Citation.MOVED_EVIDENCE

# A 200 page that is really an error page. Looked for in the title, or in a short main text
# (an article that merely mentions "page not found" is long).
SOFT_404 = re.compile(
    r"\b(?:page|article|story|content|document|file)s?\s+(?:was\s+|could\s+)?not\s+(?:be\s+)?found\b"
    r"|\b404\b.{0,20}\b(?:error|not\s+found|page)\b|\b(?:error|page)\b.{0,20}\b404\b"
    r"|\bpage\s+(?:does\s+not|doesn't|no\s+longer)\s+exists?\b"
    r"|^\s*(?:error\s*)?not\s+found\b|\bno\s+longer\s+available\b|\bcan(?:no|')t\s+find\s+(?:the|that|this)\s+page\b",
    re.IGNORECASE,
)
SOFT_404_MAX_TEXT = 1200
# Words one of which every match of SOFT_404 contains, looked for first: searching SOFT_404
# itself through a short text costs more than extracting it. Plain ASCII letters with no other
# case forms, so that text.lower() finds them wherever re.IGNORECASE would.
_SOFT_404_WORDS = ("found", "404", "page", "longer")


def _may_say_not_found(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _SOFT_404_WORDS)


@dataclass(frozen=True)
class Classified:
    outcome: str
    extracted: ExtractedText | None = None  # None: nothing new to read (304, same bytes)
    error: str = ""
    body_hash: str = ""


def is_soft_404(source_url: str, result, extracted: ExtractedText) -> bool:
    """A 200 answer that says "not found", or a deep link sent to the site's home page."""
    if SOFT_404.search(extracted.title):
        return True
    main = extracted.main_text
    if len(main) <= SOFT_404_MAX_TEXT and _may_say_not_found(main) and SOFT_404.search(main):
        return True
    if result.redirect_chain:
        wanted, landed = urlsplit(source_url).path, urlsplit(result.final_url).path
        return wanted not in ("", "/") and landed in ("", "/")
    return False


def classify(source: Source, result) -> Classified:
    """What the fetch result means for this source; extracts the text of a readable page."""
    moved_for_good = result.permanent_redirect and result.final_url.rstrip(
        "/"
    ) != source.url.rstrip("/")
    if result.outcome == Outcome.NOT_MODIFIED:
        return Classified(Outcome.REDIRECTED if moved_for_good else Outcome.NOT_MODIFIED)
    if result.outcome != Outcome.OK:
        return Classified(result.outcome, error=result.error)
    body_hash = hashlib.sha256(result.body).hexdigest()
    if source.current_snapshot_id and body_hash == source.body_hash:
        # The very bytes read last time: same text, same verdict; skip the extraction.
        return Classified(Outcome.REDIRECTED if moved_for_good else Outcome.OK, None, "", body_hash)
    try:
        extracted = extract(result.body, result.content_type, result.charset)
    except ExtractionError as error:
        return Classified(error.outcome, error=str(error))
    if not extracted.main_text.strip():
        return Classified(Outcome.UNSUPPORTED, error="The page has no readable text.")
    if is_soft_404(source.url, result, extracted):
        title = extracted.title or extracted.main_text[:80]
        return Classified(Outcome.SOFT_404, error=f"The page says it is not there: {title!r}")
    if moved_for_good:
        return Classified(Outcome.REDIRECTED, extracted, body_hash=body_hash)
    return Classified(Outcome.OK, extracted, body_hash=body_hash)


def _store_snapshot(source: Source, extracted: ExtractedText, result, now: datetime) -> Snapshot:
    """The snapshot of this text: an existing one when the text was seen before (restored
    page), a new row only for a new text."""
    content_hash = text_hash(extracted.main_text)
    current = source.current_snapshot
    if current is not None and current.content_hash == content_hash:
        refresh_tables(current, extracted.tables)
        return current  # the usual case: nothing changed, nothing to look up
    snapshot, _ = Snapshot.objects.get_or_create(
        source=source,
        content_hash=content_hash,
        defaults={
            "created_at": now,
            "title": extracted.title[:500],
            "main_text": extracted.main_text,
            "full_text": extracted.full_text,
            "content_type": result.content_type[:100],
            "final_url": result.final_url[:2000],
            "tables": list(extracted.tables),
        },
    )
    return snapshot


def _record_check(
    source: Source, outcome: str, result, snapshot: Snapshot | None, now: datetime
) -> SourceCheck:
    """Continue the latest history row when nothing changed, else add one (DESIGN.md §3)."""
    latest = source.checks.order_by("-last_seen_at", "-pk").first()
    check = history_row(source, outcome, result, snapshot, now, latest)
    if check is latest:
        check.save(update_fields=CONTINUED_FIELDS)
    else:
        check.save(force_insert=True)
    return check


# What continuing the latest history row writes.
CONTINUED_FIELDS = ["repeat_count", "last_seen_at", "duration_ms", "error", "content_length"]


def history_row(
    source: Source,
    outcome: str,
    result,
    snapshot: Snapshot | None,
    now: datetime,
    latest: SourceCheck | None,
) -> SourceCheck:
    """The history row of this check, not saved: `latest` continued (the same object), or a new
    row. One row per version of the page (ok / not modified / changed while the snapshot stays
    the same) or per run of the same failure; `repeat_count` says how often it was seen."""
    fields = {
        "last_seen_at": now,
        "duration_ms": min(max(0, int(result.elapsed_ms)), 2**31 - 1),
        "error": result.error[:2000] if outcome not in ALIVE else "",
    }
    if result.body:
        # A 304 has no body: the row keeps the length of the version it stands for.
        fields["content_length"] = len(result.body)
    if latest is not None and _continues(latest, source, outcome, result, snapshot):
        latest.repeat_count += 1
        for name, value in fields.items():
            setattr(latest, name, value)
        return latest
    return SourceCheck(
        source=source,
        started_at=now,
        outcome=outcome,
        http_status=result.status,
        final_url=result.final_url[:2000] if result.final_url != source.url else "",
        redirect_chain=list(result.redirect_chain or []),
        content_type=result.content_type[:200],
        snapshot=snapshot,
        **fields,
    )


def _continues(
    latest: SourceCheck, source: Source, outcome: str, result, snapshot: Snapshot | None
) -> bool:
    final_url = result.final_url if result.final_url != source.url else ""
    if latest.final_url != final_url:
        return False
    if outcome in SAME_VERSION and latest.outcome in SAME_VERSION:
        return outcome != Outcome.CHANGED and latest.snapshot_id == getattr(snapshot, "pk", None)
    if outcome == Outcome.REDIRECTED:
        return latest.outcome == outcome and latest.snapshot_id == getattr(snapshot, "pk", None)
    return latest.outcome == outcome and latest.http_status == result.status


# What re-locating an excerpt writes on the citation: what every check writes, and the context
# around the passage, re-anchored when the page was edited around it.
RELOCATED_FIELDS = [*Citation.MONITORED_FIELDS, "excerpt_prefix", "excerpt_suffix"]


def _relocate_excerpts(
    source: Source, snapshot: Snapshot, now: datetime, *, only_stale: bool
) -> list[tuple[Citation, str]]:
    """Look for every citation's excerpt in the snapshot's visible text; returns the
    citations whose evidence moved at this check, with their previous state."""
    citations = list(source.citations.select_related("claim"))
    if only_stale:
        citations = [
            c
            for c in citations
            if c.excerpt_state == ExcerptState.UNKNOWN or c.checked_excerpt_hash != c.excerpt_hash
        ]
    if not citations:
        return []
    # Table and dataset cells are found by their labels (sources.cells), and flagged there.
    cells = [c for c in citations if c.locates_cell]
    if cells:
        relocate_cells(source, snapshot, cells, now)
        citations = [c for c in citations if not c.locates_cell]
    moved = locate_excerpts(source, snapshot, citations, now)
    Citation.objects.bulk_update(citations, RELOCATED_FIELDS)
    return moved


def locate_excerpts(
    source: Source, snapshot: Snapshot, citations: list[Citation], now: datetime
) -> list[tuple[Citation, str]]:
    """Look for these (text) citations' excerpts in the snapshot's visible text and write the
    result on them (not saved); returns those whose evidence moved, with their previous state."""
    search = SearchText(snapshot.full_text or snapshot.main_text)
    moved = []
    for citation in citations:
        before = (citation.excerpt_state, citation.found_figure, citation.found_text)
        match = locate_excerpt(
            citation.excerpt,
            search,
            prefix=citation.excerpt_prefix,
            suffix=citation.excerpt_suffix,
            cited_figure=citation.cited_figure,
            language=excerpt_language(citation.excerpt, citation.claim.language),
        )
        record_match(citation, match, source, now)
        after = (citation.excerpt_state, citation.found_figure, citation.found_text)
        if match.state in MOVED_EVIDENCE and before != after:
            moved.append((citation, before[0]))
    return moved


def record_match(citation: Citation, match: ExcerptMatch, source: Source, now: datetime) -> None:
    """Write where the excerpt stands on the citation (not saved): state, passage, what changed,
    since when, and the one-line reason an editor reads."""
    moved_before = citation.excerpt_state in MOVED_EVIDENCE
    first_look = citation.excerpt_state == ExcerptState.UNKNOWN
    changed = (citation.excerpt_state, citation.found_text) != (match.state, match.found_text)
    citation.excerpt_state = match.state
    citation.found_text = match.found_text
    citation.found_figure = match.found_figure[:100]
    citation.figure_changes = [change.as_dict() for change in match.figure_changes]
    citation.excerpt_diff = [op.as_dict() for op in match.diff]
    citation.excerpt_checked_at = now
    citation.checked_excerpt_hash = citation.excerpt_hash
    if match.state in MOVED_EVIDENCE:
        if not moved_before or changed or citation.evidence_changed_at is None:
            citation.evidence_changed_at = now
    else:
        citation.evidence_changed_at = None
    citation.attention_reason = (
        evidence_attention_reason(citation, source, match.expected_figure, first_look=first_look)
        if match.state in MOVED_EVIDENCE
        else ""
    )[:300]
    if match.state == ExcerptState.PRESENT:
        # Record the context (TextQuoteSelector prefix/suffix) to re-anchor later edits.
        citation.excerpt_prefix = citation.excerpt_prefix or match.prefix[:200]
        citation.excerpt_suffix = citation.excerpt_suffix or match.suffix[:200]


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def evidence_attention_reason(
    citation: Citation, source: Source, expected_figure: str = "", *, first_look: bool = False
) -> str:
    """One line saying why the citation needs an editor: "Figure 9,400 → 9,450 on <source>,
    3 Dec", "Reworded on <source>, 3 Dec: “increase” → “decrease”", "Excerpt no longer found"."""
    label = _short(source.title or source.host or source.url, 60)
    when = citation.evidence_changed_at or citation.excerpt_checked_at
    on = f"on {label}" + (f", {when.day} {when:%b}" if when else "")
    state = citation.excerpt_state
    if state == ExcerptState.FIGURE_CHANGED:
        changes = citation.figure_changes or [
            {"old": expected_figure or citation.cited_figure, "new": citation.found_figure}
        ]
        first = changes[0]
        more = f" (+{len(changes) - 1} more)" if len(changes) > 1 else ""
        old, new = first.get("old") or "(none)", first.get("new") or "(none)"
        return f"Figure {old} → {new} {on}{more}"
    if state == ExcerptState.REWORDED:
        step = next((op for op in citation.excerpt_diff if op.get("op") != "equal"), None)
        if step is None:
            return f"Reworded {on}"
        old = _short(step.get("old", ""), 60) or "…"
        new = _short(step.get("new", ""), 60) or "…"
        return f"Reworded {on}: “{old}” → “{new}”"
    quote = _short(citation.excerpt, 80)
    if state == ExcerptState.MISSING and first_look:
        # First look at this citation: the excerpt may be mistyped rather than removed.
        return f"Excerpt not found {on} (check the quotation): “{quote}”"
    return f"Excerpt no longer found {on}: “{quote}”"


def _flag_moved_evidence(moved: list[tuple[Citation, str]]) -> None:
    for citation, _previous in moved:
        workflow.flag_for_attention([citation.claim_id], citation.attention_reason)


def _flag_source_problem(source: Source, reason: str) -> None:
    claim_ids = list(source.citations.values_list("claim_id", flat=True).distinct())
    if claim_ids:
        workflow.flag_for_attention(claim_ids, reason)


def _apply_success(
    source: Source, classified: Classified, result, now: datetime
) -> tuple[Snapshot | None, str]:
    """Snapshot, state and schedule of a readable answer; returns the snapshot and the outcome
    as recorded (ok becomes changed when the text differs from the current snapshot)."""
    snapshot: Snapshot | None
    if classified.extracted is not None:
        snapshot = _store_snapshot(source, classified.extracted, result, now)
    else:
        snapshot = source.current_snapshot
    return snapshot, apply_success(source, classified, result, snapshot, now)


def apply_success(
    source: Source, classified: Classified, result, snapshot: Snapshot | None, now: datetime
) -> str:
    """State, validators and schedule of a readable answer whose snapshot is known (not saved);
    returns the outcome as recorded (ok becomes changed when the text differs)."""
    outcome = classified.outcome
    had_text = source.current_snapshot_id is not None
    changed = had_text and snapshot is not None and snapshot.pk != source.current_snapshot_id
    if changed and outcome == Outcome.OK:
        outcome = Outcome.CHANGED
    if outcome == Outcome.REDIRECTED:
        new_state = State.REDIRECTED
        source.final_url = result.final_url[:2000]
    else:
        new_state = State.CHANGED if outcome == Outcome.CHANGED else State.OK
        source.final_url = ""
    _set_state(source, new_state, now)
    source.current_snapshot = snapshot
    source.consecutive_failures = 0
    source.first_failure_at = None
    if classified.body_hash:
        source.body_hash = classified.body_hash
    if classified.extracted is not None:
        source.etag = (result.etag or "")[:500]
        source.last_modified = (result.last_modified or "")[:100]
        if not source.title and classified.extracted.title:
            source.title = classified.extracted.title[:300]
    plan = scheduling.schedule_after_success(source, changed=changed or not had_text, now=now)
    source.check_interval_seconds = plan.interval_seconds
    source.next_check_at = plan.next_check_at
    return outcome


def _apply_failure(source: Source, outcome: str, now: datetime) -> str | None:
    """Counters, state and schedule after a failed check; returns a reason to flag the claims
    when the source just became broken or blocked. The last good snapshot is kept."""
    source.consecutive_failures += 1
    source.first_failure_at = source.first_failure_at or now
    reason = None
    if outcome == Outcome.BLOCKED:
        if source.state != State.BLOCKED:
            reason = f"Source can no longer be checked safely (blocked address): {source.url}"
        _set_state(source, State.BLOCKED, now)
    elif source.state != State.BROKEN and is_broken(source, now):
        _set_state(source, State.BROKEN, now)
        reason = (
            f"Source broken: {source.url} failed {source.consecutive_failures} checks in a row "
            f"since {source.first_failure_at:%Y-%m-%d %H:%M} (last: {outcome})"
        )
    plan = scheduling.schedule_after_failure(source, now=now)
    source.check_interval_seconds = plan.interval_seconds
    source.next_check_at = plan.next_check_at
    return reason


def is_broken(source: Source, now: datetime) -> bool:
    """Enough consecutive failures, spread over enough time: one flaky answer is not a death."""
    if source.consecutive_failures < settings.SOURCES_BROKEN_AFTER_FAILURES:
        return False
    first = source.first_failure_at or now
    return now - first >= timedelta(hours=settings.SOURCES_BROKEN_AFTER_HOURS)


def _set_state(source: Source, state: str, now: datetime) -> None:
    if source.state != state:
        source.state = state
        source.state_changed_at = now


def fetch_for_check(source: Source, session: FetchSession | None = None):
    """Fetch the source's URL through the safe fetcher, with its validators when they count
    (`session`: kept-alive connections of the fetches before, see fetching.FetchSession)."""
    # Validators only when the text they stand for is still here to compare against.
    if source.current_snapshot_id:
        return fetch(
            source.url, etag=source.etag, last_modified=source.last_modified, session=session
        )
    return fetch(source.url, session=session)


# What a check needs of the source before fetching (the row is locked only to record).
FETCH_FIELDS = ("pk", "url", "host", "etag", "last_modified", "body_hash", "current_snapshot_id")


def check_source(
    source_id: int, *, now: datetime | None = None, polite: bool = True
) -> SourceCheck | None:
    """Check one source and record the result; returns its history row (None: no such source).

    1. Load the source; take one of its host's politeness slots (`polite`; raises
       scheduling.HostBusy when the host is at its limit, so the caller can retry later).
    2. Fetch with the stored validators, outside any transaction (no lock held on the network).
    3. Classify the answer and extract the text (still outside the transaction).
    4. Record it (record_result): one transaction holding the source's row lock.
    """
    source = Source.objects.filter(pk=source_id).only(*FETCH_FIELDS).first()
    if source is None:
        logger.info("Source %s no longer exists; nothing to check", source_id)
        return None
    started = time.monotonic()
    if polite:
        with scheduling.host_slot(source.host):
            result = fetch_for_check(source)
    else:
        result = fetch_for_check(source)
    classified = classify(source, result)
    now = now or timezone.now()
    if not result.elapsed_ms:
        result = with_elapsed(result, int((time.monotonic() - started) * 1000))
    return record_result(source_id, classified, result, now)


def sources_locked_for_recording():
    """Sources locked for writing a check: the current snapshot comes with the row (without its
    texts), and whether any citation needs re-locating too."""
    return (
        Source.objects.select_for_update(of=("self",))
        .select_related("current_snapshot")
        .defer(
            "current_snapshot__main_text",
            "current_snapshot__full_text",
            "current_snapshot__tables",
        )
        .annotate(has_citations=Exists(Citation.objects.filter(source=OuterRef("pk"))))
    )


def record_result(
    source_id: int,
    classified: Classified,
    result,
    now: datetime,
    *,
    lease_until: datetime | None = None,
) -> SourceCheck | None:
    """Write one check's result in one transaction holding the source's row lock (concurrent
    runs of the same check wait here, then see each other's rows), and:

    a. store a Snapshot only if the normalised main text's hash is new for the source;
    b. update the latest SourceCheck row if the outcome did not change, else add one;
    c. re-locate every citation's excerpt in the new text;
    d. update the source's state, validators, failure counters and next check time;
    e. flag the claims whose evidence moved or whose source became broken.
    A failed check never touches the snapshots or the excerpt states. With `lease_until` (the
    dispatcher's lease of this slot), nothing is written if the source is no longer under that
    lease: it was already checked in this slot (a redelivered batch); returns None then.
    """
    with transaction.atomic():
        # Every query counts at a million sources: the current snapshot comes with the row
        # (without its texts), and whether any citation needs re-locating too.
        source = sources_locked_for_recording().filter(pk=source_id).first()
        if source is None:
            return None
        if lease_until is not None and source.next_check_at != lease_until:
            return None
        outcome = classified.outcome
        if outcome in ALIVE:
            snapshot, outcome = _apply_success(source, classified, result, now)
            reason = None
        else:
            snapshot = None
            reason = _apply_failure(source, outcome, now)
        result = with_reader_error(result, classified)
        check = _record_check(source, outcome, result, snapshot, now)
        source.last_checked_at = now
        source.last_outcome = outcome
        source.save(update_fields=MONITORING_FIELDS)
        if snapshot is not None and source.has_citations:
            fresh_text = classified.extracted is not None
            moved = _relocate_excerpts(source, snapshot, now, only_stale=not fresh_text)
            _flag_moved_evidence(moved)
        if reason:
            _flag_source_problem(source, reason)
            if source.state == State.BROKEN:
                source_broken.send(sender=Source, source=source, reason=reason)
    return check


def with_reader_error(result, classified: Classified):
    """The fetch result carrying the reason a page decided on reading the body (unsupported,
    too large) was refused: the reason is the reader's."""
    if (
        classified.error
        and not result.error
        and dataclasses.is_dataclass(result)
        and not isinstance(result, type)
    ):
        return dataclasses.replace(result, error=classified.error)
    return result


def with_elapsed(result, elapsed_ms: int):
    """The fetch result with its duration filled in (fakes in tests may leave it at 0)."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.replace(result, elapsed_ms=elapsed_ms)
    return result
