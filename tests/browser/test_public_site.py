"""The public site in a real browser (Debian's chromium through Playwright).

A reader finds a fact check by searching for a figure, reads the verdict and the sources,
follows the claimant link; the page's JSON-LD parses; hostile text never runs. Screenshots of
the claim page at desktop and phone width go to tests/browser/artifacts/ (CI artefacts).
"""

import importlib
import json
import re
from pathlib import Path

import pytest
from django.templatetags.static import static

from claims.models import Rating
from tests.factories import ClaimantFactory
from tests.support.builders import publish_fact_check

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUR_SCRIPTS = ("js/embed-code.js",)
HOSTILE = (
    '</script><script>window.__pwned=1;alert(1)</script><img src=x onerror="window.__pwned=2">'
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ensure_rating_scale() -> None:
    """transactional_db empties tables between tests, data-migration rows included."""
    if Rating.objects.exists():
        return
    migration = importlib.import_module("claims.migrations.0002_default_scale_and_roles")
    for label, slug, value, colour, bucket, description in migration.DEFAULT_SCALE:
        Rating.objects.create(
            label=label,
            slug=slug,
            value=value,
            colour=colour,
            bucket=bucket,
            description=description,
        )


@pytest.fixture
def demo_site(transactional_db, live_server):
    from demo.seed import load_demo

    ensure_rating_scale()
    load_demo()
    return live_server


@pytest.fixture
def browser(monkeypatch):
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # inside one unless told it is safe (the test itself is synchronous). Only for these tests.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watch_for_script(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def test_reader_searches_reads_a_fact_check_and_follows_the_claimant(demo_site, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs = watch_for_script(page)
    page.goto(demo_site.url + "/")
    assert page.get_by_role("heading", name="Latest fact checks").is_visible()

    page.get_by_label("Search fact checks").fill("9,400")
    page.get_by_role("button", name="Search").first.click()
    page.wait_for_url("**/search/?q=9%2C400")
    results = page.locator(".result")
    # The English fact check and the demo's Spanish one of the same claim.
    assert results.count() == 2
    assert results.locator("mark").count() >= 1  # "9.400" in the Spanish one: not highlighted

    results.get_by_role("link", name=re.compile("9,400")).first.click()
    page.wait_for_url("**/claims/*-9400-returns-up-19-percent-on-2023/")
    verdict = page.locator(".verdict")
    assert "Mostly accurate" in verdict.inner_text()
    sources = page.locator(".source")
    # The article it was said in, and the official returns table the figure comes from.
    assert sources.count() == 2
    texts = sources.all_inner_texts()
    assert all("Present" in text for text in texts), texts
    assert any("Returns summary tables" in text for text in texts), texts
    assert "implies about 7,900 people in 2023" in page.locator(".figures").inner_text()

    blocks = page.locator('script[type="application/ld+json"]')
    assert blocks.count() == 1
    review = json.loads(blocks.first.text_content())
    assert review["@type"] == "ClaimReview"
    assert review["reviewRating"]["alternateName"] == "Mostly accurate"
    assert review["itemReviewed"]["author"]["name"] == "UK Government"

    page.screenshot(path=str(ARTIFACTS / "claim-desktop-1280.png"), full_page=True)
    phone = browser.new_page(viewport={"width": 375, "height": 812}, is_mobile=True)
    phone.goto(page.url)
    # Nothing wider than the phone's screen (no sideways scrolling).
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(ARTIFACTS / "claim-phone-375.png"), full_page=True)
    phone.close()

    page.get_by_role("link", name="UK Government").first.click()
    page.wait_for_url("**/claimants/uk-government/")
    assert page.get_by_role("heading", level=1).inner_text() == "UK Government"
    assert page.locator("svg.chart title").text_content().startswith("Verdicts on claims")
    assert dialogs == []


def test_keyboard_user_can_skip_to_the_content(demo_site, browser):
    page = browser.new_page()
    page.goto(demo_site.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_hostile_text_does_not_run_in_the_browser(demo_site, browser):
    claim = publish_fact_check(
        title='Hostile </script><script>alert("t")</script>',
        text=f"They said {HOSTILE}",
        verdict_summary=HOSTILE,
        analysis=f"{HOSTILE}\n\n[click me](javascript:window.__pwned=3)",
        claimant=ClaimantFactory(name=f"Mallory {HOSTILE}"),
    )
    page = browser.new_page()
    dialogs = watch_for_script(page)
    for url in (
        claim.get_absolute_url(),
        claim.claimant.get_absolute_url(),
        "/",
        "/search/?q=Hostile",
    ):
        page.goto(demo_site.url + url)
        assert page.evaluate("window.__pwned") is None, url
        assert page.locator("img[src=x]").count() == 0, url
        # Only the JSON-LD and the site's own script files (the embed box's copy button).
        ours = "".join(f":not([src='{static(name)}'])" for name in OUR_SCRIPTS)
        assert page.locator(f"script:not([type='application/ld+json']){ours}").count() == 0, url
        assert page.locator("iframe").count() == 0, url  # the embed snippet is text
    page.goto(demo_site.url + claim.get_absolute_url())
    link = page.get_by_text("click me")
    assert link.get_attribute("href") is None
    link.click()
    assert page.evaluate("window.__pwned") is None
    review = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert review["itemReviewed"]["author"]["name"] == f"Mallory {HOSTILE}"
    assert dialogs == []
