"""The editorial journey in a real browser, and axe-core over the pages readers and editors use.

An editor takes the seed article (served by a local server) through intake, opens the draft
on the desk, adds a figure, checks the origin citation, and sends it to review; a reviewer
publishes it, is warned that it repeats a published fact check, marks it as a repeat in one
click, and the public page points readers to the original. Screenshots of the desk and the
claim page at 1,280 px go to $CLAIMWATCH_ARTEFACTS (default tests/artefacts/), for CI. The
journey runs once in English and once in Spanish (the browser asks for Spanish; the reader
reads the /es/ page; screenshots in <artefacts>/es/), finding every control by its translated
name.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.text import capfirst

from claims.models import Claim, Correction
from tests.browser.test_public_site import browser, demo_site  # noqa: F401 (fixtures)
from tests.factories import EditorFactory, ReviewerFactory
from tests.support.builders import SEED_ARTICLE
from tests.support.servers import page as reply_with
from tests.support.servers import serving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(
    os.environ.get("CLAIMWATCH_ARTEFACTS") or Path(__file__).parent.parent / "artefacts"
)
WIDTH = 1280
REPEATED_SENTENCE = "In Budapest, the Prime Minister announced fresh agreements"
BLOCKING_IMPACTS = ("critical", "serious")


def seed_article_html() -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in SEED_ARTICLE.splitlines() if line.strip())
    return (
        "<!doctype html><html><head><title>UK PM calls for joint action</title>"
        '<meta property="article:published_time" content="2024-11-08T07:00:00Z"></head>'
        f"<body><article><h1>UK PM calls for joint action</h1>{paragraphs}</article></body></html>"
    )


class Interface:
    """The interface's words in one language: what the browser test looks for on the page."""

    BROWSER_LOCALES = {"en": "en-GB", "es": "es-ES"}

    def __init__(self, language: str) -> None:
        self.language = language
        self.browser_locale = self.BROWSER_LOCALES[language]

    def __call__(self, message: str) -> str:
        with translation.override(self.language):
            return translation.gettext(message)

    def plural(self, singular: str, plural: str, count: int) -> str:
        with translation.override(self.language):
            return translation.ngettext(singular, plural, count) % {"count": count}

    def field(self, verbose_name: str) -> str:
        """A model field's label as the admin shows it."""
        return capfirst(self(verbose_name))

    def before(self, message: str, marker: str) -> str:
        """The translated message up to its first `marker` (a placeholder, a colon), without the
        quotation mark that opens it (“ in English, « in Spanish)."""
        return self(message).split(marker)[0].strip().rstrip('“«"')

    def url(self, path_of) -> str:
        with translation.override(self.language):
            return path_of()


