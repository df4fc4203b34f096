"""The verdict card other sites embed, its framing rules, and the oEmbed provider (claims.embeds).

The oEmbed response is checked field by field against https://oembed.com (sections 2.3.4 and
2.3.5): required fields and their types, the `rich` type's html/width/height, maxwidth and
maxheight honoured by both the html and the thumbnail, and the error statuses.
"""

import io
import re
from urllib.parse import urlsplit

import lxml.html
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from claims import embeds, workflow
from claims.colours import contrast_ratio
from claims.models import Claim, Rating
from tests.factories import ClaimFactory, PublishedClaimFactory
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db

# Every field oEmbed 1.0 defines for a `rich` response (2.3.4 and 2.3.4.4).
SPEC_FIELDS = {
    "type",
    "version",
    "title",
    "author_name",
    "author_url",
    "provider_name",
    "provider_url",
    "cache_age",
    "thumbnail_url",
    "thumbnail_width",
    "thumbnail_height",
    "html",
    "width",
    "height",
}
THUMBNAIL_FIELDS = {"thumbnail_url", "thumbnail_width", "thumbnail_height"}


def page_url(claim: Claim) -> str:
    return settings.SITE_URL + claim.get_absolute_url()


def oembed(client, url: str, **params):
    return client.get("/oembed", {"url": url, **params})


