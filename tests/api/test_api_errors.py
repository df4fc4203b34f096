"""config/api/ (errors, parsers, conditional GET): JSON errors, limits, CORS, throttling."""

import pytest

from tests.factories import PublishedClaimFactory

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_a_json_404(anon_api):
    response = anon_api.get("/api/v1/no/such/thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_a_json_405(anon_api):
    response = anon_api.delete("/api/v1/ratings/1/")
    assert response.status_code in (401, 405)
    assert response.json()["status"] == response.status_code


def test_malformed_json_is_a_400_not_a_500(editor_api):
    response = editor_api.post("/api/v1/claims/", "{bad json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_wrong_types_are_field_errors(editor_api):
    response = editor_api.post(
        "/api/v1/claims/",
        {"title": ["a"], "text": {"x": 1}, "claimant_id": "abc", "stated_on": "2024-02-30"},
        format="json",
    )
    assert response.status_code == 400
    assert {"title", "text", "claimant_id", "stated_on"} <= set(response.json()["errors"])


def test_unsupported_media_type_is_a_415(editor_api):
    response = editor_api.post("/api/v1/claims/", "<claim/>", content_type="application/xml")
    assert response.status_code == 415
    assert response.json()["status"] == 415


def test_bad_token_is_a_401(anon_api):
    anon_api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anon_api.get("/api/v1/claims/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_json_body_over_the_limit_is_a_413(editor_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = editor_api.post(
        "/api/v1/claims/", {"title": "t", "text": "x" * 500, "claimant_id": 1}, format="json"
    )
    assert response.status_code == 413


def test_huge_ids_are_404_not_500(anon_api):
    assert anon_api.get("/api/v1/claims/99999999999999999999999/").status_code == 404
    assert anon_api.get("/api/v1/sources/-1/").status_code == 404


def test_cors_allows_public_reads_without_credentials(anon_api):
    PublishedClaimFactory()
    response = anon_api.get("/api/v1/claims/", HTTP_ORIGIN="https://newsroom.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = anon_api.options(
        "/api/v1/claims/",
        HTTP_ORIGIN="https://newsroom.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    allowed = preflight.get("Access-Control-Allow-Methods", "")
    assert "POST" not in allowed
    assert "GET" in allowed


def test_cors_headers_are_only_on_the_api(client):
    response = client.get("/", HTTP_ORIGIN="https://newsroom.example")
    assert "Access-Control-Allow-Origin" not in response


def test_anonymous_clients_are_throttled_with_a_json_429(anon_api, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [anon_api.get("/api/v1/ratings/").status_code for _ in range(4)]
        response = anon_api.get("/api/v1/ratings/")
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
    assert codes[:3] == [200, 200, 200]
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Retry-After" in response


def test_docs_pages_are_served_without_a_cdn(anon_api):
    for path in ["/api/v1/docs/", "/api/v1/redoc/"]:
        html = anon_api.get(path).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        assert "cdn.jsdelivr.net" not in html
        assert "fonts.googleapis.com" not in html


def test_schema_is_openapi_3_and_documents_errors(anon_api):
    response = anon_api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    publish = schema["paths"]["/api/v1/claims/{id}/publish/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "429"} <= set(publish)
    assert "/api/v1/claims:search" in schema["paths"]
