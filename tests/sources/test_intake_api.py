"""sources/intake_api.py: POST /api/v1/intake/candidates/ with an article's text or URL."""

import pytest
from rest_framework.test import APIClient

from tests.factories import ClaimantFactory, UserFactory
from tests.support.builders import SEED_ARTICLE, token_client

URL = "/api/v1/intake/candidates/"
PAGE = """<!doctype html><html><head><title>Returns</title>
<meta property="article:published_time" content="2024-11-08T07:00:00Z"></head><body><article>
<p>Speaking at the EPC meeting in Budapest, the Prime Minister set out his plans.</p>
<p>According to the Home Office, 9,400 people with no right to remain were returned this year,
a 19% increase from 2023.</p>
<p>The minister thanked the staff involved.</p></article></body></html>"""


@pytest.fixture
def editor_api(editor):
    return token_client(editor)


@pytest.mark.django_db
def test_text_gives_ranked_check_worthy_candidates_with_reasons_figures_and_speaker(editor_api):
    response = editor_api.post(URL, {"text": SEED_ARTICLE}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    candidates = body["candidates"]
    assert [c["rank"] for c in candidates] == list(range(1, len(candidates) + 1))
    scores = [c["score"] for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(c["check_worthy"] and c["score"] >= body["threshold"] for c in candidates)
    top_four = " ".join(c["sentence"] for c in candidates[:4])
    assert "9,400 people" in top_four and "£75 million" in top_four
    returns = next(c for c in candidates if "9,400 people" in c["sentence"])
    assert returns["speaker"] == "the government"
    assert returns["figures"][0]["value"].startswith("9400")
    assert any(r.startswith("“") for r in returns["reasons"])
    assert body["article"]["place"] == (
        "at the European Political Community (EPC) meeting in Budapest"
    )
    assert body["below_threshold"] > 0


@pytest.mark.django_db
def test_url_is_fetched_and_its_date_becomes_stated_on(editor_api, httpserver):
    httpserver.expect_request("/returns").respond_with_data(PAGE, content_type="text/html")
    response = editor_api.post(URL, {"url": httpserver.url_for("/returns")}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["article"]["published_on"] == "2024-11-08"
    assert body["article"]["url"] == httpserver.url_for("/returns")
    (returns,) = [c for c in body["candidates"] if "9,400" in c["sentence"]]
    assert returns["stated_on"] == "2024-11-08"
    assert returns["speaker"] == "the Home Office"


@pytest.mark.django_db
def test_threshold_zero_lists_every_sentence_and_one_lists_none(editor_api):
    every = editor_api.post(
        URL, {"text": SEED_ARTICLE, "threshold": 0, "limit": 200}, format="json"
    )
    none = editor_api.post(URL, {"text": SEED_ARTICLE, "threshold": 1}, format="json")
    assert every.json()["below_threshold"] == 0
    assert len(every.json()["candidates"]) == every.json()["article"]["sentences"]
    assert none.json()["candidates"] == []


@pytest.mark.django_db
def test_known_claimant_is_matched_and_unknown_speaker_proposed(editor_api):
    gov = ClaimantFactory(name="UK Government", kind="government", role="")
    body = editor_api.post(
        URL, {"text": SEED_ARTICLE, "threshold": 0, "limit": 200}, format="json"
    ).json()
    returns = next(c for c in body["candidates"] if "9,400 people" in c["sentence"])
    assert (returns["claimant_id"], returns["claimant_name"]) == (gov.pk, "UK Government")
    cooper = next(c for c in body["candidates"] if "absolutely key" in c["sentence"])
    assert cooper["proposed_claimant"] == {"name": "Yvette Cooper", "role": "Home Secretary"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"text", "url"}),
        ({"text": "   "}, {"text", "url"}),
        ({"url": "not a url"}, {"url"}),
        ({"text": "Taxes rose.", "threshold": 1.5}, {"threshold"}),
        ({"text": "Taxes rose.", "limit": 0}, {"limit"}),
        ({"text": "x" * 200_001}, {"text"}),
    ],
)
def test_bad_input_is_a_400_naming_the_fields(editor_api, payload, fields):
    response = editor_api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert fields <= set(response.json()["errors"])


@pytest.mark.django_db
def test_an_unreachable_or_private_url_is_a_400_on_url(editor_api, settings):
    settings.SOURCES_FETCH_ALLOW = []
    response = editor_api.post(URL, {"url": "http://127.0.0.1:9/x"}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()["errors"]


@pytest.mark.django_db
def test_only_editors_may_ask():
    assert APIClient().post(URL, {"text": SEED_ARTICLE}, format="json").status_code == 401
    reader = token_client(UserFactory())
    assert reader.post(URL, {"text": SEED_ARTICLE}, format="json").status_code == 403


@pytest.mark.django_db
def test_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/intake/candidates/"]["post"]
    assert "400" in operation["responses"] and "200" in operation["responses"]
