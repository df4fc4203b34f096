"""claims/selectors.py: the reads pages, feeds, sitemaps and the API share."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import selectors, workflow
from claims.models import Claim, Claimant
from tests.factories import ClaimantFactory, ClaimFactory, TopicFactory, rating
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db


def test_listing_is_published_claims_newest_first_for_readers(fact_check):
    older = publish_fact_check(title="Older")
    Claim.objects.filter(pk=older.pk).update(
        published_at=fact_check.published_at.replace(year=2020)
    )
    ClaimFactory(title="Draft")
    assert [c.title for c in selectors.listing()] == [fact_check.title, "Older"]


def test_listing_shows_editors_everything_when_given_the_user(fact_check, editor):
    draft = ClaimFactory(title="Draft")
    assert draft in selectors.listing(user=editor)
    assert draft not in selectors.listing()


def test_listing_narrows_the_given_claims_and_reads_a_page_in_two_queries():
    claimant = ClaimantFactory()
    for n in range(5):
        publish_fact_check(claimant=claimant, title=f"Claim {n}")
    publish_fact_check(title="Someone else's")
    with CaptureQueriesContext(connection) as ctx:
        claims = list(selectors.listing(Claim.objects.by_claimant(claimant)))
        for claim in claims:
            [t.name for t in claim.topics.all()], claim.claimant.name, claim.rating.label
    assert len(claims) == 5
    assert len(ctx.captured_queries) == 2


def _topics_by_claim(claims) -> dict[int, list[tuple]]:
    return {c.pk: [(t.pk, t.name, t.slug) for t in c.topics.all()] for c in claims}


def test_card_listing_reads_a_page_with_its_topics_in_one_query():
    many = publish_fact_check(title="Many topics")
    many.topics.add(TopicFactory(name="Zebra & <stripes>"), TopicFactory(name='Apple "quoted"'))
    none = publish_fact_check(title="No topics")
    none.topics.clear()
    publish_fact_check(title="One topic")
    expected = _topics_by_claim(selectors.listing())
    with CaptureQueriesContext(connection) as ctx:
        claims = list(selectors.card_listing())
        selectors.read_card_topics(claims)
        topics = _topics_by_claim(claims)
        [(c.claimant.name, c.rating.label) for c in claims]
    assert len(ctx.captured_queries) == 1
    assert topics == expected  # the same topics in the same order (by name) as prefetched
    assert [name for _pk, name, _slug in topics[many.pk]] == [
        'Apple "quoted"',
        "Migration",
        "Zebra & <stripes>",
    ]
    assert topics[none.pk] == []


def test_card_listing_prefetches_the_topics_where_they_cannot_be_read_with_the_rows(monkeypatch):
    publish_fact_check(title="First")
    publish_fact_check(title="Second")
    monkeypatch.setattr(selectors, "_topics_as_json", lambda: None)
    with CaptureQueriesContext(connection) as ctx:
        claims = list(selectors.card_listing())
        selectors.read_card_topics(claims)
        topics = _topics_by_claim(claims)
    assert len(ctx.captured_queries) == 2
    assert topics == _topics_by_claim(selectors.listing())


def test_reading_card_topics_again_costs_no_query():
    publish_fact_check()
    claims = list(selectors.listing())
    assert claims
    with CaptureQueriesContext(connection) as ctx:
        selectors.read_card_topics(claims)
        selectors.read_card_topics([])
    assert len(ctx.captured_queries) == 0


def test_claim_page_refuses_unpublished_claims_and_keeps_withdrawn_ones(fact_check, reviewer):
    draft = ClaimFactory()
    assert selectors.claim_page(draft.pk) is None
    assert selectors.claim_page(draft.pk, Claim.objects.all()) == draft
    workflow.withdraw(fact_check, reviewer, "Revised statistics.")
    assert selectors.claim_page(fact_check.pk).status == Claim.Status.WITHDRAWN


def test_claim_page_reads_everything_in_six_queries(fact_check):
    with CaptureQueriesContext(connection) as ctx:
        claim = selectors.claim_page(fact_check.pk)
        list(claim.topics.all()), list(claim.figures.all()), list(claim.corrections.all())
        [c.source.url for c in claim.citations.all()]
        selectors.public_history(claim)
    assert len(ctx.captured_queries) == 6
    assert claim.scale_best is not None


def test_public_history_starts_at_publication(fact_check):
    claim = selectors.claim_page(fact_check.pk)
    history = selectors.public_history(claim)
    assert history and history[0].text == f"published as {fact_check.rating.label}"


def _scores(rows):
    return {score.rating.slug: score.count for score in rows}


def test_scorecard_counts_published_claims_per_rating_with_zeros():
    claimant = ClaimantFactory()
    publish_fact_check(claimant=claimant, rating=rating("accurate"))
    publish_fact_check(claimant=claimant, rating=rating("accurate"), title="Two")
    ClaimFactory(claimant=claimant, rating=rating("inaccurate"))
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.scorecard(claimant)
    assert len(ctx.captured_queries) == 1
    assert _scores(rows)["accurate"] == 2
    assert _scores(rows)["inaccurate"] == 0
    assert [r.rating for r in rows] == selectors.rating_scale()


def test_scorecards_of_annotated_claimants_cost_no_query_and_agree():
    claimant = ClaimantFactory()
    publish_fact_check(claimant=claimant, rating=rating("inaccurate"))
    ClaimFactory(claimant=claimant, rating=rating("accurate"))
    scale = selectors.rating_scale()
    annotated = selectors.with_scorecards(Claimant.objects.filter(pk=claimant.pk), scale).get()
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.scorecard(annotated, scale)
    assert len(ctx.captured_queries) == 0
    assert rows == selectors.scorecard(claimant) == selectors.scorecard(claimant, scale)
    assert annotated.published_claims == 1
    assert annotated.last_published_at is not None


def test_topics_and_sitemap_reads_count_only_published_claims():
    topic = TopicFactory(name="Energy")
    publish_fact_check().topics.add(topic)
    draft = ClaimFactory()
    draft.topics.add(topic)
    ClaimFactory().topics.add(TopicFactory(name="Secret"))
    (energy,) = [t for t in selectors.topics_by_public_claims(8) if t.name == "Energy"]
    assert energy.n == 1
    assert "Secret" not in {t.name for t in selectors.topics_by_public_claims(8)}
    assert "Secret" not in {t.name for t in selectors.topics_for_sitemap()}
    latest = {t.name: t.latest for t in selectors.topics_for_sitemap()}
    assert latest["Energy"] < Claim.objects.get(pk=draft.pk).updated_at


def test_sitemap_claimants_are_those_with_published_claims():
    hidden = ClaimantFactory(name="Hidden")
    ClaimFactory(claimant=hidden)
    shown = publish_fact_check(claimant=ClaimantFactory(name="Shown")).claimant
    names = {c.name for c in selectors.claimants_for_sitemap()}
    assert shown.name in names and hidden.name not in names


def test_published_card_loads_claimant_and_rating_in_one_query_and_hides_the_rest():
    claim = publish_fact_check()
    draft = ClaimFactory()

    with CaptureQueriesContext(connection) as ctx:
        card = selectors.published_card(claim.pk)
        names = (card.claimant.name, card.rating.label)
    assert len(ctx.captured_queries) == 1 and names == ("Home Office", "Mostly accurate")
    assert selectors.published_card(draft.pk) is None
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.WITHDRAWN)
    assert selectors.published_card(claim.pk) is None
