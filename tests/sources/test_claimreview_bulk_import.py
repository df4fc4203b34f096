"""The ClaimReview import's bulk writes: the rows, history and side effects of the one-by-one
import, in a number of queries that does not grow with the chunk."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from claims import caching, tasks, workflow
from claims.models import Claim, Claimant, ClaimEvent
from claims.search import search_claims
from sources import claimreview_import
from sources.claimreview_import import import_claim_reviews
from sources.models import Citation, Source
from tests.factories import ClaimantFactory, ClaimFactory, WebhookEndpointFactory
from tests.support.claimreview import claim_review_item, claim_review_items
from webhooks.models import EventType, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db


def with_author(item: dict, name: str, same_as: list[str] | None = None) -> dict:
    author = {"@type": "Person", "name": name}
    if same_as is not None:
        author["sameAs"] = same_as
    item["itemReviewed"] = dict(item["itemReviewed"], author=author)
    return item


def with_appearance(item: dict, url: str) -> dict:
    item["itemReviewed"] = dict(item["itemReviewed"], appearance=[{"url": url}])
    return item


def mixed_items() -> list[dict]:
    """New and known claimants (sameAs merged, names differing in case), shared and known
    sources, equal titles, a repeat, unreadable items and a rating off our scale."""
    items = claim_review_items(8)
    with_author(items[1], "Known Person", ["https://w.example/known-2"])
    with_author(items[2], "New Person", ["https://w.example/new-1"])
    with_author(items[3], "new person", ["https://w.example/new-2"])
    with_appearance(items[4], "https://news.example/story-2")  # the source of item 2
    with_appearance(items[5], "https://news.example/known-source")
    items[6]["claimReviewed"] = items[0]["claimReviewed"]  # the same title: the next slug
    items[7]["reviewRating"] = {"@type": "Rating", "alternateName": "Glorp"}
    items.insert(3, claim_review_item(1))  # a repeat of item 1's review URL
    items.insert(5, claim_review_item(99, datePublished="not a date"))
    items.insert(6, 42)
    return items


def setup_known_rows() -> None:
    known = ClaimantFactory(name="Known Person", same_as=["https://w.example/known-1"])
    # Takes the title's plain slug.
    ClaimFactory(title="Crime has doubled in region 0", claimant=known)
    Source.objects.create(url="https://news.example/known-source")


def stored_rows() -> dict:
    """Everything an import writes, without ids and times."""
    return {
        "claims": list(
            Claim.objects.exclude(review_url=None)
            .order_by("review_url")
            .values(
                "review_url",
                "slug",
                "title",
                "text",
                "language",
                "normalised_text",
                "status",
                "rating__slug",
                "verdict_summary",
                "stated_on",
                "appearance_url",
                "published_at",
                "reviewer__username",
                "created_by__username",
                "needs_attention",
                "attention_reason",
                "claimant__name",
            )
        ),
        "claimants": list(
            Claimant.objects.order_by("name").values("name", "slug", "kind", "role", "same_as")
        ),
        "sources": list(Source.objects.order_by("url").values("url", "host", "state")),
        "citations": list(
            Citation.objects.order_by("claim__review_url", "source__url").values(
                "claim__review_url",
                "source__url",
                "role",
                "excerpt",
                "excerpt_hash",
                "excerpt_state",
                "note",
            )
        ),
        "events": list(
            ClaimEvent.objects.exclude(claim__review_url=None)
            .order_by("claim__review_url", "pk")
            .values_list(
                "claim__review_url",
                "kind",
                "from_status",
                "to_status",
                "to_rating__slug",
                "actor__username",
                "note",
            )
        ),
    }


def empty_the_database() -> None:
    Citation.objects.all().delete()
    ClaimEvent.objects.all().delete()
    Claim.objects.all()._raw_delete(Claim.objects.db)  # published claims refuse delete()
    Claimant.objects.all().delete()
    Source.objects.all().delete()


def outcomes(report) -> list[tuple]:
    return [(i.index, i.status, i.url, i.errors, i.warnings) for i in report.items]


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_bulk_and_one_by_one_imports_write_the_same_rows(role, request, monkeypatch):
    user = request.getfixturevalue(role)
    setup_known_rows()
    with mock.patch.object(
        workflow, "create_claims_in_bulk", wraps=workflow.create_claims_in_bulk
    ) as bulk:
        bulk_report = import_claim_reviews(mixed_items(), user)
    assert bulk.call_count == 1  # one run of new items, written in bulk
    assert len(bulk.call_args.args[0]) == 8
    bulk_rows = stored_rows()
    empty_the_database()

    setup_known_rows()
    monkeypatch.setattr(claimreview_import, "BULK_WRITES", False)
    single_report = import_claim_reviews(mixed_items(), user)

    assert outcomes(bulk_report) == outcomes(single_report)
    assert [i.status for i in bulk_report.items].count("created") == 8
    assert stored_rows() == bulk_rows
    created = [i.claim_id for i in bulk_report.items if i.status == "created"]
    assert None not in created


def test_bulk_import_merges_claimants_shares_sources_and_numbers_slugs(editor):
    setup_known_rows()
    report = import_claim_reviews(mixed_items(), editor)
    assert Claimant.objects.get(name="Known Person").same_as == [
        "https://w.example/known-1",
        "https://w.example/known-2",
    ]
    new = Claimant.objects.get(name="New Person")
    assert new.same_as == ["https://w.example/new-1", "https://w.example/new-2"]
    assert not Claimant.objects.filter(name="new person").exists()
    shared = Source.objects.get(url="https://news.example/story-2")
    assert shared.citations.count() == 2
    assert Source.objects.get(url="https://news.example/known-source").citations.count() == 1
    slugs = set(Claim.objects.values_list("slug", flat=True))
    assert {"crime-has-doubled-in-region-0", "crime-has-doubled-in-region-0-2"} <= slugs
    assert "crime-has-doubled-in-region-0-3" in slugs
    repeat = report.items[3]
    assert (repeat.status, repeat.errors) == (
        "rejected",
        ["The same review url appears earlier in this import."],
    )
    fallback = Claim.objects.get(review_url=claim_review_item(7)["url"])
    assert fallback.needs_attention
    assert fallback.events.filter(kind="attention").exists()


def import_queries(user, count: int, start: int) -> int:
    items = [claim_review_item(n) for n in range(start, start + count)]
    with CaptureQueriesContext(connection) as queries:
        report = import_claim_reviews(items, user)
    assert report.count("created") == count
    return len(queries)


def test_queries_per_chunk_do_not_grow_with_the_number_of_new_items(editor):
    # Warm the per-import caches' shared state (ratings, permissions) the same way for both.
    import_queries(editor, 3, 1000)
    # Up to 25 items: SQLite's 999 parameters per statement hold a whole bulk insert.
    assert import_queries(editor, 5, 0) == import_queries(editor, 25, 100)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="UNNEST is PostgreSQL's bulk insert")
def test_new_claims_are_inserted_as_one_array_per_column(editor):
    items = [claim_review_item(n) for n in range(30)]
    with CaptureQueriesContext(connection) as queries:
        import_claim_reviews(items, editor)
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "claims_claim"')]
    assert len(inserts) == 1
    # One parameter per column, not per value: the stored search document's column too.
    assert "UNNEST(" in inserts[0] and "::tsvector[]" in inserts[0]
    assert Claim.objects.filter(review_url__isnull=False, search_vector__isnull=False).count() == 30


def test_reviewer_queries_grow_only_by_the_webhooks_lookup_per_published_claim(reviewer):
    import_queries(reviewer, 3, 1000)
    few, more = import_queries(reviewer, 5, 0), import_queries(reviewer, 25, 100)
    # `publish` announces each claim to the webhooks outbox (its subscriber lookup) as before.
    assert more - few == 20


def test_a_failed_bulk_write_imports_the_same_items_one_by_one(editor, monkeypatch):
    def refuse(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(workflow, "create_claims_in_bulk", refuse)
    setup_known_rows()
    report = import_claim_reviews(mixed_items(), editor)
    assert [i.status for i in report.items].count("created") == 8
    assert report.items[3].status == "rejected"  # the repeat, still found after the rollback
    assert Claim.objects.exclude(review_url=None).count() == 8
    assert Citation.objects.count() == 8
    assert Claimant.objects.get(name="Known Person").same_as == [
        "https://w.example/known-1",
        "https://w.example/known-2",
    ]


def test_re_imports_among_new_items_are_updated_one_by_one(reviewer):
    import_claim_reviews([claim_review_item(n) for n in (2, 5)], reviewer)
    items = [claim_review_item(n) for n in range(8)]
    items[5] = claim_review_item(5, claimReviewed="Crime has more than doubled in region 5")
    report = import_claim_reviews(items, reviewer)
    assert [i.status for i in report.items] == [
        *["created"] * 2,
        "unchanged",
        *["created"] * 2,
        "updated",
        *["created"] * 2,
    ]
    assert Claim.objects.count() == 8
    assert Citation.objects.count() == 8


def test_imported_claims_are_found_by_search_and_shown_on_lists(reviewer, client):
    anon = client
    anon.get("/claims/")  # cached before the import
    items = [with_author(claim_review_item(n), f"Minister Zebedee {n}") for n in range(3)]
    import_claim_reviews(items, reviewer)
    listing = anon.get("/claims/")
    assert listing.status_code == 200
    assert listing["X-Page-Cache"] == "miss"
    assert "Crime has doubled in region 2" in listing.content.decode()
    assert set(search_claims("Zebedee").values_list("review_url", flat=True)) == {
        item["url"] for item in items
    }
    if connection.vendor == "postgresql":
        assert not Claim.objects.filter(search_vector=None).exists()


def test_published_imports_fire_webhooks_and_draw_share_images(
    reviewer, django_capture_on_commit_callbacks
):
    WebhookEndpointFactory(events=[EventType.CLAIM_PUBLISHED, EventType.EVIDENCE_CHANGED])
    items = claim_review_items(4)
    items[3]["reviewRating"] = {"@type": "Rating", "alternateName": "Glorp"}
    with (
        mock.patch.object(tasks.render_share_image, "delay") as draw,
        mock.patch("webhooks.tasks.enqueue_deliveries") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = import_claim_reviews(items, reviewer)
    ids = [i.claim_id for i in report.items]
    published = WebhookEvent.objects.filter(type=EventType.CLAIM_PUBLISHED)
    assert sorted(published.values_list("claim_id", flat=True)) == sorted(ids)
    for event in published:
        # The payload is the claim as published, its origin citation in place.
        assert event.payload["data"]["claimReview"]["url"] == event.claim.review_url
        assert event.payload["data"]["claimReview"]["itemReviewed"]["appearance"]
    flagged = WebhookEvent.objects.get(type=EventType.EVIDENCE_CHANGED)
    assert flagged.payload["data"]["claim"]["id"] == ids[3]
    assert WebhookDelivery.objects.count() == 5
    assert enqueue.call_count == 5
    assert sorted(call.args[0] for call in draw.call_args_list) == sorted(ids)


def test_each_page_cache_key_is_bumped_once_for_the_whole_import(
    reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(claimreview_import, "BATCH_SIZE", 4)
    bumped = []
    real = caching._try_bump
    monkeypatch.setattr(caching, "_try_bump", lambda key: bumped.append(key) or real(key))
    with django_capture_on_commit_callbacks(execute=True):
        report = import_claim_reviews(claim_review_items(12), reviewer)
    assert report.count("created") == 12
    assert Claim.objects.published().count() == 12
    # Now and after commit, though three chunks of four claims were written; new claims had
    # no cached page of their own, so only the lists' version is bumped.
    assert bumped == [caching.LISTS_VERSION_KEY] * 2


def test_an_import_of_drafts_leaves_the_public_pages_cached(
    editor, monkeypatch, django_capture_on_commit_callbacks
):
    bumped = []
    monkeypatch.setattr(caching, "_try_bump", lambda key: bumped.append(key) or True)
    with django_capture_on_commit_callbacks(execute=True):
        report = import_claim_reviews(claim_review_items(6), editor)
    assert report.count("created") == 6
    assert not Claim.objects.published().exists()
    assert caching.LISTS_VERSION_KEY not in bumped


def test_a_failing_import_still_invalidates_what_its_committed_chunks_wrote(reviewer, monkeypatch):
    monkeypatch.setattr(claimreview_import, "BATCH_SIZE", 4)
    bumped = []
    monkeypatch.setattr(caching, "_try_bump", lambda key: bumped.append(key) or True)
    real = claimreview_import.import_chunk
    calls = []

    def fail_on_the_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(claimreview_import, "import_chunk", fail_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        import_claim_reviews(claim_review_items(12), reviewer)
    assert Claim.objects.count() == 4  # the first chunk, committed
    assert caching.LISTS_VERSION_KEY in bumped


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_committed_bulk_import_refreshes_cached_pages_in_redis(monkeypatch, client):
    """Real commits, the page cache in Redis: the list cached before the import is replaced,
    and the imported claims are found by the stored search documents."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    reviewer = UserFactory()
    reviewer.groups.add(Group.objects.get(name=workflow.REVIEWERS_GROUP))
    monkeypatch.setattr(claimreview_import, "BATCH_SIZE", 25)
    assert client.get("/claims/").status_code == 200
    assert client.get("/claims/")["X-Page-Cache"] == "hit"
    items = [with_author(claim_review_item(n), f"Minister Quixote {n}") for n in range(60)]
    with mock.patch.object(tasks.render_share_image, "delay"):
        report = import_claim_reviews(items, reviewer)
    assert report.count("created") == 60
    listing = client.get("/claims/")
    assert listing["X-Page-Cache"] == "miss"
    assert "Crime has doubled in region 59" in listing.content.decode()
    assert search_claims("Quixote").count() == 60
    page = client.get(Claim.objects.get(review_url=items[0]["url"]).get_absolute_url())
    assert page.status_code == 200
    assert "news.example/story-0" in page.content.decode()
