"""claims/api/exchange.py: ClaimReview DataFeed, Fact Check Tools claims:search, intake."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ClaimFactory, PublishedClaimFactory, rating

pytestmark = pytest.mark.django_db


def test_feed_is_a_data_feed_of_published_claim_reviews(anon_api):
    published = PublishedClaimFactory(title="Published one")
    ClaimFactory(title="Secret draft", rating=rating(), verdict_summary="x")
    response = anon_api.get("/api/v1/claimreview/")
    assert response.status_code == 200
    feed = response.json()
    assert feed["@type"] == "DataFeed"
    assert [item["claimReviewed"] for item in feed["dataFeedElement"]] == ["Published one"]
    assert feed["dataFeedElement"][0]["url"].endswith(published.get_absolute_url())
    assert "Secret draft" not in response.content.decode()


def test_feed_is_capped_by_limit(anon_api):
    for _ in range(3):
        PublishedClaimFactory()
    assert len(anon_api.get("/api/v1/claimreview/?limit=2").json()["dataFeedElement"]) == 2
    assert anon_api.get("/api/v1/claimreview/?limit=999999").status_code == 400


def test_feed_answers_json_ld_when_asked(anon_api):
    PublishedClaimFactory()
    response = anon_api.get("/api/v1/claimreview/", HTTP_ACCEPT="application/ld+json")
    assert response["Content-Type"].startswith("application/ld+json")


def test_claim_claimreview_endpoint(anon_api, editor_api):
    claim = PublishedClaimFactory()
    data = anon_api.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    assert data["@type"] == "ClaimReview"
    draft = ClaimFactory()
    assert editor_api.get(f"/api/v1/claims/{draft.pk}/claimreview/").status_code == 404


# --- claims:search ---------------------------------------------------------------------------


def test_claims_search_answers_in_fact_check_tools_shape(anon_api, settings):
    settings.PUBLISHER_NAME = "Claimwatch"
    settings.PUBLISHER_URL = "https://claimwatch.example"
    claim = PublishedClaimFactory(
        title="Returns up 19%", text="Returns rose by 19% this year.", stated_on="2024-11-07"
    )
    ClaimFactory(title="Draft about returns", text="Returns draft")
    response = anon_api.get("/api/v1/claims:search", {"query": "returns"})
    assert response.status_code == 200
    [found] = response.json()["claims"]
    assert found["text"] == "Returns rose by 19% this year."
    assert found["claimant"] == claim.claimant.name
    assert found["claimDate"] == "2024-11-07T00:00:00Z"
    [review] = found["claimReview"]
    assert review["publisher"] == {"name": "Claimwatch", "site": "claimwatch.example"}
    assert review["title"] == "Returns up 19%"
    assert review["textualRating"] == "Accurate"
    assert review["languageCode"] == "en"
    assert review["reviewDate"].endswith("Z")
    assert "nextPageToken" not in response.json()


def test_claims_search_pages_with_tokens(anon_api):
    for n in range(5):
        PublishedClaimFactory(title=f"Returns claim {n}", text=f"Returns figure {n}")
    seen, token = [], None
    while True:
        params = {"query": "returns", "pageSize": 2} | ({"pageToken": token} if token else {})
        data = anon_api.get("/api/v1/claims:search", params).json()
        seen += [c["text"] for c in data["claims"]]
        token = data.get("nextPageToken")
        if not token:
            break
    assert sorted(seen) == sorted(f"Returns figure {n}" for n in range(5))


def test_claims_search_filters_language_age_and_publisher_site(anon_api, settings):
    settings.PUBLISHER_URL = "https://claimwatch.example"
    PublishedClaimFactory(text="Returns old", published_at=timezone.now() - dt.timedelta(days=40))
    PublishedClaimFactory(text="Returns new")
    PublishedClaimFactory(text="Returns imported", review_url="https://www.other.example/fc/1")
    search = lambda **p: [  # noqa: E731
        c["text"]
        for c in anon_api.get("/api/v1/claims:search", {"query": "returns", **p}).json()["claims"]
    ]
    assert search(languageCode="de") == []
    assert set(search(languageCode="en-GB")) == {"Returns old", "Returns new", "Returns imported"}
    PublishedClaimFactory(text="Los retornos aumentaron", language="es")
    assert search(languageCode="es-419", query="retornos") == ["Los retornos aumentaron"]
    assert "Los retornos aumentaron" not in search(languageCode="en", query="retornos")
    assert "Returns old" not in search(maxAgeDays=30)
    assert search(reviewPublisherSiteFilter="other.example") == ["Returns imported"]
    assert "Returns imported" not in search(reviewPublisherSiteFilter="claimwatch.example")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"query": "x", "pageSize": "0"},
        {"query": "x", "pageToken": "!!bad"},
        {"query": "x", "maxAgeDays": "-1"},
    ],
)
def test_claims_search_bad_parameters_are_400(anon_api, params):
    response = anon_api.get("/api/v1/claims:search", params)
    assert response.status_code == 400
    assert response.json()["errors"]


# --- Intake ------------------------------------------------------------------------------------


ARTICLE = (
    "The Home Office said on Tuesday that 9,400 people with no right to remain had been "
    "returned this year, a 19% increase from 2023. The weather was fine."
)


def test_intake_returns_ranked_candidates_with_figures(editor_api):
    response = editor_api.post("/api/v1/intake/", {"text": ARTICLE}, format="json")
    assert response.status_code == 200, response.content
    best = response.json()[0]
    assert "9,400" in best["sentence"]
    assert 0 <= best["score"] <= 1
    assert any(figure["text"].startswith("9,400") for figure in best["figures"])


def test_intake_is_for_editors(anon_api):
    assert anon_api.post("/api/v1/intake/", {"text": ARTICLE}, format="json").status_code == 401


def test_intake_needs_text(editor_api):
    response = editor_api.post("/api/v1/intake/", {"text": ""}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


def test_claims_search_reviews_carry_the_claims_language(anon_api):
    PublishedClaimFactory(text="Retornos: 9.400 personas", language="es")
    (item,) = anon_api.get("/api/v1/claims:search", {"query": "retornos"}).json()["claims"]
    assert item["claimReview"][0]["languageCode"] == "es"


def test_intake_reads_figures_in_the_language_given_or_detected(editor_api):
    text = "Según el Gobierno, 9.400 personas fueron devueltas este año, un 19 % más que en 2023."
    detected = editor_api.post("/api/v1/intake/", {"text": text}, format="json").json()
    assert detected[0]["language"] == "es"
    assert detected[0]["figures"][0]["value"].startswith("9400")
    english = editor_api.post("/api/v1/intake/", {"text": text, "language": "en"}, format="json")
    assert english.json()[0]["figures"][0]["value"].startswith("9.4")
    refused = editor_api.post("/api/v1/intake/", {"text": text, "language": "xx"}, format="json")
    assert refused.status_code == 400 and "language" in refused.json()["errors"]
