"""The Content-Security-Policy breaks nothing: admin, Swagger UI and ReDoc render in Chromium
with no CSP violation, and an injected inline script does not run."""

import pytest

from tests.factories import PublishedClaimFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.violations = []
        page.on(
            "console",
            lambda msg: (
                page.violations.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )
        yield page
        browser.close()


def test_swagger_ui_renders_its_operations_under_the_policy(live_server, page):
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 5
    assert page.violations == []


def test_redoc_renders_under_the_policy(live_server, page):
    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.wait_for_selector("h1", timeout=20_000)
    assert "Claimwatch API" in page.content()
    # ReDoc's optional Google Fonts and CDN logo are blocked (no third-party loads); nothing
    # served by us is.
    assert [v for v in page.violations if "https://" not in v] == []


def test_admin_login_and_change_list_work_under_the_policy(live_server, admin_user, page):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"{live_server.url}/admin/claims/claim/add/")
    # The admin's JavaScript ran: the collapsible correction fieldset widget and actions exist.
    page.wait_for_selector("#claim_form")
    assert page.evaluate("typeof django !== 'undefined' && typeof django.jQuery === 'function'")
    assert page.violations == []


@pytest.fixture
def claim():
    return PublishedClaimFactory()


def test_public_claim_page_renders_and_inline_scripts_are_blocked(live_server, claim, page):
    page.goto(f"{live_server.url}{claim.get_absolute_url()}")
    assert claim.title in page.content()
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__pwned = 1'; document.body.appendChild(s); }"
    )
    assert page.evaluate("window.__pwned === undefined")
    assert any("script-src" in v for v in page.violations)
