"""The public archive: a snapshot's text and what changed from the version before."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CitationFactory, ClaimFactory, PublishedClaimFactory, SnapshotFactory

pytestmark = pytest.mark.django_db


def two_versions(claim):
    citation = CitationFactory(claim=claim, excerpt="Returns rose to 9,400 people")
    older = SnapshotFactory(
        source=citation.source,
        main_text="Intro. Returns rose to 9,400 people. <b>The minister</b> spoke.",
        created_at=timezone.now() - timezone.timedelta(days=1),
    )
    newer = SnapshotFactory(
        source=citation.source,
        main_text="Intro. Returns rose to 9,450 people. <b>The minister</b> spoke.",
    )
    return older, newer


def test_archive_page_links_to_the_changes_from_the_version_before(client):
    _older, newer = two_versions(PublishedClaimFactory())
    page = client.get(reverse("sources:snapshot_text", args=[newer.pk])).content.decode()
    assert reverse("sources:snapshot_changes", args=[newer.pk]) in page


def test_changes_page_shows_the_word_diff_with_the_cited_passage_marked(client):
    older, newer = two_versions(PublishedClaimFactory())
    response = client.get(reverse("sources:snapshot_changes", args=[newer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<del class="cited">9,400</del>' in html and '<ins class="cited">9,450</ins>' in html
    assert "minister&lt;/b&gt;" in html and "<b>The" not in html  # page text is escaped
    again = client.get(reverse("sources:snapshot_changes", args=[older.pk]), {"against": newer.pk})
    assert '<ins class="cited">9,450</ins>' in again.content.decode()  # always older -> newer


@pytest.mark.parametrize("against", ["x", "999999", "-1"])
def test_changes_page_with_a_bad_version_is_not_found(client, against):
    _older, newer = two_versions(PublishedClaimFactory())
    url = reverse("sources:snapshot_changes", args=[newer.pk])
    assert client.get(url, {"against": against}).status_code == 404


def test_changes_of_unpublished_evidence_or_a_first_version_are_not_found(client):
    _older, newer = two_versions(ClaimFactory())
    assert client.get(reverse("sources:snapshot_changes", args=[newer.pk])).status_code == 404
    older, _newer = two_versions(PublishedClaimFactory())
    assert client.get(reverse("sources:snapshot_changes", args=[older.pk])).status_code == 404
