"""sources.intake_citations: drafts kept at intake cite their article as origin."""

import pytest
from django.urls import reverse

from claims.intake import create_draft_claims, extract_candidates
from claims.models import Claim
from sources.models import Citation, Source
from tests.factories import ClaimantFactory
from tests.support.builders import SEED_ARTICLE

pytestmark = pytest.mark.django_db

ARTICLE_URL = "https://www.gov.uk/government/news/pm-calls-for-international-collaboration"


def kept(*fragments):
    candidates = extract_candidates(SEED_ARTICLE, claimants=[])
    return [next(c for c in candidates if fragment in c.sentence) for fragment in fragments]


def test_drafts_from_an_article_cite_it_as_origin_with_the_exact_excerpt(editor):
    returns, funding = create_draft_claims(
        kept("9,400 people", "£75 million"),
        editor,
        claimant=ClaimantFactory(),
        source_url=ARTICLE_URL,
        article_text=SEED_ARTICLE,
    )
    source = Source.objects.get()
    assert source.url == ARTICLE_URL
    citation = Citation.objects.get(claim=returns)
    assert citation.source == source
    assert citation.role == Citation.Role.ORIGIN
    assert citation.excerpt in SEED_ARTICLE
    assert citation.excerpt.startswith("According to the government")
    assert citation.cited_figure == "9,400"
    # Context around the excerpt, so monitoring can re-anchor it when the page changes.
    assert SEED_ARTICLE.index(citation.excerpt) == SEED_ARTICLE.index(
        citation.excerpt_prefix + citation.excerpt
    ) + len(citation.excerpt_prefix)
    assert citation.excerpt_suffix.startswith("\nA New Approach")
    assert Citation.objects.get(claim=funding).cited_figure == "£75 million"


def test_an_existing_source_is_reused(editor):
    existing = Source.objects.create(url=ARTICLE_URL, title="Already monitored")
    create_draft_claims(
        kept("£75 million"),
        editor,
        claimant=ClaimantFactory(),
        source_url=ARTICLE_URL,
        article_text=SEED_ARTICLE,
    )
    assert Source.objects.get() == existing


def test_without_a_url_drafts_have_no_citation(editor):
    create_draft_claims(kept("£75 million"), editor, claimant=ClaimantFactory())
    assert Claim.objects.count() == 1
    assert Citation.objects.count() == 0


def test_a_refused_source_url_undoes_the_drafts(editor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        create_draft_claims(
            kept("£75 million"),
            editor,
            claimant=ClaimantFactory(),
            source_url="http://10.0.0.1/admin",
            article_text=SEED_ARTICLE,
        )
    assert Claim.objects.count() == 0
    assert Source.objects.count() == 0


def test_admin_intake_with_source_url_creates_origin_citations(editor_client):
    claimant = ClaimantFactory()
    (candidate,) = kept("100,000 migrants")
    response = editor_client.post(
        reverse("admin:claims_claim_intake"),
        {
            "text": SEED_ARTICLE,
            "source_url": ARTICLE_URL,
            "claimant": claimant.pk,
            "keep": [candidate.start],
            "create": "1",
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.appearance_url == ARTICLE_URL
    assert claim.citations.get().excerpt == candidate.excerpt


def test_admin_intake_with_a_private_url_shows_the_error_and_creates_nothing(editor_client):
    (candidate,) = kept("100,000 migrants")
    response = editor_client.post(
        reverse("admin:claims_claim_intake"),
        {
            "text": SEED_ARTICLE,
            "source_url": "http://10.0.0.1/article",
            "claimant": ClaimantFactory().pk,
            "keep": [candidate.start],
            "create": "1",
        },
    )
    assert response.status_code == 200
    assert "No drafts were created" in response.content.decode()
    assert Claim.objects.count() == 0
