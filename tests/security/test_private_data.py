"""Private means private, uniformly: a claimant or topic is public only through a published
claim (pages, feeds, sitemap, API), and a filter by a private id answers exactly like a
filter by a missing id (claims/api/visibility.py, sources.api.visible_sources)."""

import pytest
from rest_framework.test import APIClient

from claims.models import Claim
from sources.models import SourceCheck
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    FigureFactory,
    PublishedClaimFactory,
    SnapshotFactory,
    SourceFactory,
    TopicFactory,
)
from tests.support.builders import token_client

pytestmark = pytest.mark.django_db

MISSING_ID = 987654321
HUGE_ID = "99999999999999999999999"


@pytest.fixture
def world():
    """One published fact check and one draft, each with a claimant, a topic, a figure, and a
    citation of a source of its own with a check and a snapshot."""

    def make(status: str, name: str):
        claimant = ClaimantFactory(name=f"{name} claimant")
        topic = TopicFactory(name=f"{name} topic")
        factory = PublishedClaimFactory if status == "published" else ClaimFactory
        claim = factory(claimant=claimant, status=status)
        claim.topics.add(topic)
        FigureFactory(claim=claim)
        source = SourceFactory()
        CitationFactory(claim=claim, source=source)
        SourceCheck.objects.create(source=source, outcome="ok")
        SnapshotFactory(source=source)
        return {"claimant": claimant, "topic": topic, "claim": claim, "source": source}

    return {
        "public": make("published", "Public"),
        "draft": make(Claim.Status.DRAFT, "Secret"),
        "review": make(Claim.Status.IN_REVIEW, "Pending"),
    }


# --- Claimants and topics ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["draft", "review"])
def test_claimant_and_topic_of_unpublished_claims_are_not_public_pages(client, world, kind):
    claimant, topic = world[kind]["claimant"], world[kind]["topic"]
    for path in [
        f"/claimants/{claimant.slug}/",
        f"/claimants/{claimant.slug}/feed.rss",
        f"/claimants/{claimant.slug}/feed.atom",
        f"/topics/{topic.slug}/",
        f"/topics/{topic.slug}/feed.rss",
        f"/topics/{topic.slug}/feed.atom",
    ]:
        assert client.get(path).status_code == 404, path
    public = world["public"]
    for path in [
        f"/claimants/{public['claimant'].slug}/",
        f"/claimants/{public['claimant'].slug}/feed.rss",
        f"/topics/{public['topic'].slug}/",
        f"/topics/{public['topic'].slug}/feed.atom",
    ]:
        assert client.get(path).status_code == 200, path


def test_sitemap_and_claim_list_filters_name_only_public_claimants_and_topics(client, world):
    for path in ["/sitemap.xml", "/claims/"]:
        html = client.get(path).content.decode()
        assert world["public"]["claimant"].slug in html, path
        assert world["public"]["topic"].slug in html, path
        for kind in ["draft", "review"]:
            assert world[kind]["claimant"].slug not in html, path
            assert world[kind]["topic"].slug not in html, path
            assert world[kind]["claimant"].name not in html, path
            assert world[kind]["topic"].name not in html, path


def test_claim_list_page_refuses_a_private_topic_like_a_missing_one(client, world):
    private = client.get("/claims/", {"topic": world["draft"]["topic"].slug})
    missing = client.get("/claims/", {"topic": "no-such-topic"})
    assert private.status_code == missing.status_code == 200
    assert "Select a valid choice" in private.content.decode()
    assert "Select a valid choice" in missing.content.decode()


def _ids(response) -> set[int]:
    data = response.json()
    rows = data["results"] if isinstance(data, dict) else data
    return {row["id"] for row in rows}


