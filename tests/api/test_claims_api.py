"""claims/api/claims.py and claims/api/figures.py: claims and figures, per role."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from claims.api.claims import ClaimCitationSerializer
from claims.api.figures import NestedFigureSerializer
from claims.models import Claim, ClaimEvent
from config.api.conditional import _etag_for
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    FigureFactory,
    PublishedClaimFactory,
    TopicFactory,
    rating,
)

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


# --- Visibility -----------------------------------------------------------------------------


def test_anonymous_list_shows_published_claims_only(anon_api):
    published = PublishedClaimFactory()
    ClaimFactory()
    ClaimFactory(status=Claim.Status.IN_REVIEW, rating=rating(), verdict_summary="x")
    response = anon_api.get("/api/v1/claims/")
    assert response.status_code == 200
    assert ids(response) == [published.pk]


@pytest.mark.parametrize("status", [Claim.Status.DRAFT, Claim.Status.IN_REVIEW])
def test_unpublished_claim_is_404_for_anonymous_everywhere(anon_api, status):
    claim = ClaimFactory(status=status, rating=rating(), verdict_summary="Summary")
    for url in [
        f"/api/v1/claims/{claim.pk}/",
        f"/api/v1/claims/{claim.pk}/claimreview/",
    ]:
        response = anon_api.get(url)
        assert response.status_code == 404, url
        assert response.json()["status"] == 404
    assert claim.pk not in ids(anon_api.get("/api/v1/claims/", {"search": claim.title}))


def test_editor_sees_drafts(editor_api):
    draft = ClaimFactory()
    assert editor_api.get(f"/api/v1/claims/{draft.pk}/").status_code == 200
    assert draft.pk in ids(editor_api.get("/api/v1/claims/"))


def test_withdrawn_claim_is_not_public(anon_api):
    claim = PublishedClaimFactory(status=Claim.Status.WITHDRAWN)
    assert anon_api.get(f"/api/v1/claims/{claim.pk}/").status_code == 404


def test_claim_detail_nests_claimant_rating_topics_figures_and_citations(anon_api):
    claim = PublishedClaimFactory(rating=rating("mostly-accurate"))
    claim.topics.add(TopicFactory(name="Migration"))
    FigureFactory(
        claim=claim,
        value=Decimal("9400"),
        baseline_value=Decimal("7900"),
        stated_change_pct=Decimal("19"),
    )
    citation = CitationFactory(claim=claim, excerpt_state="missing", source__state="broken")
    data = anon_api.get(f"/api/v1/claims/{claim.pk}/").json()
    assert data["claimant"]["name"] == claim.claimant.name
    assert data["rating"]["slug"] == "mostly-accurate"
    assert data["topics"][0]["name"] == "Migration"
    figure = data["figures"][0]
    assert figure["implied_baseline"] == "7899.16"
    assert figure["change_is_consistent"] is True
    assert data["citations"][0]["id"] == citation.pk
    assert data["citations"][0]["excerpt_state"] == "missing"
    assert data["citations"][0]["source"]["state"] == "broken"
    assert data["page_url"].endswith(claim.get_absolute_url())


# --- Writing through the workflow -------------------------------------------------------------


def new_claim_body(**extra) -> dict:
    claimant = ClaimantFactory()
    return {
        "title": "Crime doubled",
        "text": "Crime has doubled.",
        "claimant_id": claimant.pk,
    } | extra


def test_anonymous_cannot_create_claims(anon_api):
    response = anon_api.post("/api/v1/claims/", new_claim_body(), format="json")
    assert response.status_code == 401
    assert Claim.objects.count() == 0


def test_editor_creates_a_draft_with_history(editor_api, editor):
    topic = TopicFactory()
    body = new_claim_body(topic_ids=[topic.pk], rating_id=rating("inaccurate").pk)
    response = editor_api.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["id"])
    assert claim.status == Claim.Status.DRAFT
    assert claim.created_by == editor
    assert list(claim.topics.all()) == [topic]
    assert ClaimEvent.objects.filter(claim=claim, kind="created").exists()


def test_status_in_body_is_ignored_so_claims_start_as_drafts(editor_api):
    response = editor_api.post("/api/v1/claims/", new_claim_body(status="published"), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"


def test_claim_validation_errors_are_field_errors(editor_api):
    response = editor_api.post(
        "/api/v1/claims/",
        {"title": "x" * 76, "claimant_id": 999999, "topic_ids": "nope"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"title", "text", "claimant_id", "topic_ids"} <= set(errors)


def test_editor_submits_but_cannot_publish(editor_api):
    claim = ClaimFactory(rating=rating(), verdict_summary="Right.")
    response = editor_api.post(f"/api/v1/claims/{claim.pk}/submit/")
    assert response.status_code == 200
    assert response.json()["status"] == "in_review"
    response = editor_api.post(f"/api/v1/claims/{claim.pk}/publish/")
    assert response.status_code == 403
    assert "reviewers" in response.json()["detail"].lower()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW


def test_reviewer_publishes_and_withdraws(reviewer_api):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW, rating=rating(), verdict_summary="Ok.")
    response = reviewer_api.post(f"/api/v1/claims/{claim.pk}/publish/")
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert response.json()["published_at"]
    response = reviewer_api.post(f"/api/v1/claims/{claim.pk}/withdraw/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    response = reviewer_api.post(
        f"/api/v1/claims/{claim.pk}/withdraw/", {"reason": "Wrong claimant."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_workflow_conflict_is_409(editor_api):
    claim = ClaimFactory()  # no rating or verdict yet
    response = editor_api.post(f"/api/v1/claims/{claim.pk}/submit/")
    assert response.status_code == 409
    assert "rating" in response.json()["detail"]


def test_editor_cannot_edit_a_published_claim(editor_api):
    claim = PublishedClaimFactory()
    response = editor_api.patch(f"/api/v1/claims/{claim.pk}/", {"title": "New"}, format="json")
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.title != "New"


def test_rating_change_on_published_claim_needs_a_correction(reviewer_api):
    claim = PublishedClaimFactory(rating=rating("accurate"))
    url = f"/api/v1/claims/{claim.pk}/"
    body = {"rating_id": rating("inaccurate").pk}
    assert reviewer_api.patch(url, body, format="json").status_code == 409
    body["correction"] = {"what_changed": "Rating lowered.", "reason": "New ONS data."}
    response = reviewer_api.patch(url, body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "corrected"
    assert data["rating"]["slug"] == "inaccurate"
    assert data["corrections"][0]["reason"] == "New ONS data."


def test_acknowledge_clears_attention(editor_api):
    claim = ClaimFactory(needs_attention=True, attention_reason="Source broken")
    response = editor_api.post(f"/api/v1/claims/{claim.pk}/acknowledge/", {"note": "Seen"})
    assert response.status_code == 200
    assert response.json()["needs_attention"] is False


def test_claims_cannot_be_deleted_through_the_api(reviewer_api):
    claim = PublishedClaimFactory()
    assert reviewer_api.delete(f"/api/v1/claims/{claim.pk}/").status_code == 405
    assert Claim.objects.filter(pk=claim.pk).exists()


# --- Filters, search, ordering, pagination ------------------------------------------------


def test_filters_by_rating_bucket_claimant_topic_and_dates(anon_api):
    topic = TopicFactory(name="Economy")
    true_claim = PublishedClaimFactory(rating=rating("accurate"), stated_on="2024-01-10")
    false_claim = PublishedClaimFactory(rating=rating("inaccurate"), stated_on="2024-06-01")
    false_claim.topics.add(topic)
    get = lambda **params: ids(anon_api.get("/api/v1/claims/", params))  # noqa: E731
    assert get(rating_bucket="false") == [false_claim.pk]
    assert get(rating="accurate") == [true_claim.pk]
    assert get(claimant=true_claim.claimant_id) == [true_claim.pk]
    assert get(topic="economy") == [false_claim.pk]
    assert get(stated_on_after="2024-03-01") == [false_claim.pk]
    assert get(stated_on_before="2024-03-01") == [true_claim.pk]


def test_filter_by_source_state_and_attention(editor_api):
    broken = ClaimFactory(needs_attention=True)
    CitationFactory(claim=broken, source__state="broken")
    ClaimFactory()
    assert ids(editor_api.get("/api/v1/claims/", {"source_state": "broken"})) == [broken.pk]
    assert ids(editor_api.get("/api/v1/claims/", {"needs_attention": "true"})) == [broken.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"rating_bucket": "maybe"},
        {"claimant": "99999999999999999999999"},
        {"stated_on_after": "2024-13-45"},
        {"needs_attention": "perhaps"},
        {"ordering": "password"},
        {"cursor": "garbage"},
        {"page_size": "-5"},
    ],
)
def test_bad_query_parameters_never_500(anon_api, params):
    PublishedClaimFactory()
    response = anon_api.get("/api/v1/claims/", params)
    assert response.status_code in (200, 400, 404)
    assert response["Content-Type"].startswith("application/json")


def test_search_finds_words_in_text_and_claimant(anon_api):
    hit = PublishedClaimFactory(title="Returns rose sharply", text="Returns of migrants rose.")
    PublishedClaimFactory(title="Hospital waiting lists", text="Waiting lists fell.")
    assert ids(anon_api.get("/api/v1/claims/", {"search": "returns"})) == [hit.pk]
    by_claimant = ids(anon_api.get("/api/v1/claims/", {"search": hit.claimant.name}))
    assert hit.pk in by_claimant


def test_cursor_pagination_walks_every_claim_once(anon_api):
    created = {PublishedClaimFactory().pk for _ in range(7)}
    seen, url = [], "/api/v1/claims/?page_size=3"
    while url:
        data = anon_api.get(url).json()
        seen += [item["id"] for item in data["results"]]
        url = data["next"]
    assert sorted(seen) == sorted(created)


def test_ordering_by_title(anon_api):
    b = PublishedClaimFactory(title="Bravo")
    a = PublishedClaimFactory(title="Alpha")
    assert ids(anon_api.get("/api/v1/claims/", {"ordering": "title"})) == [a.pk, b.pk]


def _claims_with_evidence(n: int) -> None:
    for _ in range(n):
        claim = PublishedClaimFactory()
        claim.topics.add(TopicFactory())
        FigureFactory(claim=claim)
        FigureFactory(claim=claim, label="Second")
        CitationFactory(claim=claim)
        CitationFactory(claim=claim)


def test_list_query_count_does_not_grow_with_claims_figures_or_citations(anon_api):
    _claims_with_evidence(2)
    with CaptureQueriesContext(connection) as small:
        assert len(anon_api.get("/api/v1/claims/?page_size=50").json()["results"]) == 2
    _claims_with_evidence(18)
    with CaptureQueriesContext(connection) as large:
        assert len(anon_api.get("/api/v1/claims/?page_size=50").json()["results"]) == 20
    assert len(large.captured_queries) == len(small.captured_queries)


# --- Conditional GET ------------------------------------------------------------------------


def test_etag_and_last_modified_give_304_until_the_claim_changes(anon_api, reviewer):
    claim = PublishedClaimFactory()
    url = f"/api/v1/claims/{claim.pk}/"
    first = anon_api.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert anon_api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert anon_api.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    FigureFactory(claim=claim)  # the representation changes
    changed = anon_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_if_modified_since_in_the_past_returns_the_claim(anon_api):
    claim = PublishedClaimFactory()
    response = anon_api.get(
        f"/api/v1/claims/{claim.pk}/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT"
    )
    assert response.status_code == 200


def test_detail_bytes_are_the_ones_its_etag_hashes(anon_api):
    claim = PublishedClaimFactory(text="Line\u2028break")
    FigureFactory(claim=claim)
    response = anon_api.get(f"/api/v1/claims/{claim.pk}/")
    assert response["Content-Type"] == "application/json"
    assert response["ETag"] == _etag_for(response.content.decode("utf-8"))
    assert b"\\u2028" in response.content


def test_detail_asked_indented_or_as_html_is_rendered_for_it_with_the_same_etag(anon_api):
    claim = PublishedClaimFactory()
    url = f"/api/v1/claims/{claim.pk}/"
    plain = anon_api.get(url)
    indented = anon_api.get(url, HTTP_ACCEPT="application/json; indent=2")
    assert indented.content.startswith(b'{\n  "id": ')
    assert json.loads(indented.content) == json.loads(plain.content)
    assert indented["ETag"] == plain["ETag"]
    browsable = anon_api.get(url, HTTP_ACCEPT="text/html")
    assert browsable["Content-Type"].startswith("text/html")
    assert browsable["ETag"] == plain["ETag"]


# --- Permissions ----------------------------------------------------------------------------


def test_reads_do_not_build_the_views_queryset_for_the_permission_check(anon_api, monkeypatch):
    from claims.api.claims import ClaimViewSet

    built = []
    original = ClaimViewSet.get_queryset

    def counting(view):
        built.append(view.action)
        return original(view)

    monkeypatch.setattr(ClaimViewSet, "get_queryset", counting)
    claim = PublishedClaimFactory()
    assert anon_api.get(f"/api/v1/claims/{claim.pk}/?format=json").status_code == 200
    assert built == ["retrieve"]
    # Without parameters the detail reads the statement compiled for the client's visibility.
    assert anon_api.get(f"/api/v1/claims/{claim.pk}/").status_code == 200
    assert built == ["retrieve"]


def test_anonymous_writes_are_still_refused(anon_api):
    claimant = ClaimantFactory()
    response = anon_api.post(
        "/api/v1/claims/", {"title": "x", "text": "y", "claimant_id": claimant.pk}, format="json"
    )
    assert response.status_code in {401, 403}
    assert not Claim.objects.exists()


# --- Figures --------------------------------------------------------------------------------


def test_editor_adds_a_figure_to_a_draft_but_not_to_a_published_claim(editor_api):
    draft, published = ClaimFactory(), PublishedClaimFactory()
    body = {"label": "Returns", "value": "9400", "unit": "people", "stated_change_pct": "19"}
    response = editor_api.post("/api/v1/figures/", body | {"claim": draft.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["implied_baseline"] == "7899.16"
    response = editor_api.post("/api/v1/figures/", body | {"claim": published.pk}, format="json")
    assert response.status_code == 403


def test_huge_figure_value_is_a_400(editor_api):
    body = {"claim": ClaimFactory().pk, "label": "x", "value": "1e40", "unit": "count"}
    response = editor_api.post("/api/v1/figures/", body, format="json")
    assert response.status_code == 400
    assert "value" in response.json()["errors"]


def test_anonymous_sees_figures_of_published_claims_only(anon_api):
    public = FigureFactory(claim=PublishedClaimFactory())
    FigureFactory(claim=ClaimFactory())
    assert ids(anon_api.get("/api/v1/figures/")) == [public.pk]


# --- Similar claims ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/claims/similar/", "/api/v1/claims/similar"])
def test_similar_claims_lists_published_matches_only(anon_api, path):
    public = PublishedClaimFactory(
        title="9,400 returned", text="The return of 9,400 people with no right to remain."
    )
    ClaimFactory(title="Draft", text="The return of 9,400 people with no right to remain.")
    response = anon_api.get(path, {"text": "the return of 9,400 people with no right to remain"})
    assert response.status_code == 200
    found = [row["claim"]["id"] for row in response.json()]
    assert found == [public.pk]
    assert response.json()[0]["score"] > 0


def test_similar_claims_needs_text(anon_api):
    response = anon_api.get("/api/v1/claims/similar/")
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


def test_fast_nested_representations_match_the_generic_serializers():
    claim = PublishedClaimFactory()
    figure = FigureFactory(
        claim=claim, baseline_value=Decimal("7900.5"), stated_change_pct=Decimal("19.25")
    )
    citation = CitationFactory(claim=claim, source__state="ok")
    citation.excerpt_checked_at = citation.created_at
    fast_figure = NestedFigureSerializer(figure).data
    generic_figure = serializers.ModelSerializer.to_representation(NestedFigureSerializer(), figure)
    assert dict(fast_figure) == dict(generic_figure)
    fast_citation = ClaimCitationSerializer(citation).data
    generic_citation = serializers.Serializer.to_representation(ClaimCitationSerializer(), citation)
    assert json_like(fast_citation) == json_like(generic_citation)


def json_like(data):
    return json.loads(json.dumps(data, default=str))


# --- Languages ------------------------------------------------------------------------------


def test_language_filter_lists_claims_made_in_that_language(anon_api):
    spanish = PublishedClaimFactory(language="es", text="9.400 personas, un 19 % más.")
    english = PublishedClaimFactory(language="en")
    assert ids(anon_api.get("/api/v1/claims/", {"language": "es"})) == [spanish.pk]
    assert ids(anon_api.get("/api/v1/claims/", {"language": "en"})) == [english.pk]
    assert anon_api.get(f"/api/v1/claims/{spanish.pk}/").json()["language"] == "es"


def test_unknown_language_filter_is_a_400_with_the_field_named(anon_api):
    response = anon_api.get("/api/v1/claims/", {"language": "xx"})
    assert response.status_code == 400
    assert "language" in response.json()["errors"]


def test_new_claim_without_a_language_is_in_the_language_of_its_text(editor_api):
    body = new_claim_body(
        title="9.400 retornos",
        text="Según el Gobierno, 9.400 personas fueron devueltas este año, un 19 % más.",
    )
    response = editor_api.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "es"


def test_new_claim_keeps_the_language_it_is_given_and_refuses_an_unknown_one(editor_api):
    body = new_claim_body(text="Crime has doubled since 2010 in every region.", language="de")
    response = editor_api.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201 and response.json()["language"] == "de"
    refused = editor_api.post("/api/v1/claims/", new_claim_body(language="klingon"), format="json")
    assert refused.status_code == 400
    assert "language" in refused.json()["errors"]


def test_changing_a_published_claims_language_needs_a_public_note(reviewer_api):
    claim = PublishedClaimFactory(language="en")
    url = f"/api/v1/claims/{claim.pk}/"
    assert reviewer_api.patch(url, {"language": "es"}, format="json").status_code == 409
    body = {"language": "es", "change": {"kind": "update", "note": "The claim was in Spanish."}}
    response = reviewer_api.patch(url, body, format="json")
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.language == "es"
