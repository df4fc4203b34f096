"""ops/middleware.py: CSP with a per-request nonce, Permissions-Policy, and Django's headers."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = ["/", "/admin/login/", "/api/v1/", "/api/v1/docs/", "/api/v1/redoc/", "/healthz"]


def _script_src(policy: str) -> str:
    return next(d for d in policy.split(";") if d.strip().startswith("script-src"))


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200, path
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in _script_src(policy)
    assert "frame-ancestors 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    # drf-spectacular relaxes COOP on Swagger UI on purpose (its OAuth2 login popup).
    expected_coop = "unsafe-none" if path == "/api/v1/docs/" else "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == expected_coop
    assert response["X-Frame-Options"] == "DENY"


def test_nonce_changes_per_request(client):
    first = _script_src(client.get("/healthz")["Content-Security-Policy"])
    second = _script_src(client.get("/healthz")["Content-Security-Policy"])
    assert "'nonce-" in first
    assert first != second


def test_swagger_ui_inline_script_carries_the_nonce_of_its_policy(client):
    response = client.get("/api/v1/docs/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, "Swagger UI's init script is expected"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)


def test_admin_pages_have_no_inline_script(admin_client):
    for path in ["/admin/", "/admin/claims/claim/", "/admin/claims/claim/add/"]:
        html = admin_client.get(path).content.decode()
        inline = [
            m for m in re.findall(r"<script([^>]*)>", html) if "src=" not in m and "json" not in m
        ]
        assert inline == [], path


def test_report_only_mode_uses_the_report_only_header(client, settings):
    settings.CSP_REPORT_ONLY = True
    response = client.get("/healthz")
    assert "Content-Security-Policy" not in response
    assert "default-src 'self'" in response["Content-Security-Policy-Report-Only"]


def test_https_redirect_is_skipped_when_the_proxy_says_https(client, settings):
    # What PROXY_COUNT >= 1 configures (tests/security/test_proxies.py).
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    plain = client.get("/healthz")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    proxied = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_and_csrf_cookies_are_secure_and_httponly():
    client = Client()
    response = client.get("/admin/login/")
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"]
    assert csrf["samesite"] == "Lax"


# --- LanguageMiddleware: public pages by URL, the desk and the API by the user's choice ----


def test_public_pages_take_their_language_from_the_url_whatever_the_browser_asks(client):
    english = client.get("/claims/", HTTP_ACCEPT_LANGUAGE="es")
    spanish = client.get("/es/claims/", HTTP_ACCEPT_LANGUAGE="en")
    assert (english["Content-Language"], spanish["Content-Language"]) == ("en", "es")
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="es">' in spanish.content.decode()


def test_the_admin_follows_the_language_cookie(editor_client):
    editor_client.cookies["django_language"] = "es"
    response = editor_client.get("/admin/")
    assert response["Content-Language"] == "es"
    assert "Mis borradores" in response.content.decode()


def test_the_admin_follows_accept_language_without_a_cookie(editor_client):
    spanish = editor_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    english = editor_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de")  # not offered: default
    assert (spanish["Content-Language"], english["Content-Language"]) == ("es", "en")
    assert "My drafts" in english.content.decode()


def test_api_errors_are_answered_in_the_clients_language(client):
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    assert (
        response.json()["detail"]
        == "No hay ningún punto de acceso de la API en /api/v1/no-such-thing/."
    )
