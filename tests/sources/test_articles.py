"""sources.articles: intake from a URL fetches through the safe fetcher and extracts main text."""

import pytest
from django.urls import reverse

from claims.intake import ArticleUnavailable
from claims.intake import fetch_article_text as fetch_through_claims
from claims.models import Claim
from sources.articles import fetch_article_text
from tests.factories import ClaimantFactory
from tests.support.servers import Reply, routes, serving

ARTICLE_HTML = """<!doctype html><html><head><title>Returns up</title></head><body>
<nav>Home | News | Contact</nav>
<article><h1>Returns rise again</h1>
<p>According to the Home Office, 9,400 people with no right to remain were returned this year,
a 19% increase from 2023.</p>
<p>The minister thanked the staff involved.</p></article>
<footer>Copyright</footer></body></html>"""


PAGES = {
    "/article": Reply(ARTICLE_HTML.encode()),
    "/image": Reply(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png"),
}


@pytest.fixture
def site():
    with serving(routes(PAGES)) as server:
        yield server.base_url


def test_article_text_is_the_main_text_of_the_page(site):
    text = fetch_article_text(f"{site}/article")
    assert "9,400 people with no right to remain" in text
    assert "Home | News" not in text


def test_claims_side_request_is_answered_by_sources(site):
    assert "a 19% increase from 2023" in fetch_through_claims(f"{site}/article")


def test_missing_page_is_a_clear_error(site):
    with pytest.raises(ArticleUnavailable, match="could not be fetched"):
        fetch_article_text(f"{site}/gone")


def test_unreadable_content_is_a_clear_error(site):
    with pytest.raises(ArticleUnavailable):
        fetch_article_text(f"{site}/image")


def test_private_address_is_refused_before_any_request():
    with pytest.raises(ArticleUnavailable, match="private or local"):
        fetch_article_text("http://10.0.0.1/article")


@pytest.mark.django_db
def test_admin_intake_from_url_shows_the_fetched_text_and_creates_cited_drafts(site, editor_client):
    claimant = ClaimantFactory()
    url = f"{site}/article"
    intake_url = reverse("admin:claims_claim_intake")
    page = editor_client.post(intake_url, {"text": "", "source_url": url, "analyse": "1"})
    assert page.status_code == 200
    assert "9,400 people" in page.context["form"]["text"].value()
    (candidate,) = [r["candidate"] for r in page.context["rows"] if r["candidate"].figures]
    response = editor_client.post(
        intake_url,
        {
            "text": page.context["form"]["text"].value(),
            "source_url": url,
            "claimant": claimant.pk,
            "keep": [candidate.start],
            "create": "1",
        },
    )
    assert response.status_code == 302
    citation = Claim.objects.get().citations.get()
    assert citation.excerpt == candidate.excerpt
    assert citation.source.url == url


@pytest.mark.django_db
def test_admin_intake_from_a_dead_url_shows_the_reason(site, editor_client):
    page = editor_client.post(
        reverse("admin:claims_claim_intake"), {"source_url": f"{site}/gone", "analyse": "1"}
    )
    assert page.status_code == 200
    assert "could not be fetched" in page.content.decode()
    assert page.context["rows"] == []