def logged_in(browser, live_server_url: str, user, locale: str = "en-GB"):  # noqa: F811
    """A browser context signed in as `user` (the session cookie of Django's test client)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale=locale)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server_url}])
    return context


def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


def assert_accessible(page, name: str) -> None:
    """axe-core on the page as it is: no critical and no serious violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    blocking = [
        f"{v['id']} ({v['impact']}): {len(v['nodes'])} node(s), e.g. {v['nodes'][0]['target']}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert blocking == [], f"{name}: {blocking}"


@pytest.mark.parametrize("language", ["en", "es"])
def test_editorial_journey_from_intake_to_the_public_page(demo_site, browser, language):  # noqa: F811
    ui = Interface(language)
    shots = ARTEFACTS if language == "en" else ARTEFACTS / language
    shots.mkdir(parents=True, exist_ok=True)
    base = demo_site.url
    editor, reviewer = EditorFactory(), ReviewerFactory()
    repeat_warning = ui.before(
        "This claim may repeat a published fact check: {}. If it does, use “Mark as a repeat "
        "of” under Repeats on the claim page.",
        ":",
    )

    with serving(reply_with(seed_article_html())) as article_server:
        desk = logged_in(browser, base, editor, ui.browser_locale).new_page()
        errors = console_errors(desk)
        desk.goto(base + "/admin/")
        assert desk.locator("html").get_attribute("lang") == language
        assert desk.get_by_role("heading", name=ui("My drafts")).is_visible()
        assert desk.get_by_role("heading", name=ui("Needs attention")).is_visible()
        # reviewers only
        assert desk.get_by_role("heading", name=ui("Awaiting review")).count() == 0
        assert_accessible(desk, "desk")
        desk.screenshot(path=str(shots / "desk-editor-1280.png"), full_page=True)

        # Intake from the seed article at its address.
        desk.goto(base + "/admin/claims/claim/intake/")
        desk.get_by_label(ui("Source URL")).fill(article_server.url("/seed-article"))
        desk.get_by_label(ui("Claimant")).select_option(label="Keir Starmer")
        desk.get_by_role("button", name=ui("Find candidate claims")).click()
        row = desk.locator("#intake-candidates tr", has_text=REPEATED_SENTENCE)
        # No figure in this sentence, yet the published fact check of it is named.
        assert "New agreements signed with Serbia" in row.inner_text()
        assert_accessible(desk, "intake with candidates")
        row.get_by_role("checkbox").check()
        desk.get_by_role("button", name=ui("Create draft claims from ticked sentences")).click()
        desk.wait_for_load_state()
        notes = desk.locator(".messagelist, .errorlist").all_inner_texts()
        assert desk.url.endswith("/admin/claims/claim/?status=draft"), notes
        assert desk.locator("#result_list").get_by_text(REPEATED_SENTENCE[:40]).count() == 1
        assert_accessible(desk, "claim list")

        # The draft: title, verdict, a figure; the origin citation came with intake.
        draft = Claim.objects.get(text__startswith=REPEATED_SENTENCE, status=Claim.Status.DRAFT)
        desk.goto(base + f"/admin/claims/claim/{draft.pk}/change/")
        assert desk.get_by_label(ui.field("stated on")).input_value() in (
            "2024-11-08",
            "08/11/2024",
        )
        desk.locator("#id_title").fill("PM announces Balkans agreements")
        desk.locator("#id_rating").select_option(label="Accurate")
        desk.locator("#id_verdict_summary").fill("The agreements were announced in Budapest.")
        desk.locator("#figures-group .add-row a").click()
        desk.locator("#id_figures-0-label").fill("Agreements signed")
        desk.locator("#id_figures-0-value").fill("3")
        citations = desk.locator(".inline-group", has_text=ui("citations"))
        assert "announced fresh agreements" in citations.first.inner_text()
        assert desk.evaluate("document.documentElement.scrollWidth") <= WIDTH
        assert_accessible(desk, "claim change form with figures and citations")
        desk.screenshot(path=str(shots / "claim-change-form-1280.png"), full_page=True)
        desk.get_by_role("button", name=ui("Save and send to review")).click()
        assert repeat_warning in desk.locator(".messagelist").inner_text()
        assert Claim.objects.get(pk=draft.pk).status == Claim.Status.IN_REVIEW
        assert desk.get_by_role("button", name=ui("Save and publish")).count() == 0
        assert [e for e in errors if "favicon" in e] == []

    # The reviewer publishes, sees the repeat warning, and links the repeat in one click.
    review = logged_in(browser, base, reviewer, ui.browser_locale).new_page()
    review.goto(base + "/admin/")
    assert review.get_by_role("heading", name=ui("Awaiting review")).is_visible()
    review.screenshot(path=str(shots / "desk-reviewer-1280.png"), full_page=True)
    review.goto(base + f"/admin/claims/claim/{draft.pk}/change/")
    review.get_by_role("button", name=ui("Save and publish")).click()
    messages = review.locator(".messagelist").inner_text()
    published_one = ui.plural("Published %(count)d claim.", "Published %(count)d claims.", 1)
    assert published_one in messages and repeat_warning in messages
    review.get_by_role("button", name=ui("Mark as a repeat of this")).first.click()
    marked = ui.before("Marked as a repeat of “%(claim)s”.", "%(claim)s")
    assert marked in review.locator(".messagelist").inner_text()

    # After publication every change readers see is on the record: first an update note...
    change_url = base + f"/admin/claims/claim/{draft.pk}/change/"
    review.goto(change_url)
    review.locator("#id_verdict_summary").fill(
        "The agreements were announced in Budapest on 8 November 2024."
    )
    review.get_by_label(ui("an update (clarification or typo: a short public note)")).check()
    review.locator("#id_correction_what").fill("Added the date of the announcement.")
    review.locator("input[name=_continue]").click()
    review.wait_for_load_state()
    assert Correction.objects.filter(claim_id=draft.pk, kind=Correction.Kind.UPDATE).count() == 1
    # ...then a correction of the rating, with what changed and why.
    review.locator("#id_rating").select_option(label="Mostly accurate")
    review.get_by_label(ui("a correction (rating or substance: give the reason)")).check()
    review.locator("#id_correction_what").fill("One of the three agreements was not yet signed.")
    review.locator("#id_correction_reason").fill("The Kosovo agreement was announced, not signed.")
    review.locator("input[name=_continue]").click()
    review.wait_for_load_state()
    corrected = Claim.objects.get(pk=draft.pk)
    assert corrected.status == Claim.Status.CORRECTED
    assert corrected.rating.label == "Mostly accurate"

    published = Claim.objects.get(pk=draft.pk)
    reader = browser.new_page(viewport={"width": WIDTH, "height": 900})
    reader_errors = console_errors(reader)
    reader.goto(base + ui.url(published.get_absolute_url))
    assert reader.locator("html").get_attribute("lang") == language
    assert reader.get_by_role("heading", name=ui("This claim has been checked before")).is_visible()
    notice = reader.locator(".notice--revised").inner_text()
    assert ui("Corrected and updated since publication") in notice
    assert "One of the three agreements was not yet signed." in notice
    log = reader.locator("main").inner_text()
    assert "Added the date of the announcement." in log
    assert "The Kosovo agreement was announced, not signed." in log
    json_ld = reader.locator('script[type="application/ld+json"]').first.inner_text()
    assert '"dateModified"' in json_ld
    original = Claim.objects.get(slug="new-agreements-with-serbia-north-macedonia-kosovo")
    link = reader.locator(".notice--repeat a")
    assert link.get_attribute("href") == ui.url(original.get_absolute_url)
    reader.screenshot(path=str(shots / "claim-page-1280.png"), full_page=True)
    link.click()
    reader.wait_for_load_state()
    assert reader.get_by_role("heading", level=1).inner_text() == original.title
    assert reader_errors == []


def test_axe_finds_no_serious_problem_on_public_pages(demo_site, browser):  # noqa: F811
    claim = Claim.objects.published().select_related("claimant").first()
    topic = claim.topics.first()
    paths = [
        "/",
        "/claims/",
        claim.get_absolute_url(),
        claim.claimant.get_absolute_url(),
        topic.get_absolute_url(),
        "/search/?q=9400",
        "/search/?q=nothing-matches-this",
        "/about/",
    ]
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    errors = console_errors(page)
    for path in paths:
        page.goto(demo_site.url + path)
        assert_accessible(page, path)
    assert errors == []  # no missing favicon, stylesheet or script on any page
    page.goto(demo_site.url + "/claims/999999-missing/")
    assert "We could not find that page" in page.inner_text("main")
    assert_accessible(page, "404 page")
