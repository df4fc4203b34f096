"""Public pages: what readers see, what they never see, and how many queries it costs."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims import workflow
from claims.models import Claim, ClaimEvent, Correction, Rating
from sources.models import Citation, Source
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    PublishedClaimFactory,
    SnapshotFactory,
    SourceFactory,
    TopicFactory,
    rating,
)
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def json_ld_blocks(html: str) -> list[dict]:
    return [json.loads(block) for block in JSON_LD.findall(html)]


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# --- Home and list ----------------------------------------------------------------------


def test_home_lists_published_and_marks_claims_needing_attention(anon, fact_check):
    flagged = publish_fact_check(title="Flagged claim about returns", needs_attention=True)
    draft = ClaimFactory(title="Secret draft about returns")
    html = anon.get("/").content.decode()
    assert fact_check.title in html
    assert flagged.title in html
    assert "Under review" in html
    assert draft.title not in html


def test_list_filters_by_rating_claimant_topic_and_date(anon):
    accurate = publish_fact_check(title="Accurate one", rating=rating("accurate"))
    wrong = publish_fact_check(
        title="Wrong one",
        rating=rating("inaccurate"),
        claimant=ClaimantFactory(name="Other Minister"),
        published_at=timezone.now() - timedelta(days=40),
    )
    energy = TopicFactory(name="Energy")
    wrong.topics.add(energy)

    def titles(query: str) -> str:
        return anon.get(f"/claims/?{query}").content.decode()

    assert "Accurate one" in titles("rating=accurate")
    assert "Wrong one" not in titles("rating=accurate")
    assert "Wrong one" in titles(f"claimant={wrong.claimant.slug}")
    assert "Accurate one" not in titles(f"claimant={wrong.claimant.slug}")
    assert "Wrong one" in titles("topic=energy")
    assert "Accurate one" not in titles("topic=energy")
    since = (timezone.localdate() - timedelta(days=5)).isoformat()
    assert "Accurate one" in titles(f"published_from={since}")
    assert "Wrong one" not in titles(f"published_from={since}")
    assert "Wrong one" in titles(f"published_to={since}")
    assert accurate.title not in titles(f"published_to={since}")


def test_list_rejects_bad_filters_with_a_message_not_an_error(anon, fact_check):
    response = anon.get("/claims/?rating=nope&published_from=2025-02-01&published_to=2024-01-01")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert fact_check.title in html  # an invalid form filters nothing
    assert anon.get("/claims/?published_from=not-a-date&page=zzz").status_code == 200


def test_list_paginates(anon):
    for n in range(23):
        PublishedClaimFactory(title=f"Paged claim {n:02d}")
    first = anon.get("/claims/").content.decode()
    second = anon.get("/claims/?page=2").content.decode()
    assert "Page 1 of 2" in first
    assert first.count('class="card__title"') == 20
    assert second.count('class="card__title"') == 3


def test_list_does_not_offer_claimants_with_only_drafts(anon, fact_check):
    hidden = ClaimantFactory(name="Only Drafts Person")
    ClaimFactory(claimant=hidden)
    html = anon.get("/claims/").content.decode()
    assert fact_check.claimant.name in html
    assert hidden.name not in html


# --- Claim page ---------------------------------------------------------------------------


def test_claim_page_shows_claim_verdict_figures_sources_and_record(anon, fact_check):
    Correction.objects.create(
        claim=fact_check, what_changed="Fixed the period.", reason="The release covers 2024."
    )
    html = anon.get(fact_check.get_absolute_url()).content.decode()
    assert fact_check.text in html
    assert f'href="{fact_check.claimant.get_absolute_url()}"' in html
    assert 'class="badge badge--large rating-mostly-accurate"' in html
    assert fact_check.verdict_summary in html
    assert "<strong>government&#x27;s</strong>" in html or "<strong>government's</strong>" in html
    assert "9,400 people up 19% implies about 7,900 people in 2023 (7,899 exactly)." in html
    citation = fact_check.citations.get()
    assert citation.excerpt in html
    assert "Supports" in html
    assert "tone tone--good" in html and "last checked" in html
    assert f"/sources/archive/{citation.source.current_snapshot_id}/" in html
    assert "Fixed the period." in html and "The release covers 2024." in html
    assert "published as Mostly accurate" in html


def test_claim_page_shows_a_changed_figure_in_a_source(anon, fact_check):
    Citation.objects.filter(claim=fact_check).update(
        excerpt_state=Citation.ExcerptState.FIGURE_CHANGED,
        found_figure="9,100",
        cited_figure="9,400",
    )
    html = anon.get(fact_check.get_absolute_url()).content.decode()
    assert "Figure changed" in html
    assert "the page now says 9,100 (was 9,400)" in html


def test_figure_with_baseline_says_whether_the_stated_change_holds(anon, fact_check):
    fact_check.figures.update(baseline_value=Decimal("8500"))
    html = anon.get(fact_check.get_absolute_url()).content.decode()
    assert "From 8,500 people (2023) the change is +10.59%." in html
    assert "Does not match the stated change" in html


def test_claim_page_has_exactly_one_valid_claimreview(anon, fact_check, settings):
    html = anon.get(fact_check.get_absolute_url()).content.decode()
    blocks = json_ld_blocks(html)
    assert len(blocks) == 1
    review = blocks[0]
    assert review["@type"] == "ClaimReview"
    assert review["url"] == settings.SITE_URL + fact_check.get_absolute_url()
    assert review["reviewRating"]["alternateName"] == "Mostly accurate"
    assert review["itemReviewed"]["author"]["name"] == "Home Office"
    assert f'<link rel="canonical" href="{review["url"]}">' in html
    assert 'property="og:title"' in html and 'name="twitter:card"' in html


def test_verdict_history_is_public_record_without_editor_names(anon, reviewer, fact_check):
    fact_check.rating = Rating.objects.get(slug="inaccurate")
    workflow.save_claim(
        fact_check,
        reviewer,
        correction=workflow.CorrectionNote("Rating changed.", "New statistics were published."),
    )
    ClaimEvent.objects.create(
        claim=fact_check,
        kind=ClaimEvent.Kind.STATUS,
        from_status="draft",
        to_status="in_review",
        at=fact_check.published_at - timedelta(days=2),
        note="internal note",
    )
    html = anon.get(fact_check.get_absolute_url()).content.decode()
    assert "Inaccurate" in html
    assert "New statistics were published." in html
    assert reviewer.username not in html
    assert "internal note" not in html
    assert "in_review" not in html


@pytest.mark.parametrize("status", [Claim.Status.DRAFT, Claim.Status.IN_REVIEW])
def test_unpublished_claims_are_not_found(anon, status):
    claim = ClaimFactory(status=status, rating=rating("accurate"), verdict_summary="Draft verdict")
    response = anon.get(claim.get_absolute_url())
    assert response.status_code == 404
    assert claim.title not in response.content.decode()


def test_an_unpublished_claim_costs_the_queries_of_a_missing_one(anon):
    """Nothing about a draft is read before its page is refused, so its id cannot be told
    from an unused one by the work the server does."""
    draft = ClaimFactory(rating=rating("accurate"))
    counts = []
    for url in (draft.get_absolute_url(), f"/claims/{draft.pk + 1000}-{draft.slug}/"):
        with CaptureQueriesContext(connection) as ctx:
            assert anon.get(url).status_code == 404
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_withdrawn_claim_is_gone_with_the_reason_and_no_claimreview(anon, reviewer, fact_check):
    workflow.withdraw(fact_check, reviewer, "The statistics were revised after publication.")
    response = anon.get(fact_check.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 410
    assert "We have withdrawn this fact check" in html
    assert "The statistics were revised after publication." in html
    assert json_ld_blocks(html) == []
    assert '<meta name="robots" content="noindex">' in html
    assert fact_check.title not in anon.get("/").content.decode()


def test_wrong_slug_redirects_to_the_canonical_address(anon, fact_check):
    response = anon.get(f"/claims/{fact_check.pk}-old-title/")
    assert response.status_code == 301
    assert response["Location"] == fact_check.get_absolute_url()


# --- Hostile text ---------------------------------------------------------------------------

HOSTILE = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_text_renders_inert_in_html_and_json_ld(anon):
    claim = publish_fact_check(
        title='Evil </script><script>alert("t")</script>',
        text=f"They said {HOSTILE}",
        verdict_summary=f"Summary {HOSTILE}",
        analysis=(
            "[click](javascript:alert(1)) [ok](https://example.org)\n\n"
            '<script>alert("md")</script>\n\n<a href="javascript:alert(2)">raw</a> '
            '<iframe src="https://evil.example"></iframe>'
        ),
        claimant=ClaimantFactory(name=f"Mallory {HOSTILE}", same_as=["javascript:alert(3)"]),
        appearance_url="javascript:alert(4)",
    )
    for url in (claim.get_absolute_url(), claim.claimant.get_absolute_url(), "/", "/claims/"):
        html = anon.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        # As text (escaped) the words may appear; as a link target never.
        assert not re.search(r"<a\b[^>]*href=[\"']?\s*javascript:", html, re.I), url
        assert "<iframe" not in html, url
    html = anon.get(claim.get_absolute_url()).content.decode()
    (raw_json,) = JSON_LD.findall(html)
    assert "</script" not in raw_json and "<" not in raw_json
    review = json.loads(raw_json)
    assert review["itemReviewed"]["author"]["name"] == f"Mallory {HOSTILE}"
    assert 'href="https://example.org" rel="nofollow noopener noreferrer"' in html


# --- Claimant, topic, about, archive ------------------------------------------------------


def test_claimant_scorecard_counts_only_published_claims(anon):
    claimant = ClaimantFactory(name="Counted Person")
    publish_fact_check(claimant=claimant, rating=rating("accurate"))
    publish_fact_check(claimant=claimant, rating=rating("accurate"), title="Second")
    publish_fact_check(claimant=claimant, rating=rating("inaccurate"), title="Third")
    ClaimFactory(claimant=claimant, rating=rating("misleading"), title="Draft not counted")
    html = anon.get(claimant.get_absolute_url()).content.decode()
    assert "3 published fact checks" in html
    assert (
        '<desc id="chart-desc">Accurate: 2; Mostly accurate: 0; Mixed: 0; Misleading: 0; Inaccurate: 1; Unverifiable: 0.</desc>'
        in html
    )
    assert 'role="img"' in html and "<table" in html
    assert "Draft not counted" not in html


def test_claimant_with_only_drafts_is_not_public(anon):
    claimant = ClaimantFactory(name="Under Investigation")
    ClaimFactory(claimant=claimant)
    assert anon.get(claimant.get_absolute_url()).status_code == 404


def test_topic_page_lists_its_published_claims(anon, fact_check):
    other = publish_fact_check(title="Elsewhere")
    topic = TopicFactory(name="Housing")
    fact_check.topics.add(topic)
    ClaimFactory(title="Housing draft").topics.add(topic)
    html = anon.get(topic.get_absolute_url()).content.decode()
    assert fact_check.title in html
    assert other.title not in html
    assert "Housing draft" not in html


def test_about_page_explains_every_rating(anon):
    html = anon.get("/about/").content.decode()
    for r in Rating.objects.all():
        assert r.label in html and r.description in html
    assert "How monitoring works" in html


def test_ratings_css_colours_each_rating_and_refuses_injected_values(anon):
    Rating.objects.filter(slug="mixed").update(colour="0;}a{b:")  # fits varchar(7)
    css = anon.get("/ratings.css").content.decode()
    assert ".rating-accurate{--rating-colour:#1a7f37}" in css
    assert ".rating-mixed{--rating-colour:#57606a}" in css
    assert "}a{b:" not in css


def test_archived_text_is_public_only_for_evidence_of_published_claims(anon, fact_check):
    source = fact_check.citations.get().source
    response = anon.get(f"/sources/archive/{source.current_snapshot_id}/")
    assert response.status_code == 200
    assert source.current_snapshot.main_text in response.content.decode()
    draft_source = SourceFactory()
    snapshot = SnapshotFactory(source=draft_source, main_text="Evidence for a draft")
    CitationFactory(claim=ClaimFactory(), source=draft_source)
    assert anon.get(f"/sources/archive/{snapshot.pk}/").status_code == 404
    assert anon.get("/sources/archive/999999/").status_code == 404


def test_robots_txt_disallows_admin_and_links_the_sitemap(anon, settings):
    text = anon.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in text
    assert "Disallow: /api/v1/claimreview/import/" in text
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in text


def test_public_pages_refuse_writes(anon, fact_check):
    assert anon.post(fact_check.get_absolute_url()).status_code == 405


# --- Query counts ----------------------------------------------------------------------------


def test_claim_page_queries_do_not_grow_with_figures_and_sources(anon):
    small = publish_fact_check(figures=1, citations=1)
    large = publish_fact_check(figures=12, citations=15, title="Large one")
    small_count = query_count(anon, small.get_absolute_url())
    large_count = query_count(anon, large.get_absolute_url())
    assert small_count == large_count
    assert large_count <= 6


def test_list_page_queries_do_not_grow_with_claims(anon):
    publish_fact_check()
    small = query_count(anon, "/claims/")
    small_filtered = query_count(anon, "/claims/?rating=mostly-accurate")
    for n in range(25):
        publish_fact_check(title=f"More {n}", citations=2)
    assert query_count(anon, "/claims/?page=2") == small
    assert query_count(anon, "/claims/?rating=mostly-accurate&page=1") == small_filtered
    assert small <= 6


def test_claimant_page_queries_do_not_grow_with_claims(anon):
    claimant = ClaimantFactory(name="Busy Speaker")
    publish_fact_check(claimant=claimant)
    small = query_count(anon, claimant.get_absolute_url())
    for n in range(25):
        publish_fact_check(claimant=claimant, title=f"Busy {n}", citations=3)
    assert query_count(anon, claimant.get_absolute_url() + "?page=1") == small
    assert small <= 6


def test_home_queries_are_fixed(anon):
    publish_fact_check()
    small = query_count(anon, "/")
    for n in range(15):
        publish_fact_check(title=f"Home {n}")
    assert query_count(anon, "/?x=1") == small


def test_source_state_is_shown_even_for_unchecked_sources(anon, fact_check):
    Source.objects.update(state=Source.State.UNCHECKED, last_checked_at=None)
    html = anon.get(fact_check.get_absolute_url()).content.decode()
    assert "Not yet checked" in html


def test_a_claim_in_another_language_is_marked_up_in_it(anon):
    claim = publish_fact_check(
        language="es",
        text="Hemos devuelto a 9.400 personas, un 19 % más que en 2023.",
        verdict_summary="El aumento supone unas 7.900 devoluciones en 2023.",
        analysis="Cifras del **Gobierno**.",
    )
    html = anon.get(claim.get_absolute_url()).content.decode()
    assert '<blockquote class="claim-quote" lang="es">' in html
    assert '<p class="verdict__summary" lang="es">' in html
    assert '<div lang="es"><p>Cifras del <strong>Gobierno</strong>.</p>' in html
    (review,) = [b for b in json_ld_blocks(html) if b.get("@type") == "ClaimReview"]
    assert review["inLanguage"] == "es"
