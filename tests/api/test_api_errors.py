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


def test_anonymous_clients_are_throttled_with_a_json_429(anon_api, monkeypatch):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    # On the base class, and undone by monkeypatch: an attribute left on a subclass would
    # shadow what later tests set on the base.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    codes = [anon_api.get("/api/v1/ratings/").status_code for _ in range(4)]
    response = anon_api.get("/api/v1/ratings/")
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


# --- hostile input at the API's door (config/api/parsers.py, errors.py, urls' handlers) -----


def test_json_nested_fifty_thousand_deep_is_a_400_with_a_clear_message(editor_api):
    body = "[" * 50_000 + "]" * 50_000
    response = editor_api.post("/api/v1/claims/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "nest deeper than 64 levels" in response.json()["detail"]


def test_json_nesting_within_the_limit_reaches_validation(editor_api, settings):
    settings.API_JSON_MAX_DEPTH = 5
    nested = {"title": [[[["x"]]]], "text": "t"}  # five levels
    response = editor_api.post("/api/v1/claims/", nested, format="json")
    assert response.status_code == 400
    assert "title" in response.json()["errors"]
    too_deep = {"title": [[[[["x"]]]]]}  # six levels
    response = editor_api.post("/api/v1/claims/", too_deep, format="json")
    assert response.json()["code"] == "parse_error"


def test_brackets_inside_strings_do_not_count_as_nesting():
    from config.api.parsers import json_nesting_depth

    assert json_nesting_depth(b'{"a": "[[[[[[\\"[[[", "b": [1, {"c": 2}]}', 64) == 3
    # An escaped backslash ends a string like any other character; the next bracket counts.
    assert json_nesting_depth(b'["a\\\\", ["[\\\\\\"["]]', 64) == 2
    assert json_nesting_depth('["é[", [[]]]'.encode(), 64) == 3
    assert json_nesting_depth(b"[" * 1000, 10) == 11  # stops counting past the limit


def test_control_characters_in_a_json_body_are_removed_before_validation(editor_api):
    from claims.models import Claim
    from tests.factories import ClaimantFactory

    claimant = ClaimantFactory()
    response = editor_api.post(
        "/api/v1/claims/",
        {
            "title": "Crime\x1b doubled",
            "text": "Crime has\x0b doubled\r\n",
            "claimant_id": claimant.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    claim = Claim.objects.get(pk=response.json()["id"])
    assert (claim.title, claim.text) == ("Crime doubled", "Crime has\n doubled")


def test_nul_and_surrogates_in_a_json_body_are_field_errors(editor_api):
    body = '{"title": "a\\u0000b", "text": "c\\ud800d", "claimant_id": 1}'
    response = editor_api.post("/api/v1/claims/", body, content_type="application/json")
    assert response.status_code == 400
    assert {"title", "text"} <= set(response.json()["errors"])


def test_nul_in_the_search_parameter_is_a_json_400(anon_api):
    PublishedClaimFactory()
    response = anon_api.get("/api/v1/claims/?search=%00")
    assert response.status_code == 400
    assert response.json()["errors"] == {"search": ["Null characters are not allowed."]}


def test_nul_in_a_path_under_the_api_is_a_json_400(anon_api):
    response = anon_api.get("/api/v1/claims/%00/")
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_django_level_404_outside_api_v1_is_json_under_api(anon_api, client):
    response = anon_api.get("/api/v2/claims/")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "detail": "No API endpoint at /api/v2/claims/.",
    }
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_django_level_400_for_a_bad_host_is_json_under_api(anon_api):
    response = anon_api.get("/api/v1/claims/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_a_body_django_itself_finds_too_large_is_a_json_413(settings):
    from django.core.exceptions import RequestDataTooBig
    from django.test import RequestFactory

    from config.api.errors import django_bad_request

    request = RequestFactory().post("/api/v1/claims/")
    response = django_bad_request(request, RequestDataTooBig("too big"))
    assert response.status_code == 413
    assert b'"too_large"' in response.content


def test_an_unexpected_error_under_the_api_is_a_json_500(editor, monkeypatch):
    from rest_framework.test import APIClient

    from claims.api import claims as claims_api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(claims_api.ClaimViewSet, "list", broken)
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/claims/")
    assert response.status_code == 500
    assert response.json() == {
        "status": 500,
        "code": "server_error",
        "detail": "The server failed to answer; try again later.",
    }
    page = client.get("/claims/?page=1")
    assert page.status_code == 200  # the site's own pages are untouched
