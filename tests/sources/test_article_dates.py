"""Intake fills "stated on" from the article's own date: meta tags, JSON-LD, a dateline."""

from datetime import date

import lxml.html
import pytest

from claims.models import Claim
from sources.article_dates import dateline_date, parse_date, published_on_of_html, url_date
from sources.intake import intake_article
from tests.factories import ClaimantFactory
from tests.support.builders import SEED_ARTICLE

BODY = "<body><article><p>Words.</p></article></body>"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            '<meta property="article:published_time" content="2024-11-07T09:30:00+00:00">',
            date(2024, 11, 7),
        ),
        ('<meta name="date" content="2024-11-08">', date(2024, 11, 8)),
        (
            '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": '
            '[{"@type": "NewsArticle", "datePublished": "2024-11-09T10:00:00Z"}]}</script>',
            date(2024, 11, 9),
        ),
        ('<script type="application/ld+json">not json</script>', None),
        ('<meta property="article:published_time" content="yesterday">', None),
        ("", None),
    ],
)
def test_published_on_of_html(head, expected):
    root = lxml.html.document_fromstring(f"<html><head>{head}</head>{BODY}</html>")
    assert published_on_of_html(root) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("London, 7 November 2024 — The Prime Minister said", date(2024, 11, 7)),
        ("Published: November 7th, 2024\nThe Prime Minister said", date(2024, 11, 7)),
        ("2024-11-07 | Press release", date(2024, 11, 7)),
        ("At the EPC meeting on 7 November, the Prime Minister said", None),  # no year
        ("31 February 2024: nothing", None),
        ("x" * 500 + " 7 November 2024", None),  # far from the top: not a dateline
    ],
)
def test_dateline_date(text, expected):
    assert dateline_date(text) == expected


@pytest.mark.django_db
def test_intake_from_a_page_with_a_date_fills_stated_on(editor, httpserver):
    claimant = ClaimantFactory(name="Prime Minister")
    paragraphs = "".join(f"<p>{line}</p>" for line in SEED_ARTICLE.splitlines() if line.strip())
    httpserver.expect_request("/seed").respond_with_data(
        "<!doctype html><html><head><title>Seed</title>"
        '<meta property="article:published_time" content="2024-11-08T07:00:00Z">'
        f"</head><body><article>{paragraphs}</article></body></html>",
        content_type="text/html; charset=utf-8",
    )
    read = intake_article(
        user=editor,
        source_url=httpserver.url_for("/seed"),
        claimant=claimant,
        choose=lambda ranked: ranked[:2],
    )
    assert read.published_on == date(2024, 11, 8)
    assert [Claim.objects.get(pk=d.pk).stated_on for d in read.drafts] == [date(2024, 11, 8)] * 2


@pytest.mark.django_db
def test_intake_of_pasted_text_reads_its_dateline_and_leaves_it_editable(editor_client, editor):
    claimant = ClaimantFactory(name="Prime Minister")
    read = intake_article(
        user=editor,
        text="Budapest, 7 November 2024\n" + SEED_ARTICLE,
        claimant=claimant,
        choose=lambda ranked: ranked[:1],
    )
    [draft] = read.drafts
    assert draft.stated_on == date(2024, 11, 7)
    page = editor_client.get(f"/admin/claims/claim/{draft.pk}/change/").content.decode()
    assert 'name="stated_on" value="2024-11-07"' in page or 'value="07/11/2024"' in page


@pytest.mark.django_db
def test_intake_without_a_date_leaves_stated_on_empty(editor):
    read = intake_article(
        user=editor, text=SEED_ARTICLE, claimant=ClaimantFactory(), choose=lambda r: r[:1]
    )
    assert read.published_on is None and read.drafts[0].stated_on is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.usatoday.com/story/news/nation/2019/11/19/meth-campaign/4236371002/",
            date(2019, 11, 19),
        ),
        ("https://www.latimes.com/business/story/2019-11-19/disney-plus", date(2019, 11, 19)),
        ("https://example.org/2019/13/40/nonsense", None),
        ("https://example.org/news/1234567", None),
        ("https://example.org/3019/01/01/far-future", None),
    ],
)
def test_url_date(url, expected):
    assert url_date(url) == expected


def test_placeholder_dates_are_no_publication_date():
    root = lxml.html.document_fromstring(
        '<html><head><script type="application/ld+json">{"datePublished": '
        '"0001-01-01T00:00:00Z"}</script></head><body><p>x</p></body></html>'
    )
    assert published_on_of_html(root) is None
    assert parse_date("0001-01-01") is None