def test_anonymous_api_lists_only_claimants_and_topics_with_a_public_claim(world):
    api = APIClient()
    public, draft = world["public"], world["draft"]
    assert _ids(api.get("/api/v1/claimants/")) == {public["claimant"].pk}
    assert _ids(api.get("/api/v1/topics/")) == {public["topic"].pk}
    for name in ["claimant", "Secret"]:
        assert draft["claimant"].pk not in _ids(api.get("/api/v1/claimants/", {"name": name}))
    assert _ids(api.get("/api/v1/claimants/", {"slug": draft["claimant"].slug})) == set()
    assert _ids(api.get("/api/v1/topics/", {"slug": draft["topic"].slug})) == set()
    for resource, row in [("claimants", draft["claimant"]), ("topics", draft["topic"])]:
        private = api.get(f"/api/v1/{resource}/{row.pk}/")
        missing = api.get(f"/api/v1/{resource}/{MISSING_ID}/")
        assert private.status_code == missing.status_code == 404, resource
        assert private.json() == missing.json(), resource
    assert api.get(f"/api/v1/claimants/{public['claimant'].pk}/").status_code == 200
    assert api.get(f"/api/v1/topics/{public['topic'].pk}/").status_code == 200


def test_editors_see_every_claimant_and_topic_in_the_api(world, editor):
    api = token_client(editor)
    everyone = {world[kind]["claimant"].pk for kind in world}
    assert _ids(api.get("/api/v1/claimants/")) == everyone
    assert _ids(api.get("/api/v1/topics/")) == {world[kind]["topic"].pk for kind in world}
    assert _ids(api.get("/api/v1/claimants/", {"name": "Secret"})) == {
        world["draft"]["claimant"].pk
    }
    assert api.get(f"/api/v1/claimants/{world['draft']['claimant'].pk}/").status_code == 200
    assert api.get(f"/api/v1/topics/{world['draft']['topic'].pk}/").status_code == 200


def test_a_claimant_stops_being_public_when_its_last_claim_is_withdrawn(client, world):
    claim = world["public"]["claim"]
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.WITHDRAWN)
    assert client.get(f"/claimants/{claim.claimant.slug}/").status_code == 404
    assert APIClient().get(f"/api/v1/claimants/{claim.claimant.pk}/").status_code == 404


# --- Id filters: a private id answers like a missing one --------------------------------------

# (endpoint, filter, what the id names)
ID_FILTERS = [
    ("figures", "claim", "claim"),
    ("citations", "claim", "claim"),
    ("citations", "source", "source"),
    ("checks", "source", "source"),
    ("snapshots", "source", "source"),
    ("claims", "claimant", "claimant"),
    ("sources", "claim", "claim"),
]


def test_every_id_filter_of_the_api_is_in_the_table():
    """Guards the table: a new FilterSet id filter must be added to it."""
    from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter, NumberFilter

    from config.api.urls import router

    found = set()
    for prefix, viewset, _ in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        for name, field in filterset.base_filters.items() if filterset else []:
            if isinstance(field, ModelMultipleChoiceFilter) and field.field_name.endswith("slug"):
                continue  # slugs of public reference data (ratings)
            if isinstance(field, ModelChoiceFilter | ModelMultipleChoiceFilter | NumberFilter):
                found.add((prefix, name))
    assert found == {(endpoint, name) for endpoint, name, _ in ID_FILTERS}


@pytest.mark.parametrize(("endpoint", "name", "target"), ID_FILTERS)
def test_filter_by_private_id_answers_exactly_like_a_missing_id(world, endpoint, name, target):
    api = APIClient()
    path = f"/api/v1/{endpoint}/"
    private = api.get(path, {name: world["draft"][target].pk})
    missing = api.get(path, {name: MISSING_ID})
    huge = api.get(path, {name: HUGE_ID})
    assert private.status_code == missing.status_code == huge.status_code == 400
    assert private.json() == missing.json() == huge.json()
    assert name in private.json()["errors"]
    # The filter works for what is public (so the test above could fail).
    public = api.get(path, {name: world["public"][target].pk})
    assert public.status_code == 200
    assert _ids(public)


@pytest.mark.parametrize(("endpoint", "name", "target"), ID_FILTERS)
def test_editors_filter_by_any_id(world, editor, endpoint, name, target):
    response = token_client(editor).get(f"/api/v1/{endpoint}/", {name: world["draft"][target].pk})
    assert response.status_code == 200
    assert _ids(response)


def test_sources_of_a_private_claim_are_not_revealed_through_a_shared_source(world):
    # The draft also cites the public claim's source: filtering by the draft must not list it.
    CitationFactory(claim=world["draft"]["claim"], source=world["public"]["source"])
    response = APIClient().get("/api/v1/sources/", {"claim": world["draft"]["claim"].pk})
    assert response.status_code == 400
