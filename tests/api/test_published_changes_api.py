"""API doors to a published claim, per role: editors get 403, reviewers leave a record."""

import pytest

from claims.models import Correction
from tests.factories import CitationFactory, FigureFactory, PublishedClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

UPDATE = {"kind": "update", "note": "Typo fixed."}


def test_figure_changes_per_role(anon_api, editor_api, reviewer_api):
    figure = FigureFactory(claim=PublishedClaimFactory(), value=9400)
    url = f"/api/v1/figures/{figure.pk}/"
    assert anon_api.patch(url, {"value": "1"}, format="json").status_code in (401, 403)
    assert editor_api.patch(url, {"value": "1", "change": UPDATE}, format="json").status_code == 403
    assert reviewer_api.patch(url, {"value": "1"}, format="json").status_code == 409
    figure.refresh_from_db()
    assert figure.value == 9400
    response = reviewer_api.patch(url, {"value": "1", "change": UPDATE}, format="json")
    assert response.status_code == 200, response.content
    figure.refresh_from_db()
    assert figure.value == 1
    assert Correction.objects.get().what_changed == "Typo fixed."


def test_figure_add_and_delete_on_a_published_claim(editor_api, reviewer_api):
    claim = PublishedClaimFactory()
    body = {"claim": claim.pk, "label": "Returns", "value": "5", "unit": "people"}
    assert editor_api.post("/api/v1/figures/", body, format="json").status_code == 403
    assert reviewer_api.post("/api/v1/figures/", body, format="json").status_code == 409
    created = reviewer_api.post("/api/v1/figures/", {**body, "change": UPDATE}, format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/figures/{created.json()['id']}/"
    assert editor_api.delete(url, {"change": UPDATE}, format="json").status_code == 403
    assert reviewer_api.delete(url).status_code == 409
    assert reviewer_api.delete(url, {"change": UPDATE}, format="json").status_code == 204
    assert Correction.objects.filter(claim=claim).count() == 2


def test_citation_changes_per_role(editor_api, reviewer_api):
    citation = CitationFactory(claim=PublishedClaimFactory(), role="supports")
    url = f"/api/v1/citations/{citation.pk}/"
    assert editor_api.patch(url, {"role": "context"}, format="json").status_code == 403
    assert reviewer_api.patch(url, {"role": "context"}, format="json").status_code == 409
    response = reviewer_api.patch(url, {"role": "context", "change": UPDATE}, format="json")
    assert response.status_code == 200
    assert Correction.objects.get().kind == "update"


def test_citation_source_replacement_is_recorded(reviewer_api):
    citation = CitationFactory(claim=PublishedClaimFactory())
    new = SourceFactory(url="https://new.example/page")
    url = f"/api/v1/citations/{citation.pk}/"
    assert reviewer_api.patch(url, {"source": new.pk}, format="json").status_code == 409
    body = {"source": new.pk, "change": {"kind": "update", "note": "Source moved."}}
    assert reviewer_api.patch(url, body, format="json").status_code == 200
    citation.refresh_from_db()
    assert citation.source == new
    assert "replaced" in citation.claim.events.get(kind="update").note


def test_claim_patch_per_role(anon_api, editor_api, reviewer_api):
    claim = PublishedClaimFactory()
    url = f"/api/v1/claims/{claim.pk}/"
    body = {"verdict_summary": "Reworded."}
    assert anon_api.patch(url, body, format="json").status_code in (401, 403)
    assert editor_api.patch(url, {**body, "change": UPDATE}, format="json").status_code == 403
    assert reviewer_api.patch(url, body, format="json").status_code == 409
    response = reviewer_api.patch(url, {**body, "change": UPDATE}, format="json")
    assert response.status_code == 200
    assert response.json()["corrections"][0]["kind"] == "update"


@pytest.mark.parametrize("role", ["editor_api", "reviewer_api"])
def test_cited_source_url_patch_is_refused_for_everyone(request, role):
    client = request.getfixturevalue(role)
    source = CitationFactory(claim=PublishedClaimFactory()).source
    old = source.url
    response = client.patch(
        f"/api/v1/sources/{source.pk}/", {"url": "https://elsewhere.example/x"}, format="json"
    )
    assert response.status_code == 409
    source.refresh_from_db()
    assert source.url == old
