"""The verdict card in a real browser (Debian's chromium through Playwright).

A newsroom's page on another origin embeds the card from the oEmbed response, exactly as a
consumer would: the card renders inside the frame and its link opens the fact check, while the
claim page itself refuses to be framed. axe-core finds no violation at all on the card, light
and dark, wide and narrow. The embed code box works with and without script.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from claims import workflow
from claims.models import Claim, Rating
from tests.browser.test_public_site import browser, ensure_rating_scale  # noqa: F401 (fixture)
from tests.factories import ClaimantFactory, ReviewerFactory
from tests.support.builders import publish_fact_check
from tests.support.servers import page as reply_with
from tests.support.servers import serving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(
    os.environ.get("CLAIMWATCH_ARTEFACTS") or Path(__file__).parent.parent / "artefacts"
)


@pytest.fixture
def site(transactional_db, live_server, settings):
    ensure_rating_scale()
    settings.SITE_URL = live_server.url  # the card's and the snippet's addresses
    return live_server


def a_fact_check(**fields) -> Claim:
    return publish_fact_check(claimant=ClaimantFactory(name="Home Office"), **fields)


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_card_has_no_accessibility_violation_light_or_dark(site, browser, scheme):  # noqa: F811
    plain = a_fact_check()
    corrected = a_fact_check(title="A corrected fact check with a pale verdict colour")
    pale = Rating.objects.get(slug="mixed")
    pale.colour = "#f0e68c"  # black text, not white, is readable on it
    pale.save()
    corrected.rating = pale
    workflow.save_claim(
        corrected,
        ReviewerFactory(),
        correction=workflow.CorrectionNote("Rating changed.", "New statistics."),
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for claim in (plain, corrected):
        for width, height in ((560, 300), (320, 420)):
            context = browser.new_context(
                viewport={"width": width, "height": height}, color_scheme=scheme
            )
            page = context.new_page()
            page.goto(f"{site.url}{claim.get_absolute_url()}embed/")
            assert page.locator(".badge").is_visible()
            assert axe_violations(page) == [], (claim.title, scheme, width)
            page.screenshot(path=str(ARTEFACTS / f"embed-{claim.pk}-{scheme}-{width}.png"))
            context.close()


def test_a_page_on_another_site_frames_the_card_but_not_the_claim_page(site, browser):  # noqa: F811
    claim = a_fact_check()
    page = browser.new_page()
    page_url = f"{site.url}{claim.get_absolute_url()}"
    doc = page.request.get(f"{site.url}/oembed?url={quote(page_url, safe='')}&format=json").json()
    news_page = (
        "<!doctype html><html lang='en'><head><title>News</title></head><body>"
        f"<h1>Our story</h1>{doc['html']}"
        f"<iframe id='whole-page' src='{page_url}' width='600' height='400'></iframe>"
        "</body></html>"
    )

    with serving(reply_with(news_page)) as newsroom:
        assert not newsroom.base_url.startswith(site.url)  # another origin
        page.goto(newsroom.url("/story"))
        page.wait_for_load_state("load")

        card = page.frame_locator("iframe[src$='/embed/']")
        assert card.locator("h1").inner_text() == claim.title
        assert card.locator(".badge").inner_text() == claim.rating.label
        # The claim page was refused (X-Frame-Options and frame-ancestors): an error frame.
        whole_page = page.locator("#whole-page").element_handle().content_frame()
        assert whole_page.url.startswith("chrome-error://")
        assert claim.title not in whole_page.content()

        with page.expect_popup() as popup:
            card.get_by_role("link", name="Read the full fact check").click()
        popup.value.wait_for_load_state()
        assert popup.value.url == page_url
        assert popup.value.get_by_role("heading", level=1).inner_text() == claim.title


def test_embed_code_box_copies_with_script_and_is_selectable_without(site, browser):  # noqa: F811
    claim = a_fact_check()
    url = f"{site.url}{claim.get_absolute_url()}"

    without_script = browser.new_context(java_script_enabled=False).new_page()
    without_script.goto(url)
    snippet = without_script.get_by_label("Embed code")
    assert snippet.is_visible() and snippet.input_value().startswith("<iframe src=")
    assert not without_script.get_by_role("button", name="Copy embed code").is_visible()

    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Copy embed code").click()
    # The status follows the clipboard's promise: wait for it rather than read it at once.
    expect(page.locator(".embed-code__status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == snippet.input_value()
    assert [v for v in axe_violations(page) if "(critical)" in v or "(serious)" in v] == []
