"""Evidence of published claims: citations, cited sources' addresses, imported appearances."""

import pytest
from django.test import Client
from django.urls import reverse

from claims import workflow
from claims.models import Correction
from sources.citations import replace_cited_source
from sources.claimreview_import import import_claim_reviews
from sources.models import Citation, Source
from tests.factories import CitationFactory, PublishedClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db


def citation_data(citation, **overrides):
    data = {
        "claim": citation.claim_id,
        "source": citation.source_id,
        "role": citation.role,
        "excerpt": citation.excerpt,
        "excerpt_prefix": "",
        "excerpt_suffix": "",
        "cited_figure": "",
        "note": "",
        "position": "0",
        "locator_kind": citation.locator_kind,
        "row_labels": "[]",
        "column_labels": "[]",
        # The read-only history inline's management form, as the browser sends it.
        "revisions-TOTAL_FORMS": "0",
        "revisions-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_citation_admin_per_role(editor_client, reviewer_client):
    citation = CitationFactory(claim=PublishedClaimFactory(), excerpt="returned 9,400 people")
    url = reverse("admin:sources_citation_change", args=[citation.pk])
    assert Client().post(url, citation_data(citation, role="context")).status_code == 302
    assert editor_client.post(url, citation_data(citation, role="context")).status_code == 403
    assert reviewer_client.post(url, citation_data(citation, role="context")).status_code == 200
    citation.refresh_from_db()
    assert citation.role == "supports"
    data = citation_data(citation, role="context", change_kind="update", correction_what="Role.")
    assert reviewer_client.post(url, data).status_code == 302
    citation.refresh_from_db()
    assert citation.role == "context"
    assert Correction.objects.get(claim=citation.claim).kind == "update"
    delete = reverse("admin:sources_citation_delete", args=[citation.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 403
    assert reviewer_client.post(delete, {"post": "yes"}).status_code == 403
    assert Citation.objects.filter(pk=citation.pk).exists()


def source_form_data(source, citations):
    data = {
        "url": source.url,
        "title": source.title,
        "publisher": source.publisher,
        "kind": source.kind,
        "monitoring_enabled": "on",
        "citations-TOTAL_FORMS": str(len(citations)),
        "citations-INITIAL_FORMS": str(len(citations)),
        "checks-TOTAL_FORMS": "0",
        "checks-INITIAL_FORMS": "0",
    }
    for i, citation in enumerate(citations):
        data.update(
            {
                f"citations-{i}-id": citation.pk,
                f"citations-{i}-source": source.pk,
                f"citations-{i}-claim": citation.claim_id,
                f"citations-{i}-role": citation.role,
                f"citations-{i}-excerpt": citation.excerpt,
                f"citations-{i}-cited_figure": "",
            }
        )
    return data


@pytest.mark.parametrize("role", ["editor_client", "reviewer_client"])
def test_citations_of_this_source_inline_refuses_published_rows(request, role):
    client = request.getfixturevalue(role)
    citation = CitationFactory(claim=PublishedClaimFactory(), excerpt="returned 9,400 people")
    source = citation.source
    url = reverse("admin:sources_source_change", args=[source.pk])
    data = source_form_data(source, [citation])
    data["citations-0-excerpt"] = "something else"
    data["citations-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    citation.refresh_from_db()
    assert citation.excerpt == "returned 9,400 people"


def test_cited_source_address_is_read_only_in_the_admin_and_the_model(reviewer_client):
    citation = CitationFactory(claim=PublishedClaimFactory())
    source = citation.source
    html = reviewer_client.get(reverse("admin:sources_source_change", args=[source.pk])).content
    assert b'name="url"' not in html
    source = Source.objects.get(pk=source.pk)
    old = source.url
    source.url = "https://elsewhere.example/page"
    with pytest.raises(workflow.WorkflowError):
        source.save()
    assert Source.objects.get(pk=source.pk).url == old


def test_source_of_a_draft_can_still_be_readdressed():
    source = SourceFactory()
    source = Source.objects.get(pk=source.pk)
    source.url = "https://elsewhere.example/page"
    source.save()
    assert Source.objects.get(pk=source.pk).url == "https://elsewhere.example/page"


def test_replacing_a_cited_source_records_an_update(reviewer, editor):
    citation = CitationFactory(claim=PublishedClaimFactory(), excerpt_state="present")
    new = SourceFactory(url="https://new.example/page")
    with pytest.raises(workflow.NotAllowed):
        replace_cited_source(citation, new, editor, change=workflow.UpdateNote("Moved"))
    note = workflow.UpdateNote("The release moved to a new address.")
    replace_cited_source(citation, new, reviewer, change=note)
    citation.refresh_from_db()
    assert citation.source == new and citation.excerpt_state == "unknown"
    entry = Correction.objects.get()
    assert entry.kind == "update" and entry.what_changed == note.note


def review(appearances):
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factchecker.example/checks/1",
        "claimReviewed": "Crime has doubled",
        "datePublished": "2024-11-12",
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "A Politician"},
            "appearance": [{"@type": "CreativeWork", "url": url} for url in appearances],
        },
    }


def test_editor_reimport_cannot_add_an_origin_to_a_published_claim(reviewer, editor):
    first = import_claim_reviews(review(["https://news.example/a"]), reviewer)
    claim_id = first.items[0].claim_id
    assert Citation.objects.filter(claim_id=claim_id).count() == 1
    assert not Correction.objects.exists()  # cited before publication: no change to record
    again = import_claim_reviews(
        review(["https://news.example/a", "https://news.example/b"]), editor
    )
    assert again.items[0].status == "rejected"
    assert Citation.objects.filter(claim_id=claim_id).count() == 1


def test_reviewer_reimport_with_a_new_appearance_records_an_update(reviewer):
    first = import_claim_reviews(review(["https://news.example/a"]), reviewer)
    claim_id = first.items[0].claim_id
    unchanged = import_claim_reviews(review(["https://news.example/a"]), reviewer)
    assert unchanged.items[0].status == "unchanged"
    assert not Correction.objects.exists()
    again = import_claim_reviews(
        review(["https://news.example/a", "https://news.example/b"]), reviewer
    )
    assert again.items[0].status == "updated"
    assert Citation.objects.filter(claim_id=claim_id).count() == 2
    entry = Correction.objects.get(claim_id=claim_id)
    assert entry.kind == "update" and "ClaimReview" in entry.what_changed
