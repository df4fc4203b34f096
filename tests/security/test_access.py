"""Anonymous users reach no admin page and no API write endpoint; logins and CSRF hold."""

import pytest
from django.test import Client

from claims.models import Claim
from tests.factories import ClaimFactory, EditorFactory, SourceFactory
from tests.support.forms import form_data
from tests.support.urls import admin_paths, api_write_endpoints

pytestmark = pytest.mark.django_db

ADMIN_PATHS = admin_paths()
API_WRITES = api_write_endpoints()


def test_url_enumeration_finds_the_admin_and_api_surfaces():
    # Guards the enumeration itself: if it silently found nothing the tests below would pass.
    assert "/admin/claims/claim/1/change/" in ADMIN_PATHS
    assert "/admin/sources/source/1/snapshots/" in ADMIN_PATHS
    assert len(ADMIN_PATHS) > 50
    assert ("post", "/api/v1/claims/1/publish/") in API_WRITES
    assert ("delete", "/api/v1/figures/1/") in API_WRITES


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_anonymous_get_and_post_on_every_admin_url_go_to_the_login(client, path):
    ClaimFactory(pk=1)
    SourceFactory(pk=1)
    for response in (client.get(path), client.post(path, {"title": "x", "post": "yes"})):
        assert response.status_code == 302, (path, response.status_code)
        assert response["Location"].startswith("/admin/login/"), path
    assert Claim.objects.get(pk=1).title != "x"


@pytest.mark.parametrize(("method", "path"), API_WRITES)
def test_anonymous_writes_on_every_api_endpoint_are_refused(client, method, path):
    ClaimFactory(pk=1)
    SourceFactory(pk=1)
    before = Claim.objects.count()
    response = getattr(client, method)(path, {"title": "x"}, content_type="application/json")
    assert response.status_code in (401, 403), (method, path, response.status_code)
    assert Claim.objects.count() == before
    assert Claim.objects.get(pk=1).title != "x"


def test_admin_login_refuses_post_without_csrf_token():
    EditorFactory(username="ed", password="right-horse-battery")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "ed", "password": "right-horse-battery"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_admin_change_post_without_csrf_token_is_refused_and_changes_nothing():
    editor = EditorFactory()
    claim = ClaimFactory(title="Original title")
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(f"/admin/claims/claim/{claim.pk}/change/", {"title": "Hijacked"})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.title == "Original title"


def test_admin_change_post_with_csrf_token_works():
    editor = EditorFactory()
    claim = ClaimFactory(title="Original title")
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(f"/admin/claims/claim/{claim.pk}/change/")
    data = form_data(page.content.decode(), "claim_form")
    assert "csrfmiddlewaretoken" in data
    data["title"] = "Edited with the token"
    response = client.post(f"/admin/claims/claim/{claim.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    claim.refresh_from_db()
    assert claim.title == "Edited with the token"


def test_browsable_api_session_write_needs_the_csrf_token():
    editor = EditorFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(
        "/api/v1/claimants/", {"name": "Someone"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://evil.example/admin/",
        "https:evil.example",
        "/\\evil.example",
    ],
)
def test_login_never_redirects_off_site(client, target):
    EditorFactory(username="ed", password="right-horse-battery")
    response = client.post(
        f"/admin/login/?next={target}",
        {"username": "ed", "password": "right-horse-battery", "next": target},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert "evil.example" not in location
    assert location.startswith("/admin/")
