"""claims/claimreview.py: ClaimReview JSON-LD export (import is tested with the import module)."""

import json

import pytest

from claims.claimreview import (
    claim_review,
    claimreview_queryset,
    data_feed,
    json_ld_script_text,
    truncate,
)
from claims.models import Claim, Claimant
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    PublishedClaimFactory,
    rating,
)

pytestmark = pytest.mark.django_db


def load(claim: Claim) -> Claim:
    return claimreview_queryset().get(pk=claim.pk)


def test_published_claim_review_meets_google_fact_check_fields(settings):
    settings.SITE_URL = "https://claimwatch.example"
    settings.PUBLISHER_NAME = "Claimwatch"
    settings.PUBLISHER_URL = "https://claimwatch.example"
    claimant = ClaimantFactory(name="Jane Minister", same_as=["https://www.wikidata.org/wiki/Q1"])
    claim = PublishedClaimFactory(
        claimant=claimant,
        title="Short title",
        appearance_url="https://news.example/speech",
        stated_on="2024-11-07",
        rating=rating("mostly-accurate"),
        verdict_summary="Right on the figures.",
    )
    data = claim_review(load(claim))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ClaimReview"
    assert data["claimReviewed"] == "Short title"
    assert data["url"] == f"https://claimwatch.example{claim.get_absolute_url()}"
    assert data["author"] == {
        "@type": "Organization",
        "name": "Claimwatch",
        "url": "https://claimwatch.example",
    }
    assert data["datePublished"] == claim.published_at.date().isoformat()
    assert data["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Mostly accurate",
        "ratingValue": 4,
        "bestRating": 5,
        "worstRating": 1,
        "ratingExplanation": "Right on the figures.",
    }
    item = data["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"]["@type"] == "Person"
    assert item["author"]["name"] == "Jane Minister"
    assert item["author"]["sameAs"] == ["https://www.wikidata.org/wiki/Q1"]
    assert item["datePublished"] == "2024-11-07"
    assert item["appearance"] == [{"@type": "CreativeWork", "url": "https://news.example/speech"}]


def test_organisation_claimant_is_an_organization():
    claim = PublishedClaimFactory(claimant=ClaimantFactory(kind=Claimant.Kind.GOVERNMENT))
    assert claim_review(load(claim))["itemReviewed"]["author"]["@type"] == "Organization"


def test_unverifiable_rating_has_no_numeric_value():
    claim = PublishedClaimFactory(rating=rating("unverifiable"))
    review_rating = claim_review(load(claim))["reviewRating"]
    assert review_rating["alternateName"] == "Unverifiable"
    assert "ratingValue" not in review_rating
    assert "bestRating" not in review_rating


def test_origin_citation_sources_are_appearances_and_other_roles_are_not():
    claim = PublishedClaimFactory(appearance_url="https://news.example/a")
    CitationFactory(claim=claim, role="origin", source__url="https://video.example/clip")
    CitationFactory(claim=claim, role="supports", source__url="https://stats.example/table")
    urls = [a["url"] for a in claim_review(load(claim))["itemReviewed"]["appearance"]]
    assert urls == ["https://news.example/a", "https://video.example/clip"]


def test_claim_reviewed_is_cut_to_75_characters_at_a_word():
    text = "A very long claim " * 10
    cut = truncate(text)
    assert len(cut) <= 75
    assert cut.endswith("…")
    assert "  " not in cut


def test_draft_has_no_claim_review():
    with pytest.raises(ValueError):
        claim_review(load(ClaimFactory()))


def test_imported_review_keeps_its_publisher_url():
    claim = PublishedClaimFactory(review_url="https://other.example/fact-check/1")
    assert claim_review(load(claim))["url"] == "https://other.example/fact-check/1"


def test_feed_runs_a_fixed_number_of_queries(django_assert_num_queries):
    for _ in range(5):
        claim = PublishedClaimFactory()
        CitationFactory(claim=claim, role="origin")
    ClaimFactory()  # a draft never enters the feed
    # claims, citations + sources (prefetch), the rating scale
    with django_assert_num_queries(4):
        feed = data_feed(claimreview_queryset(Claim.objects.published()))
    assert feed["@type"] == "DataFeed"
    assert len(feed["dataFeedElement"]) == 5


def test_json_ld_script_text_cannot_close_the_script_element():
    claim = PublishedClaimFactory(title="</script><script>alert(1)</script>")
    text = json_ld_script_text(claim_review(load(claim)))
    assert "</script>" not in text
    assert json.loads(text)["claimReviewed"] == "</script><script>alert(1)</script>"


@pytest.mark.django_db
def test_non_web_urls_are_never_exported():
    claimant = ClaimantFactory(same_as=["javascript:alert(1)", "https://www.gov.uk/x"])
    claim = PublishedClaimFactory(claimant=claimant, appearance_url="javascript:alert(2)")
    data = claim_review(claimreview_queryset().get(pk=claim.pk))
    exported = str(data)
    assert "javascript:" not in exported
    assert data["itemReviewed"]["author"]["sameAs"] == ["https://www.gov.uk/x"]


def test_json_ld_is_scrubbed_of_text_stored_before_the_clean_up():
    claim = PublishedClaimFactory(title="Crime", claimant=ClaimantFactory(name="Minister"))
    # Behind the models' back (update() skips clean_fields), as rows from before the clean-up.
    Claim.objects.filter(pk=claim.pk).update(title="Crime\x1b doubled\x07")
    Claimant.objects.filter(pk=claim.claimant_id).update(name="Mini\x1bster")
    review = claim_review(load(claim))
    assert review["claimReviewed"] == "Crime doubled"
    assert review["itemReviewed"]["author"]["name"] == "Minister"
    script = json_ld_script_text(review)
    assert "\\u001b" not in script and "\x1b" not in script


def test_claim_review_states_the_language_of_the_claim_and_of_the_review():
    claim = PublishedClaimFactory(language="es", text="9.400 personas, un 19 % más que en 2023.")
    data = claim_review(claim)
    assert data["inLanguage"] == "es"
    assert data["itemReviewed"]["inLanguage"] == "es"
