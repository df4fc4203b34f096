"""claims/api/claimants.py: claimants with scorecards, ratings and topics, per role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ClaimantFactory,
    ClaimFactory,
    PublishedClaimFactory,
    TopicFactory,
    rating,
)

pytestmark = pytest.mark.django_db


def test_claimant_list_query_count_is_fixed(anon_api):
    for _ in range(2):
        PublishedClaimFactory()
    with CaptureQueriesContext(connection) as small:
        anon_api.get("/api/v1/claimants/")
    for _ in range(10):
        PublishedClaimFactory()
    with CaptureQueriesContext(connection) as large:
        anon_api.get("/api/v1/claimants/")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_claimant_scorecard_counts_published_claims_per_rating(anon_api):
    claimant = ClaimantFactory()
    PublishedClaimFactory(claimant=claimant, rating=rating("accurate"))
    PublishedClaimFactory(claimant=claimant, rating=rating("accurate"))
    PublishedClaimFactory(claimant=claimant, rating=rating("inaccurate"))
    ClaimFactory(claimant=claimant, rating=rating("inaccurate"))  # draft: not counted
    data = anon_api.get(f"/api/v1/claimants/{claimant.pk}/").json()
    counts = {row["rating"]: row["count"] for row in data["scorecard"]}
    assert counts["accurate"] == 2
    assert counts["inaccurate"] == 1
    assert data["published_claims"] == 3


def test_editor_creates_claimant_with_valid_same_as(editor_api, anon_api):
    response = editor_api.post(
        "/api/v1/claimants/", {"name": "Jo Bloggs", "same_as": ["not a url"]}, format="json"
    )
    assert response.status_code == 400
    response = editor_api.post(
        "/api/v1/claimants/",
        {"name": "Jo Bloggs", "same_as": ["https://www.wikidata.org/wiki/Q42"]},
        format="json",
    )
    assert response.status_code == 201
    assert anon_api.post("/api/v1/claimants/", {"name": "X"}, format="json").status_code == 401


def test_ratings_are_the_scale_and_read_only(anon_api, reviewer_api):
    data = anon_api.get("/api/v1/ratings/").json()
    assert [r["slug"] for r in data][:2] == ["accurate", "mostly-accurate"]
    assert reviewer_api.post("/api/v1/ratings/", {"label": "x"}).status_code == 405


def test_topics_list_shows_readers_the_topics_of_published_claims(anon_api, editor_api):
    PublishedClaimFactory().topics.add(TopicFactory(name="Health"))
    TopicFactory(name="Unused")
    assert [t["slug"] for t in anon_api.get("/api/v1/topics/").json()["results"]] == ["health"]
    slugs = [t["slug"] for t in editor_api.get("/api/v1/topics/").json()["results"]]
    assert slugs == ["health", "unused"]