def local_path(url: str) -> str:
    """The path and query of one of our absolute URLs, for the test client."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == settings.SITE_URL
    return parts.path + (f"?{parts.query}" if parts.query else "")


def iframe_of(html: str):
    frame = lxml.html.fragment_fromstring(html)
    assert frame.tag == "iframe"
    return frame


# --- oEmbed: the response ---------------------------------------------------------------------


def test_oembed_answers_a_published_claim_with_every_rich_field_the_spec_requires(anon, fact_check):
    response = oembed(anon, page_url(fact_check), format="json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"  # 2.3.1: JSON uses this mime type
    doc = response.json()
    assert set(doc) <= SPEC_FIELDS
    assert doc["type"] == "rich"
    assert doc["version"] == "1.0" and isinstance(doc["version"], str)
    # rich: html, width and height are required; width and height are pixels (integers).
    assert isinstance(doc["width"], int) and doc["width"] > 0
    assert isinstance(doc["height"], int) and doc["height"] > 0
    frame = iframe_of(doc["html"])
    assert frame.get("src") == settings.SITE_URL + f"{fact_check.get_absolute_url()}embed/"
    assert (int(frame.get("width")), int(frame.get("height"))) == (doc["width"], doc["height"])
    assert frame.get("title") == f"Fact check: {fact_check.title}"
    assert "allow-scripts" not in frame.get("sandbox")  # the card needs no script
    assert doc["title"] == fact_check.title
    # The author of a fact check is the publisher (the claimant authored the claim).
    assert doc["author_name"] == settings.PUBLISHER_NAME
    assert doc["author_url"] == settings.PUBLISHER_URL
    assert doc["provider_name"] == settings.SITE_NAME
    assert doc["provider_url"] == settings.SITE_URL + "/"
    assert isinstance(doc["cache_age"], int) and doc["cache_age"] > 0


def test_oembed_thumbnail_is_the_share_image_at_the_size_it_states(anon, fact_check):
    doc = oembed(anon, page_url(fact_check)).json()  # format defaults to json

    assert set(doc) >= THUMBNAIL_FIELDS
    image = anon.get(local_path(doc["thumbnail_url"]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (
        doc["thumbnail_width"],
        doc["thumbnail_height"],
    )
    assert (doc["thumbnail_width"], doc["thumbnail_height"]) == (1200, 630)


@pytest.mark.parametrize(
    ("maxwidth", "maxheight"),
    [(None, None), (1000, None), (400, None), (300, 200), (None, 120), (200, 150), (40, 30)],
)
def test_oembed_never_exceeds_maxwidth_or_maxheight(anon, fact_check, maxwidth, maxheight):
    limits = {k: v for k, v in (("maxwidth", maxwidth), ("maxheight", maxheight)) if v}
    doc = oembed(anon, page_url(fact_check), **limits).json()

    assert doc["width"] <= (maxwidth or doc["width"]) and doc["height"] <= (maxheight or 10**6)
    frame = iframe_of(doc["html"])  # the iframe uses the resolved size
    assert (int(frame.get("width")), int(frame.get("height"))) == (doc["width"], doc["height"])
    # The thumbnail respects the limits too (or is left out, all three fields together).
    present = THUMBNAIL_FIELDS & set(doc)
    assert present in (set(), THUMBNAIL_FIELDS)
    if present:
        assert doc["thumbnail_width"] <= (maxwidth or 10**6)
        assert doc["thumbnail_height"] <= (maxheight or 10**6)
        image = Image.open(io.BytesIO(anon.get(local_path(doc["thumbnail_url"])).content))
        assert image.size == (doc["thumbnail_width"], doc["thumbnail_height"])


def test_oembed_uses_the_default_size_when_the_limits_allow_it(anon, fact_check):
    doc = oembed(anon, page_url(fact_check), maxwidth=2000, maxheight=2000).json()

    assert (doc["width"], doc["height"]) == (embeds.DEFAULT_WIDTH, 300)


def test_oembed_narrow_limit_makes_a_taller_card_within_maxheight(anon, fact_check):
    narrow = oembed(anon, page_url(fact_check), maxwidth=320).json()

    assert narrow["width"] == 320 and narrow["height"] > 300
    capped = oembed(anon, page_url(fact_check), maxwidth=320, maxheight=250).json()
    assert capped["height"] == 250
    assert "thumbnail_url" not in oembed(anon, page_url(fact_check), maxwidth=250).json()


def test_oembed_accepts_the_card_address_and_an_old_slug(anon, fact_check):
    card = oembed(anon, page_url(fact_check) + "embed/").json()
    old_slug = settings.SITE_URL + f"/claims/{fact_check.pk}-an-earlier-title/"

    assert card["title"] == fact_check.title
    assert oembed(anon, old_slug).json()["html"] == card["html"]


def test_oembed_accepts_the_site_address_spelled_with_its_default_port(anon, fact_check, settings):
    settings.SITE_URL = "https://factcheck.example"
    path = fact_check.get_absolute_url()

    for url in (f"https://FactCheck.example:443{path}", f"http://factcheck.example{path}"):
        assert oembed(anon, url).status_code == 200, url
    assert oembed(anon, f"https://factcheck.example:8443{path}").status_code == 404
    assert oembed(anon, f"https://someone@factcheck.example{path}").status_code == 404


def test_oembed_accepts_the_host_serving_the_request(anon, fact_check):
    response = oembed(anon, f"http://127.0.0.1{fact_check.get_absolute_url()}")

    assert response.status_code == 200


def test_oembed_escapes_the_title_inside_the_iframe_html(anon):
    claim = PublishedClaimFactory(title='"><script>alert(1)</script>')

    doc = oembed(anon, page_url(claim)).json()

    assert "<script>" not in doc["html"]
    assert iframe_of(doc["html"]).get("title") == 'Fact check: "><script>alert(1)</script>'
    assert doc["title"] == claim.title  # JSON carries the text; consumers escape it


def test_oembed_is_readable_from_other_sites_scripts(anon, fact_check):
    response = anon.get(
        "/oembed", {"url": page_url(fact_check)}, HTTP_ORIGIN="https://news.example"
    )

    assert response["Access-Control-Allow-Origin"] == "*"


# --- oEmbed: errors (2.3.5) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Claim.Status.DRAFT, Claim.Status.IN_REVIEW, Claim.Status.WITHDRAWN]
)
def test_oembed_answers_an_unpublished_claim_exactly_like_a_missing_one(anon, status):
    claim = PublishedClaimFactory() if status == Claim.Status.WITHDRAWN else ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status=status)
    missing = settings.SITE_URL + f"/claims/{claim.pk + 1000}-{claim.slug}/"

    private, absent = oembed(anon, page_url(claim)), oembed(anon, missing)

    assert private.status_code == absent.status_code == 404
    assert private.content == absent.content


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/claims/{pk}-{slug}/",
        "http://127.0.0.1:8001/claims/{pk}-{slug}/",
        "{site}/about/",
        "{site}/claims/",
        "{site}/claims/{pk}-{slug}/share.png",
        "{site}/",
        "javascript:alert(1)//127.0.0.1:8000/claims/{pk}-{slug}/",
        "ftp://127.0.0.1:8000/claims/{pk}-{slug}/",
        "not a url at all",
        "http://[::1/claims/",
    ],
)
def test_oembed_refuses_foreign_and_non_claim_addresses(anon, fact_check, url):
    url = url.format(site=settings.SITE_URL, pk=fact_check.pk, slug=fact_check.slug)

    assert oembed(anon, url).status_code == 404


def test_oembed_without_url_is_a_bad_request(anon, fact_check):
    for params in ({}, {"url": ""}, {"url": "   "}):
        response = anon.get("/oembed", params)
        assert response.status_code == 400
        assert b"url" in response.content


@pytest.mark.parametrize("response_format", ["xml", "XML", "yaml"])
def test_oembed_other_formats_are_not_implemented(anon, fact_check, response_format):
    response = oembed(anon, page_url(fact_check), format=response_format)

    assert response.status_code == 501


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_oembed_bad_limits_are_a_bad_request(anon, fact_check, value):
    assert oembed(anon, page_url(fact_check), maxwidth=value).status_code == 400
    assert oembed(anon, page_url(fact_check), maxheight=value).status_code == 400


# --- Discovery --------------------------------------------------------------------------------


def test_claim_page_links_its_oembed_endpoint_for_discovery(anon, fact_check):
    html = anon.get(fact_check.get_absolute_url()).content.decode()
    links = lxml.html.fromstring(html).xpath(
        '//head/link[@rel="alternate"][@type="application/json+oembed"]'
    )

    assert len(links) == 1
    assert links[0].get("title") == fact_check.title
    doc = anon.get(local_path(links[0].get("href"))).json()
    assert iframe_of(doc["html"]).get("src").endswith(f"{fact_check.get_absolute_url()}embed/")


# --- The card ---------------------------------------------------------------------------------


def card_url(claim: Claim) -> str:
    return f"{claim.get_absolute_url()}embed/"


def test_card_shows_claim_claimant_verdict_date_and_a_link_to_the_fact_check(anon, fact_check):
    response = anon.get(card_url(fact_check))
    html = response.content.decode()
    tree = lxml.html.fromstring(html)

    assert response.status_code == 200
    assert fact_check.text in tree.xpath("string(//blockquote)")
    assert "Home Office" in tree.xpath("string(//p[@class='who'])")
    assert tree.xpath("string(//span[@class='badge'])") == "Mostly accurate"
    published = tree.xpath("//time")[-1]
    assert published.get("datetime") == fact_check.published_at.isoformat()
    link = tree.xpath("//a[@href]")
    assert len(link) == 1
    assert link[0].get("href") == page_url(fact_check)
    assert link[0].get("target") == "_blank" and "noopener" in link[0].get("rel")
    # Self-contained: no script, no external style sheet, no other address loaded.
    assert "<script" not in html and not tree.xpath("//link[@rel='stylesheet']")
    assert not tree.xpath("//img | //iframe")
    assert "prefers-color-scheme:dark" in html


def test_card_badge_text_contrasts_with_any_rating_colour(anon, fact_check):
    rating = fact_check.rating
    for colour in ("#ffffff", "#f0e68c", "#777777", "#1a7f37", "#000000"):
        rating.colour = colour
        rating.save()  # editors change colours in the admin: every page shows the new one
        html = anon.get(card_url(fact_check)).content.decode()
        text = re.search(r"--rating-text:(#[0-9a-f]{6})", html).group(1)
        assert f"--rating:{colour}" in html
        assert contrast_ratio(text, colour) >= 4.5, colour


def test_card_refuses_a_colour_that_is_not_a_colour(anon, fact_check):
    # Written around model validation (save() does not validate).
    fact_check.rating.colour = "red;}*{"  # 7 characters, the column's size
    fact_check.rating.save()

    html = anon.get(card_url(fact_check)).content.decode()

    assert "red;}" not in html and "--rating:#57606a" in html


def test_card_marks_a_corrected_fact_check(anon, reviewer, fact_check):
    assert "Corrected" not in anon.get(card_url(fact_check)).content.decode()

    workflow.correct(fact_check, reviewer, workflow.CorrectionNote("Figure fixed.", "Typo."))

    tree = lxml.html.fromstring(anon.get(card_url(fact_check)).content)
    assert tree.xpath("string(//span[@class='corrected'])") == "Corrected"


def test_card_is_cached_and_shows_a_new_verdict_at_once(anon, reviewer, fact_check):
    assert anon.get(card_url(fact_check))["X-Page-Cache"] == "miss"
    assert anon.get(card_url(fact_check))["X-Page-Cache"] == "hit"

    fact_check.rating = Rating.objects.get(slug="inaccurate")
    workflow.save_claim(
        fact_check,
        reviewer,
        correction=workflow.CorrectionNote("Rating changed.", "New statistics were published."),
    )

    response = anon.get(card_url(fact_check))
    assert response["X-Page-Cache"] == "miss"
    assert b">Inaccurate</span>" in response.content


@pytest.mark.parametrize(
    "status", [Claim.Status.DRAFT, Claim.Status.IN_REVIEW, Claim.Status.WITHDRAWN]
)
def test_card_of_an_unpublished_claim_answers_like_a_missing_one(anon, status):
    claim = PublishedClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status=status)

    missing = f"/claims/{claim.pk + 1000}-{claim.slug}/embed/"

    private, absent = anon.get(card_url(claim)), anon.get(missing)

    assert private.status_code == absent.status_code == 404
    # The same page but for the address it names.
    assert private.content.replace(card_url(claim).encode(), b"") == absent.content.replace(
        missing.encode(), b""
    )


def test_card_under_an_old_slug_redirects_to_the_current_one(anon, fact_check):
    response = anon.get(f"/claims/{fact_check.pk}-old-title/embed/")

    assert response.status_code == 301
    assert response["Location"] == card_url(fact_check)


# --- Framing: the card only -------------------------------------------------------------------


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(
        part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors")
    )


def test_card_may_be_framed_by_any_site_on_a_miss_and_on_a_hit(anon, fact_check):
    for expected in ("miss", "hit"):
        response = anon.get(card_url(fact_check))
        assert response["X-Page-Cache"] == expected
        assert "X-Frame-Options" not in response
        assert frame_ancestors(response) == "frame-ancestors *"
        assert "script-src" not in response["Content-Security-Policy"]  # default-src 'none'


def test_every_other_page_still_refuses_to_be_framed(anon, fact_check):
    paths = [
        fact_check.get_absolute_url(),
        "/",
        "/claims/",
        "/about/",
        f"{fact_check.get_absolute_url()}share.png",
        f"/oembed?url={page_url(fact_check)}",
        "/claims/999999-missing/embed/",  # a missing card is the site's 404 page
    ]
    for path in paths:
        response = anon.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert frame_ancestors(response) == "frame-ancestors 'none'", path


# --- The embed code box -----------------------------------------------------------------------


def test_claim_page_offers_the_embed_code_without_needing_script(anon, fact_check):
    tree = lxml.html.fromstring(anon.get(fact_check.get_absolute_url()).content)

    box = tree.xpath("//textarea[@id='embed-code']")[0]
    assert box.get("readonly") is not None
    assert tree.xpath("//label[@for='embed-code']")
    frame = iframe_of(box.text_content())
    assert frame.get("src") == page_url(fact_check) + "embed/"
    assert box.text_content() == embeds.embed_snippet(fact_check)
    # The copy button is an enhancement: hidden until the script shows it.
    assert tree.xpath("//button[@data-copy-target='embed-code']")[0].get("hidden") is not None


def test_embed_code_box_keeps_a_hostile_title_inert(anon):
    claim = PublishedClaimFactory(title="</textarea><script>alert(1)</script>")

    html = anon.get(claim.get_absolute_url()).content.decode()

    assert "<script>alert" not in html and "</textarea><script>" not in html
    box = lxml.html.fromstring(html).xpath("//textarea[@id='embed-code']")[0]
    assert box.text_content() == embeds.embed_snippet(claim)


def test_card_says_when_the_evidence_is_under_review(anon, fact_check):
    assert b"Evidence under review" not in anon.get(card_url(fact_check)).content

    workflow.flag_for_attention([fact_check.pk], "A cited source is gone.")

    assert b"Evidence under review" in anon.get(card_url(fact_check)).content


def test_oembed_follows_an_update_to_the_title(anon, reviewer, fact_check):
    assert oembed(anon, page_url(fact_check)).json()["title"] == fact_check.title

    fact_check.title = "9,400 people returned in 2024"
    workflow.save_claim(fact_check, reviewer, change=workflow.UpdateNote("Title clarified."))

    doc = oembed(anon, page_url(fact_check)).json()
    assert doc["title"] == "9,400 people returned in 2024"
    assert "9,400 people returned in 2024" in iframe_of(doc["html"]).get("title")


def test_card_and_oembed_each_take_one_query_whatever_the_claim_holds(anon, settings):
    settings.PUBLIC_PAGE_CACHE = False  # count the rendering, not the cache
    small, large = (
        publish_fact_check(figures=1, citations=1),
        publish_fact_check(figures=8, citations=8, title="A claim with many figures and sources"),
    )
    for claim in (small, large):
        for url in (card_url(claim), f"/oembed?url={page_url(claim)}"):
            with CaptureQueriesContext(connection) as ctx:
                assert anon.get(url).status_code == 200
            assert len(ctx.captured_queries) == 1, (url, [q["sql"] for q in ctx])
