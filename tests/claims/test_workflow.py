import pytest

from claims import workflow
from claims.models import Claim, ClaimEvent, Correction
from tests.factories import ClaimFactory, PublishedClaimFactory, rating

pytestmark = pytest.mark.django_db


def ready_draft(**kwargs) -> Claim:
    return ClaimFactory(rating=rating("mostly-accurate"), verdict_summary="Holds up.", **kwargs)


def test_editor_can_send_a_draft_to_review_and_it_is_recorded(editor):
    claim = ready_draft()
    workflow.submit_for_review(claim, editor)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    event = claim.events.get(kind=ClaimEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.actor) == ("draft", "in_review", editor)


def test_draft_without_rating_cannot_go_to_review(editor):
    claim = ClaimFactory()
    with pytest.raises(workflow.WorkflowError):
        workflow.submit_for_review(claim, editor)


def test_editor_cannot_publish(editor):
    claim = ready_draft(status=Claim.Status.IN_REVIEW)
    with pytest.raises(workflow.NotAllowed):
        workflow.publish(claim, editor)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    assert claim.published_at is None


def test_reviewer_publishes_with_date_reviewer_and_history(reviewer):
    claim = ready_draft(status=Claim.Status.IN_REVIEW)
    workflow.publish(claim, reviewer)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    assert claim.published_at is not None
    assert claim.reviewer == reviewer
    assert claim.events.filter(to_status="published", actor=reviewer).exists()


def test_publishing_needs_a_rating(reviewer):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW, verdict_summary="x")
    with pytest.raises(workflow.WorkflowError, match="rating"):
        workflow.publish(claim, reviewer)


def test_rating_change_on_published_claim_without_correction_is_refused(reviewer):
    claim = PublishedClaimFactory()
    claim.rating = rating("misleading")
    with pytest.raises(workflow.WorkflowError, match="correction"):
        workflow.save_claim(claim, reviewer)
    claim.refresh_from_db()
    assert claim.rating.slug == "accurate"
    assert not Correction.objects.exists()


def test_rating_change_with_correction_is_logged_publicly(reviewer):
    claim = PublishedClaimFactory()
    claim.rating = rating("misleading")
    note = workflow.CorrectionNote("Rating changed to Misleading", "New statistics published")
    workflow.save_claim(claim, reviewer, correction=note)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CORRECTED
    correction = claim.corrections.get()
    assert correction.previous_rating.slug == "accurate"
    assert correction.new_rating.slug == "misleading"
    rating_event = claim.events.get(kind=ClaimEvent.Kind.RATING)
    assert rating_event.actor == reviewer
    assert rating_event.to_rating.slug == "misleading"


def test_editor_cannot_edit_a_published_claim(editor):
    claim = PublishedClaimFactory()
    claim.verdict_summary = "Rewritten by an editor"
    with pytest.raises(workflow.NotAllowed):
        workflow.save_claim(claim, editor)


def test_status_cannot_be_changed_by_editing(reviewer):
    claim = ready_draft()
    claim.status = Claim.Status.PUBLISHED
    with pytest.raises(workflow.WorkflowError):
        workflow.save_claim(claim, reviewer)


def test_withdraw_keeps_the_claim_and_needs_a_reason(reviewer, editor):
    claim = PublishedClaimFactory()
    with pytest.raises(workflow.NotAllowed):
        workflow.withdraw(claim, editor, "no")
    with pytest.raises(workflow.WorkflowError):
        workflow.withdraw(claim, reviewer, "  ")
    workflow.withdraw(claim, reviewer, "Source retracted")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN
    assert not Claim.objects.published().filter(pk=claim.pk).exists()
    assert claim.events.filter(to_status="withdrawn", note="Source retracted").exists()


def test_flag_and_acknowledge_attention(editor):
    claim = PublishedClaimFactory()
    assert workflow.flag_for_attention([claim.pk], "Excerpt missing from source") == 1
    assert workflow.flag_for_attention([claim.pk], "again") == 0
    claim.refresh_from_db()
    assert claim.needs_attention
    workflow.acknowledge_attention(claim, editor)
    claim.refresh_from_db()
    assert not claim.needs_attention
    kinds = list(claim.events.values_list("kind", flat=True))
    assert kinds == [ClaimEvent.Kind.ATTENTION, ClaimEvent.Kind.ACKNOWLEDGED]


def test_anonymous_user_cannot_do_anything():
    from django.contrib.auth.models import AnonymousUser

    claim = ready_draft()
    with pytest.raises(workflow.NotAllowed):
        workflow.submit_for_review(claim, AnonymousUser())
