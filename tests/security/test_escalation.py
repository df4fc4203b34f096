"""An editor cannot reach reviewer-only actions by any path: admin actions, change form, bulk
actions, the API, or by granting themselves the Reviewers group."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from claims.models import Claim, Rating
from tests.factories import ClaimFactory, EditorFactory, PublishedClaimFactory, rating
from tests.support.forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review():
    return ClaimFactory(
        status=Claim.Status.IN_REVIEW,
        rating=rating("accurate"),
        verdict_summary="Right on the Home Office figures.",
    )


@pytest.fixture
def editor_api(editor):
    client = APIClient()
    client.force_authenticate(editor)
    return client


def _status(claim) -> str:
    return Claim.objects.get(pk=claim.pk).status


def test_admin_publish_action_by_an_editor_publishes_nothing(editor_client, in_review):
    other = ClaimFactory(
        status=Claim.Status.IN_REVIEW,
        rating=rating("accurate"),
        verdict_summary="Also reviewed.",
    )
    response = editor_client.post(
        "/admin/claims/claim/",
        {"action": "publish_selected", "_selected_action": [in_review.pk, other.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert _status(in_review) == _status(other) == Claim.Status.IN_REVIEW
    assert Claim.objects.filter(published_at__isnull=False).count() == 0


def test_admin_select_across_bulk_publish_by_an_editor_publishes_nothing(editor_client, in_review):
    response = editor_client.post(
        "/admin/claims/claim/",
        {"action": "publish_selected", "select_across": "1", "_selected_action": [in_review.pk]},
    )
    assert response.status_code in (200, 302)
    assert not Claim.objects.filter(status=Claim.Status.PUBLISHED).exists()


def test_admin_withdraw_action_by_an_editor_withdraws_nothing(editor_client):
    published = PublishedClaimFactory()
    editor_client.post(
        "/admin/claims/claim/",
        {
            "action": "withdraw_selected",
            "_selected_action": [published.pk],
            "apply": "1",
            "reason": "Editor trying to withdraw",
        },
    )
    assert _status(published) == Claim.Status.PUBLISHED


def test_change_form_post_with_status_published_does_not_publish(editor_client, in_review):
    url = f"/admin/claims/claim/{in_review.pk}/change/"
    data = form_data(editor_client.get(url).content.decode(), "claim_form")
    data |= {"status": "published", "published_at_0": "2024-01-01", "reviewer": "1"}
    editor_client.post(url, data)
    claim = Claim.objects.get(pk=in_review.pk)
    assert claim.status == Claim.Status.IN_REVIEW
    assert claim.published_at is None


def test_editor_cannot_change_a_published_claim_in_the_admin(editor_client):
    published = PublishedClaimFactory(verdict_summary="Reviewed verdict.")
    url = f"/admin/claims/claim/{published.pk}/change/"
    editor_client.post(url, {"verdict_summary": "Editor rewrote it", "title": "x"})
    assert Claim.objects.get(pk=published.pk).verdict_summary == "Reviewed verdict."


def test_editor_cannot_edit_the_rating_scale(editor_client):
    accurate = rating("accurate")
    response = editor_client.post(
        f"/admin/claims/rating/{accurate.pk}/change/", {"label": "Hacked", "value": "99"}
    )
    assert response.status_code == 403
    assert Rating.objects.get(pk=accurate.pk).label != "Hacked"


def test_editor_cannot_grant_themselves_the_reviewers_group(editor_client, editor):
    reviewers = Group.objects.get(name="Reviewers")
    for path in (
        "/admin/auth/user/",
        f"/admin/auth/user/{editor.pk}/change/",
        "/admin/auth/group/",
    ):
        assert editor_client.get(path).status_code == 403, path
    response = editor_client.post(
        f"/admin/auth/user/{editor.pk}/change/",
        {"username": editor.username, "groups": [reviewers.pk], "is_superuser": "on"},
    )
    assert response.status_code == 403
    editor.refresh_from_db()
    assert not editor.groups.filter(pk=reviewers.pk).exists()
    assert not editor.is_superuser


def test_api_publish_and_withdraw_by_an_editor_are_403(editor_api, in_review):
    published = PublishedClaimFactory()
    assert editor_api.post(f"/api/v1/claims/{in_review.pk}/publish/").status_code == 403
    response = editor_api.post(
        f"/api/v1/claims/{published.pk}/withdraw/", {"reason": "no"}, format="json"
    )
    assert response.status_code == 403
    assert _status(in_review) == Claim.Status.IN_REVIEW
    assert _status(published) == Claim.Status.PUBLISHED


def test_api_patch_or_create_with_status_published_does_not_publish(editor_api, in_review, editor):
    editor_api.patch(
        f"/api/v1/claims/{in_review.pk}/",
        {"status": "published", "published_at": "2024-01-01T00:00:00Z"},
        format="json",
    )
    assert _status(in_review) == Claim.Status.IN_REVIEW
    claimant = in_review.claimant
    response = editor_api.post(
        "/api/v1/claims/",
        {
            "title": "Sneaky",
            "text": "Sneaky claim text.",
            "claimant": claimant.pk,
            "status": "published",
        },
        format="json",
    )
    if response.status_code == 201:
        assert Claim.objects.get(title="Sneaky").status == Claim.Status.DRAFT
    else:
        assert response.status_code == 400
    assert not Claim.objects.filter(status=Claim.Status.PUBLISHED).exists()


def test_api_editor_cannot_change_a_published_claim(editor_api):
    published = PublishedClaimFactory(verdict_summary="Reviewed verdict.")
    response = editor_api.patch(
        f"/api/v1/claims/{published.pk}/", {"verdict_summary": "Rewritten"}, format="json"
    )
    assert response.status_code in (403, 400)
    assert Claim.objects.get(pk=published.pk).verdict_summary == "Reviewed verdict."


def test_user_outside_both_groups_gets_no_admin_and_no_api_writes(client):
    staff = EditorFactory()
    staff.groups.clear()
    client.force_login(staff)
    assert client.get("/admin/claims/claim/").status_code == 403
    api = APIClient()
    api.force_authenticate(staff)
    assert api.post("/api/v1/claimants/", {"name": "X"}, format="json").status_code == 403
