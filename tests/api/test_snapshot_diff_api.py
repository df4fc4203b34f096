"""/api/v1/snapshots/{id}/diff/?against={id} and the new citation fields, per role."""

import pytest
from django.utils import timezone

from tests.factories import CitationFactory, ClaimFactory, PublishedClaimFactory, SnapshotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions():
    citation = CitationFactory(
        claim=PublishedClaimFactory(),
        excerpt="Returns rose to 9,400 people",
        found_text="Returns rose to 9,450 people",
        excerpt_state="figure_changed",
        figure_changes=[{"old": "9,400", "new": "9,450"}],
        attention_reason="Figure 9,400 → 9,450 on Press release, 3 Dec",
    )
    older = SnapshotFactory(
        source=citation.source,
        main_text="Intro. Returns rose to 9,400 people. The minister spoke.",
        created_at=timezone.now() - timezone.timedelta(days=1),
    )
    newer = SnapshotFactory(
        source=citation.source, main_text="Intro. Returns rose to 9,450 people. The minister spoke."
    )
    return citation, older, newer


def test_diff_names_changed_words_and_marks_cited_passages(anon_api, versions):
    _citation, older, newer = versions
    response = anon_api.get(f"/api/v1/snapshots/{newer.pk}/diff/", {"against": older.pk})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["from_snapshot"], data["to_snapshot"]) == (older.pk, newer.pk)
    assert data["identical"] is False and data["changed_words"] == 2
    assert {"op": "delete", "text": "9,400", "cited": True} in data["segments"]
    assert {"op": "insert", "text": "9,450", "cited": True} in data["segments"]
    assert {"op": "equal", "text": "The minister spoke.", "cited": False} in data["segments"]


@pytest.mark.parametrize("against", ["", "abc", "0", "99999999"])
def test_missing_or_bad_against_is_a_field_error(editor_api, versions, against):
    _citation, _older, newer = versions
    response = editor_api.get(f"/api/v1/snapshots/{newer.pk}/diff/", {"against": against})
    assert response.status_code == 400
    assert "against" in response.json()["errors"]


def test_a_snapshot_of_another_source_is_a_field_error(editor_api, versions):
    _citation, _older, newer = versions
    foreign = SnapshotFactory()
    response = editor_api.get(f"/api/v1/snapshots/{newer.pk}/diff/", {"against": foreign.pk})
    assert response.status_code == 400
    assert response.json()["errors"]["against"] == ["No such snapshot of this source."]


def test_snapshots_of_unpublished_evidence_are_hidden_from_anonymous_clients(anon_api, editor_api):
    source = CitationFactory(claim=ClaimFactory()).source
    older = SnapshotFactory(source=source, created_at=timezone.now() - timezone.timedelta(days=1))
    newer = SnapshotFactory(source=source)
    url = f"/api/v1/snapshots/{newer.pk}/diff/"
    assert anon_api.get(url, {"against": older.pk}).status_code == 404
    assert editor_api.get(url, {"against": older.pk}).status_code == 200


def test_citation_shows_the_new_states_changes_and_reason(anon_api, versions):
    citation, _older, _newer = versions
    data = anon_api.get(f"/api/v1/citations/{citation.pk}/").json()
    assert data["excerpt_state"] == "figure_changed"
    assert data["figure_changes"] == [{"old": "9,400", "new": "9,450"}]
    assert data["attention_reason"] == "Figure 9,400 → 9,450 on Press release, 3 Dec"
    assert "excerpt_diff" in data and "evidence_changed_at" in data


def test_reworded_is_a_state_clients_can_filter_on(editor_api):
    reworded = CitationFactory(excerpt_state="reworded")
    CitationFactory(excerpt_state="present")
    response = editor_api.get("/api/v1/citations/", {"excerpt_state": "reworded"})
    assert [item["id"] for item in response.json()["results"]] == [reworded.pk]
