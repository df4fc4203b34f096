"""Import other publishers' ClaimReview: claimants, claims and their origin sources.

Lives in `sources` because it writes Sources and Citations (claims never imports sources);
parsing and rating mapping are `claims.claimreview`.

Decisions (README "REST API"):
- An imported review is keyed by its `url` (Claim.review_url); importing it again updates the
  claim, or reports it unchanged.
- Imported reviews are other publishers' verdicts. They become published claims only when the
  importing user is a reviewer (who may publish), through `workflow.publish`; an editor's
  import creates drafts for review.
- A rating name unknown to the alias table and our labels is mapped by its ratingValue on the
  publisher's scale; failing that it is stored as Unverifiable, flagged for attention and
  reported as a warning.
- Each appearance URL becomes a Source cited with role "origin"; the excerpt is the reviewed
  claim as the publisher wrote it (the page's exact words are not in ClaimReview), so the
  citation starts in state "unknown" until the monitor has looked.
- Each item runs in its own savepoint: a bad item leaves no rows and does not stop the rest.
- New claims are written in bulk: a run of items that create claims is first planned by the
  same per-item code with the writes held back (`_PendingWrites`), then written in a few
  queries per run, whatever its length. If anything in the run fails, the run is rolled back
  and imported item by item as above, so every item gets the outcome the one-by-one import
  gives it. Re-imports of existing claims always go item by item (recorded edits).
- Page-cache invalidations are collected for the whole in-process import and sent once at its
  end (jobs send them per chunk: each chunk commits on its own and a killed worker forgets).
- A published claim changes only on the record (claims.workflow): a reviewer's re-import that
  changes what readers see (fields or origin citations) logs one update, or one correction
  when the verdict changed; an editor's re-import of a published claim that would change it
  is rejected and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims import workflow
from claims.caching import deferred_invalidation, invalidate_lists
from claims.claimreview import (
    ClaimReviewError,
    ParsedReview,
    RatingMapper,
    claim_review_items,
    parse_claim_review,
    truncate,
)
from claims.languages import detect_language
from claims.models import Claim, Claimant, unique_slugs
from sources.citations import save_citation
from sources.models import Citation, Source, normalise_url

logger = logging.getLogger(__name__)

# Items per outer transaction: savepoints inside, one commit per batch.
BATCH_SIZE = 500
IMPORT_NOTE = "Imported from the publisher's ClaimReview."
# Off: every item written on its own (the fallback path; benchmarks and tests compare the two).
BULK_WRITES = True


@dataclass
class ItemResult:
    index: int
    status: str  # created, updated, unchanged, rejected
    url: str = ""
    claim_id: int | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    items: list[ItemResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": len(self.items),
            "created": self.count("created"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "rejected": self.count("rejected"),
            "items": [asdict(item) for item in self.items],
        }


@dataclass
class _PendingWrites:
    """What a run of new items will write, held back to be written in bulk (`write_pending`)."""

    claimants: list[Claimant] = field(default_factory=list)
    # Known claimants whose sameAs list grew, by pk.
    merged_claimants: dict[int, Claimant] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    # (claim, reason) of claims whose rating fell back to Unverifiable.
    attention: list[tuple[Claim, str]] = field(default_factory=list)


class _Importer:
    """Caches claimants, claims and sources per batch so 10,000 items cost few lookups each."""

    def __init__(self, user: workflow.User) -> None:
        self.user = user
        self.publish = workflow.can_publish(user)
        self.ratings = RatingMapper()
        self.claimants: dict[str, Claimant] = {}
        self.claims: dict[str, Claim] = {}
        self.sources: dict[str, Source] = {}
        # The recorded edit of the published claim being re-imported (see _reimport).
        self.edit: workflow.PublishedEdit | None = None
        # Cache entries created or changed by the current item, dropped if it rolls back.
        self.touched: list[tuple[dict, str]] = []
        # Set while a run of new items is planned: writes are held here, not sent.
        self.pending: _PendingWrites | None = None
        # Whether the caches hold every claimant, claim and source of the current chunk that
        # exists (the preload succeeded), so a miss means "new" without asking the database.
        self.preloaded = False

    def forget_item(self) -> None:
        """The current item was rolled back: drop what it created or changed from the caches."""
        for cache, key in self.touched:
            cache.pop(key, None)
        self.touched = []

    def preload(self, reviews: Iterable[ParsedReview]) -> None:
        reviews = list(reviews)
        urls = {r.url for r in reviews} - set(self.claims)
        for claim in Claim.objects.filter(review_url__in=urls).select_related("claimant"):
            self.claims[claim.review_url] = claim
        names = {r.claimant.name.casefold() for r in reviews} - set(self.claimants)
        if names:
            for claimant in Claimant.objects.filter(name__in={r.claimant.name for r in reviews}):
                self.claimants.setdefault(claimant.name.casefold(), claimant)
        wanted = set()
        for review in reviews:
            wanted.update(self._normalised(review.appearances))
        for source in Source.objects.filter(url__in=wanted - set(self.sources)):
            self.sources[source.url] = source

    @staticmethod
    def _normalised(urls: list[str]) -> list[str]:
        found = []
        for url in urls:
            try:
                normal = normalise_url(url)
            except ValidationError:
                continue
            if normal not in found:
                found.append(normal)
        return found

    def claimant_for(self, review: ParsedReview) -> Claimant:
        """The claimant by name (cached), created if new; new sameAs URLs are added."""
        spec = review.claimant
        key = spec.name.casefold()
        pending = self.pending
        claimant = self.claimants.get(key)
        if claimant is None and pending is None:
            claimant = Claimant.objects.filter(name=spec.name).first()
        if claimant is None:
            claimant = Claimant(
                name=spec.name,
                kind=Claimant.Kind.PERSON if spec.is_person else Claimant.Kind.ORGANISATION,
                role=spec.job_title,
                same_as=spec.same_as,
            )
            if pending is None:
                claimant.save()
            else:
                pending.claimants.append(claimant)
        else:
            known = list(claimant.same_as or [])
            merged = known + [url for url in spec.same_as if url not in known]
            if merged != known:
                claimant.same_as = merged
                if pending is None:
                    claimant.save(update_fields=["same_as", "updated_at"])
                elif claimant.pk is not None:
                    pending.merged_claimants[claimant.pk] = claimant
        self.claimants[key] = claimant
        self.touched.append((self.claimants, key))
        return claimant

    def import_one(self, index: int, review: ParsedReview) -> ItemResult:
        self.touched = []
        result = ItemResult(index=index, status="created", url=review.url)
        match = self.ratings.match(review)
        if match is None:
            raise ClaimReviewError(
                ["The rating cannot be mapped and no Unverifiable rating exists."]
            )
        appearances = self._normalised(review.appearances)
        dropped = len(review.appearances) - len(appearances)
        if dropped:
            result.warnings.append(f"{dropped} appearance URL(s) could not be monitored; skipped.")
        attention = ""
        if match.how == "fallback":
            attention = (
                f"Imported rating {review.rating_name or review.rating_value!s} is not on our "
                f"scale; stored as {match.rating.label}. Map it in Rating aliases."
            )
            result.warnings.append(attention)
        elif match.how == "value":
            result.warnings.append(
                f"Rating {review.rating_name!r} mapped by its value to {match.rating.label}."
            )
        fields = {
            "title": truncate(review.claim_reviewed, 75),
            "text": review.claim_reviewed,
            # As the publisher states it, else as the claim's words say.
            "language": review.language or detect_language(review.claim_reviewed),
            "claimant": self.claimant_for(review),
            "stated_on": review.stated_on,
            "appearance_url": appearances[0] if appearances else "",
            "rating": match.rating,
            "verdict_summary": review.explanation
            or f"{review.publisher_name or 'The publisher'} rated this claim "
            f"“{review.rating_name or match.rating.label}”.",
        }
        claim = self.claims.get(review.url)
        if claim is None:
            claim = self._create(review, fields, attention, appearances)
        else:
            result.status = self._reimport(claim, review, fields, appearances)
        result.claim_id = claim.pk
        return result

    def _reimport(
        self, claim: Claim, review: ParsedReview, fields: dict, appearances: list[str]
    ) -> str:
        """Update a claim imported before; a published one only through a recorded edit."""
        edit = None
        if claim.is_public and self.publish:
            rating_changed = fields["rating"] != claim.rating
            note: workflow.ChangeNote = (
                workflow.CorrectionNote(
                    what_changed="Verdict revised on re-import of the publisher's ClaimReview.",
                    reason=f"The publisher's ClaimReview at {review.url} changed its verdict.",
                )
                if rating_changed
                else workflow.UpdateNote(
                    f"Updated from the publisher's ClaimReview at {review.url}."
                )
            )
            edit = workflow.start_published_edit(claim, self.user, note)
        self.edit = edit
        try:
            status = self._update(claim, fields, edit)
            if self._cite_origins(claim, appearances):
                status = "updated"
        finally:
            self.edit = None
        if edit is not None:
            workflow.finish_published_edit(edit)
        return status

    def _create(
        self, review: ParsedReview, fields: dict, attention: str, appearances: list[str]
    ) -> Claim:
        claim = Claim(review_url=review.url, **fields)
        if self.pending is not None:
            return self._plan_create(claim, review, attention, appearances)
        workflow.create_claim(claim, self.user)
        # Cited while a draft: publishing is the moment readers first see the claim.
        self._cite_origins(claim, appearances)
        if self.publish:
            # Noon local time keeps the review's date whatever the time zone of the reader.
            claim.published_at = timezone.make_aware(
                dt.datetime.combine(review.date_published, dt.time(12))
            )
            workflow.publish(claim, self.user)
        if attention:
            # Last, so no later save of this instance clears the flag; recorded as an event.
            workflow.flag_for_attention([claim.pk], attention)
            claim.needs_attention, claim.attention_reason = True, attention
        self.claims[review.url] = claim
        self.touched.append((self.claims, review.url))
        return claim

    def _plan_create(
        self, claim: Claim, review: ParsedReview, attention: str, appearances: list[str]
    ) -> Claim:
        """`_create` with the writes held back for `write_pending`."""
        pending = self.pending
        assert pending is not None
        pending.claims.append(claim)
        self._cite_origins(claim, appearances)
        if self.publish:
            claim.published_at = timezone.make_aware(
                dt.datetime.combine(review.date_published, dt.time(12))
            )
        if attention:
            pending.attention.append((claim, attention))
        self.claims[review.url] = claim
        self.touched.append((self.claims, review.url))
        return claim

    def write_pending(self) -> None:
        """Write what the planned run holds, in a few queries whatever its length.

        bulk_create sends no post_save: what the saves' receivers and save() methods do is
        done here (slugs, search documents, history and page-cache invalidation in
        `workflow.create_claims_in_bulk`; the citing claims' pages for claimants and citations).
        """
        pending = self.pending
        assert pending is not None
        now = timezone.now()
        if pending.claimants:
            slugs = unique_slugs(Claimant, [claimant.name for claimant in pending.claimants])
            for claimant, slug in zip(pending.claimants, slugs, strict=True):
                claimant.slug = slug
            Claimant.objects.bulk_create(pending.claimants)
        if pending.merged_claimants:
            merged = list(pending.merged_claimants.values())
            for claimant in merged:
                claimant.updated_at = now
            Claimant.objects.bulk_update(merged, ["same_as", "updated_at"])
            # What saving each claimant invalidates: the pages of its claims, and the lists.
            invalidate_lists(Claim.objects.filter(claimant__in=merged).values_list("pk", flat=True))
        if pending.sources:
            for source in pending.sources:
                source.host = urlsplit(source.url).hostname or ""
            Source.objects.bulk_create(pending.sources)
            for source in pending.sources:
                source._stored_url = source.url  # as Source.save leaves it
        workflow.create_claims_in_bulk(pending.claims, self.user, publish=self.publish)
        if pending.citations:
            for citation in pending.citations:
                citation.excerpt_hash = citation.identity_digest()
            Citation.objects.bulk_create(pending.citations)
        if self.publish:
            workflow.announce_published(pending.claims)
        for claim, reason in pending.attention:
            workflow.flag_for_attention([claim.pk], reason)
            claim.needs_attention, claim.attention_reason = True, reason

    def snapshot(self) -> tuple:
        """The caches as they are, for `restore` when a planned run is rolled back."""
        same_as = {key: list(claimant.same_as or []) for key, claimant in self.claimants.items()}
        return dict(self.claimants), dict(self.claims), dict(self.sources), same_as

    def restore(self, snapshot: tuple) -> None:
        claimants, claims, sources, same_as = snapshot
        self.claimants, self.claims, self.sources = claimants, claims, sources
        for key, claimant in claimants.items():
            claimant.same_as = same_as[key]
        self.touched = []

    def is_new(self, review: ParsedReview | ClaimReviewError, seen: set[str]) -> bool:
        """Whether the item creates a claim (or is rejected before any write)."""
        if not isinstance(review, ParsedReview) or review.url in seen:
            return True
        return review.url not in self.claims

    def _update(self, claim: Claim, fields: dict, edit: workflow.PublishedEdit | None) -> str:
        changed = {k: v for k, v in fields.items() if getattr(claim, k) != v}
        if not changed:
            return "unchanged"
        for name, value in changed.items():
            setattr(claim, name, value)
        workflow.save_claim(claim, self.user, change=edit)
        return "updated"

    def _cite_origins(self, claim: Claim, urls: list[str]) -> bool:
        """Each appearance URL as a monitored source cited as the claim's origin.

        Returns whether a citation was added or changed (on a published claim: under the
        re-import's recorded edit, `self.edit`).
        """
        edit = self.edit
        pending = self.pending
        changed = False
        for url in urls:
            source = self.sources.get(url)
            if source is None:
                if pending is None:
                    source, _created = Source.objects.get_or_create(url=url)
                else:
                    source = Source(url=url)
                    pending.sources.append(source)
                self.sources[url] = source
                self.touched.append((self.sources, url))
            if pending is not None:
                # A new claim cites nothing yet: no lookup.
                pending.citations.append(
                    Citation(
                        claim=claim,
                        source=source,
                        role=Citation.Role.ORIGIN,
                        excerpt=claim.text,
                        note=IMPORT_NOTE,
                    )
                )
                changed = True
                continue
            citation = Citation.objects.filter(
                claim=claim, source=source, role=Citation.Role.ORIGIN, note=IMPORT_NOTE
            ).first()
            if citation is None:
                citation = Citation(
                    claim=claim,
                    source=source,
                    role=Citation.Role.ORIGIN,
                    excerpt=claim.text,
                    note=IMPORT_NOTE,
                )
                save_citation(citation, self.user, change=edit)
                changed = True
            elif citation.excerpt != claim.text:
                # The publisher reworded the claim: the imported excerpt follows, to be re-found.
                citation.excerpt = claim.text
                citation.excerpt_state = Citation.ExcerptState.UNKNOWN
                save_citation(citation, self.user, change=edit)
                changed = True
        return changed


def import_claim_reviews(payload: Any, user: workflow.User) -> ImportReport:
    """Create or update claims from ClaimReview JSON (one, a list, or a DataFeed), in-process.

    Raises ClaimReviewError when the payload itself is not ClaimReview JSON; problems with
    single items are reported per item and never stop the rest. Large imports run as jobs
    (sources.import_jobs), which import their items through `import_chunk` too.
    """
    importer = start_import(user)
    items = claim_review_items(payload)
    report = ImportReport()
    seen: set[str] = set()
    failure: BaseException | None = None
    # Each page-cache key once for the whole import, at its end.
    with deferred_invalidation():
        try:
            for start in range(0, len(items), BATCH_SIZE):
                chunk = list(enumerate(items[start : start + BATCH_SIZE], start=start))
                with transaction.atomic():
                    report.items.extend(import_chunk(importer, chunk, seen))
        except BaseException as error:
            # The chunks committed before the failure stay imported: their pages are still
            # invalidated (the block drops what it collected only when left by an exception).
            failure = error
    if failure is not None:
        raise failure
    return report


def start_import(user: workflow.User) -> _Importer:
    """An importer acting as `user` (its caches last for one import); editors only."""
    workflow_user_check(user)
    return _Importer(user)


def import_chunk(
    importer: _Importer,
    chunk: list[tuple[int, Any]],
    seen: set[str],
    should_stop: Callable[[], bool] | None = None,
) -> list[ItemResult]:
    """Import (index, item) pairs, each in its own savepoint, inside the caller's transaction.

    `seen` holds the review URLs imported earlier in the same import (a repeat is rejected).
    `should_stop` is asked before each item: the items after a True answer are left undone.
    Runs of items that create claims are written in bulk (`_import_run`); the others, and a
    run whose bulk write failed, item by item.
    """
    parsed: list[tuple[int, ParsedReview | ClaimReviewError]] = [
        (index, _parsed(item)) for index, item in chunk
    ]
    importer.preloaded = False
    try:
        with transaction.atomic():
            importer.preload(r for _line, r in parsed if isinstance(r, ParsedReview))
        importer.preloaded = True
    except (OperationalError, InterfaceError):
        raise  # the connection is gone: the caller's chunk is retried
    except (DatabaseError, ValueError):
        # A value the database refuses (a NUL) spoils the batch lookup: items look themselves
        # up instead, and the bad one is rejected on its own.
        logger.warning("ClaimReview preload failed; looking items up one by one", exc_info=True)
    bulk = BULK_WRITES and importer.preloaded
    results: list[ItemResult] = []
    with deferred_invalidation():
        position = 0
        while position < len(parsed):
            end = position
            if bulk:
                while end < len(parsed) and importer.is_new(parsed[end][1], seen):
                    end += 1
            if end - position > 1:
                run = parsed[position:end]
                done = _import_run(importer, run, seen, should_stop)
                if done is None:  # rolled back: the same items one by one
                    done = _import_items(importer, run, seen, should_stop)
            else:
                end = position + 1
                done = _import_items(importer, parsed[position:end], seen, should_stop)
            results.extend(done)
            if len(done) < end - position:
                break  # told to stop
            position = end
    return results


def _import_items(
    importer: _Importer,
    items: list[tuple[int, ParsedReview | ClaimReviewError]],
    seen: set[str],
    should_stop: Callable[[], bool] | None,
) -> list[ItemResult]:
    """Each item in its own savepoint, written as it goes."""
    results = []
    for index, review in items:
        if should_stop is not None and should_stop():
            break
        results.append(_import_item_safely(importer, index, review, seen))
    return results


def _import_run(
    importer: _Importer,
    items: list[tuple[int, ParsedReview | ClaimReviewError]],
    seen: set[str],
    should_stop: Callable[[], bool] | None,
) -> list[ItemResult] | None:
    """Items that create claims, planned one by one and written in bulk in one savepoint.

    Returns None when anything failed: nothing of the run is left (rows, caches, `seen`),
    and the caller imports the same items one by one, which gives each its own outcome.
    """
    snapshot, seen_before = importer.snapshot(), set(seen)
    importer.pending = _PendingWrites()
    try:
        with transaction.atomic():
            results = []
            for index, review in items:
                if should_stop is not None and should_stop():
                    break
                results.append(_plan_item(importer, index, review, seen))
            importer.write_pending()
    except (OperationalError, InterfaceError):
        raise  # the connection is gone: the caller's whole chunk is rolled back and retried
    except Exception:
        logger.info("ClaimReview bulk write failed; importing the items one by one", exc_info=True)
        importer.restore(snapshot)
        seen.clear()
        seen.update(seen_before)
        return None
    finally:
        importer.pending = None
    for result in results:
        if result.status == "created":
            result.claim_id = importer.claims[result.url].pk
    return results


def _plan_item(
    importer: _Importer, index: int, review: ParsedReview | ClaimReviewError, seen: set[str]
) -> ItemResult:
    """`_import_item` for a planned run: no savepoint (nothing is written yet), and any
    failure fails the whole run."""
    if isinstance(review, ClaimReviewError) or review.url in seen:
        return _import_item(importer, index, review, seen)
    seen.add(review.url)
    return importer.import_one(index, review)


def _parsed(item: Any) -> ParsedReview | ClaimReviewError:
    try:
        return parse_claim_review(item)
    except ClaimReviewError as error:
        return error
    except Exception as error:  # one unreadable item must not stop the import's other items
        logger.exception("ClaimReview item could not be parsed")
        return ClaimReviewError([f"The item could not be read ({type(error).__name__})."])


def _import_item_safely(
    importer: _Importer, index: int, review: ParsedReview | ClaimReviewError, seen: set[str]
) -> ItemResult:
    """`_import_item`, with any unexpected failure reported on the item instead of raised."""
    try:
        return _import_item(importer, index, review, seen)
    except (OperationalError, InterfaceError):
        raise  # the connection is gone: the caller's whole chunk is rolled back and retried
    except Exception as error:  # the item's savepoint is already rolled back
        logger.exception("ClaimReview item %d failed", index)
        importer.forget_item()
        return ItemResult(
            index=index,
            status="rejected",
            url=getattr(review, "url", ""),
            errors=[f"The item could not be imported ({type(error).__name__})."],
        )


def workflow_user_check(user: workflow.User) -> None:
    if not workflow.can_edit(user):
        raise workflow.NotAllowed(_("Only editors and reviewers can import ClaimReview."))


def _import_item(
    importer: _Importer, index: int, review: ParsedReview | ClaimReviewError, seen: set[str]
) -> ItemResult:
    if isinstance(review, ClaimReviewError):
        return ItemResult(index=index, status="rejected", errors=review.reasons)
    if review.url in seen:
        return ItemResult(
            index=index,
            status="rejected",
            url=review.url,
            errors=["The same review url appears earlier in this import."],
        )
    seen.add(review.url)
    try:
        with transaction.atomic():
            return importer.import_one(index, review)
    except ClaimReviewError as error:
        reasons = error.reasons
    except workflow.WorkflowError as error:
        reasons = [str(error)]
    except ValidationError as error:
        reasons = error.messages
    except (IntegrityError, DatabaseError) as error:
        reasons = [f"The database refused the item: {str(error).splitlines()[0][:200]}"]
    importer.forget_item()
    return ItemResult(index=index, status="rejected", url=review.url, errors=reasons)
