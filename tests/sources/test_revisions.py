"""Acting on a flagged citation: accept the page's wording (history kept), admin side by side,
the correction link, and the reader notice on the claim page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import workflow
from sources.models import Citation, CitationRevision
from sources.revisions import accept_found_passage
from tests.factories import CitationFactory, ClaimFactory, PublishedClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

EXCERPT = "9,400 people with no right to remain were returned this year"


def flagged(claim, **fields) -> Citation:
    values = {
        "excerpt_state": Citation.ExcerptState.FIGURE_CHANGED,
        "found_text": EXCERPT.replace("9,400", "9,450"),
        "found_figure": "9,450",
        "figure_changes": [{"old": "9,400", "new": "9,450"}],
        "excerpt_diff": [
            {"op": "replace", "old": "9,400", "new": "9,450"},
            {"op": "equal", "old": "", "new": EXCERPT.removeprefix("9,400 ")},
        ],
        "evidence_changed_at": timezone.now(),
        "attention_reason": "Figure 9,400 → 9,450 on Returns table, 3 Dec",
        **fields,
    }
    return CitationFactory(
        claim=claim,
        source=SourceFactory(title="Returns table"),
        excerpt=EXCERPT,
        cited_figure="9,400",
        **values,
    )


def test_accepting_the_new_figure_updates_the_citation_and_keeps_the_old_in_its_history(
    reviewer,
):
    citation = flagged(PublishedClaimFactory())
    revision = accept_found_passage(citation, reviewer, "Revised in the December release")
    citation.refresh_from_db()
    assert (citation.excerpt, citation.cited_figure) == (EXCERPT.replace("9,400", "9,450"), "9,450")
    assert citation.excerpt_state == "present"
    assert (citation.figure_changes, citation.excerpt_diff, citation.attention_reason) == (
        [],
        [],
        "",
    )
    assert citation.checked_excerpt_hash == citation.excerpt_hash  # not looked up again for this
    assert (revision.old_excerpt, revision.old_cited_figure) == (EXCERPT, "9,400")
    assert (revision.new_cited_figure, revision.changed_by) == ("9,450", reviewer)
    assert revision.excerpt_state == "figure_changed"
    assert list(citation.revisions.all()) == [revision]


def test_an_editor_cannot_change_the_evidence_of_a_published_claim_but_can_of_a_draft(editor):
    published = flagged(PublishedClaimFactory())
    with pytest.raises(workflow.NotAllowed):
        accept_found_passage(published, editor)
    assert Citation.objects.get(pk=published.pk).excerpt == EXCERPT
    draft = flagged(ClaimFactory(created_by=editor))
    accept_found_passage(draft, editor)
    assert Citation.objects.get(pk=draft.pk).excerpt_state == "present"


def test_nothing_to_accept_for_a_present_or_missing_passage(reviewer):
    for state in ("present", "missing"):
        citation = flagged(PublishedClaimFactory(), excerpt_state=state)
        with pytest.raises(workflow.WorkflowError):
            accept_found_passage(citation, reviewer)
    assert not CitationRevision.objects.exists()


def test_admin_shows_old_and_new_passage_side_by_side_with_accept_and_correction(
    reviewer_client,
):
    citation = flagged(PublishedClaimFactory())
    page = reviewer_client.get(reverse("admin:sources_citation_change", args=[citation.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cited excerpt" in html and "The page now says" in html
    assert '<del class="changed">9,400</del>' in html and '<ins class="changed">9,450</ins>' in html
    assert reverse("admin:sources_citation_accept", args=[citation.pk]) in html
    assert reverse("admin:claims_claim_change", args=[citation.claim_id]) in html
    assert "Figure 9,400 → 9,450 on Returns table" in html


def test_admin_accept_page_confirms_then_accepts(reviewer_client):
    citation = flagged(PublishedClaimFactory())
    url = reverse("admin:sources_citation_accept", args=[citation.pk])
    confirm = reviewer_client.get(url).content.decode()
    assert "Accept the new wording / value" in confirm and "9,450" in confirm
    response = reviewer_client.post(url, {"note": "checked with the publisher"})
    assert response.status_code == 302
    citation.refresh_from_db()
    assert citation.cited_figure == "9,450"
    assert citation.revisions.get().note == "checked with the publisher"
    history = reviewer_client.get(reverse("admin:sources_citation_change", args=[citation.pk]))
    assert "History of this citation" in history.content.decode()


def test_admin_accept_refused_to_an_editor_on_a_published_claim(editor_client):
    citation = flagged(PublishedClaimFactory())
    url = reverse("admin:sources_citation_accept", args=[citation.pk])
    editor_client.post(url)
    assert Citation.objects.get(pk=citation.pk).excerpt == EXCERPT


def test_claim_page_tells_readers_a_cited_figure_changed_after_publication(client, reviewer):
    claim = PublishedClaimFactory()
    citation = flagged(claim, evidence_changed_at=timezone.now() + timezone.timedelta(days=1))
    notice = "The source now says 9,450 (changed"
    assert notice in client.get(claim.get_absolute_url()).content.decode()
    accept_found_passage(citation, reviewer)
    assert notice not in client.get(claim.get_absolute_url()).content.decode()


def test_no_reader_notice_for_a_change_seen_before_publication(client):
    claim = PublishedClaimFactory()
    flagged(claim, evidence_changed_at=claim.published_at - timezone.timedelta(days=1))
    assert "The source now says" not in client.get(claim.get_absolute_url()).content.decode()
