import pytest

from claims import selectors, workflow
from claims.models import Claim, ClaimEvent, Correction, Figure
from tests.factories import ClaimFactory, FigureFactory, PublishedClaimFactory, rating

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


# --- Changes to published claims: a correction or an update, on the record -------------------


def test_reviewer_text_change_on_published_claim_needs_a_note(reviewer):
    claim = PublishedClaimFactory()
    claim.verdict_summary = "Reworded"
    with pytest.raises(workflow.WorkflowError, match=r"correction .* or an update"):
        workflow.save_claim(claim, reviewer)
    claim.refresh_from_db()
    assert claim.verdict_summary != "Reworded"
    assert not Correction.objects.exists()


def test_reviewer_update_is_logged_publicly_and_keeps_the_status(reviewer):
    claim = PublishedClaimFactory()
    claim.analysis = "Typo fixed in the analysis."
    workflow.save_claim(claim, reviewer, change=workflow.UpdateNote("Fixed a typo."))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    entry = claim.corrections.get()
    assert (entry.kind, entry.what_changed, entry.created_by) == (
        "update",
        "Fixed a typo.",
        reviewer,
    )
    assert claim.revised_at == entry.created_at
    event = claim.events.get(kind=ClaimEvent.Kind.UPDATE)
    assert event.actor == reviewer and "analysis" in event.note


def test_reviewer_correction_of_substance_moves_the_claim_to_corrected(reviewer):
    claim = PublishedClaimFactory()
    claim.text = "The corrected quotation."
    note = workflow.CorrectionNote("Quotation corrected", "The transcript differs")
    workflow.save_claim(claim, reviewer, change=note)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CORRECTED
    assert claim.corrections.get().kind == Correction.Kind.CORRECTION


def test_correction_without_reason_is_refused(reviewer):
    claim = PublishedClaimFactory()
    claim.text = "Changed"
    with pytest.raises(workflow.WorkflowError, match="why"):
        workflow.save_claim(claim, reviewer, change=workflow.CorrectionNote("Changed", " "))
    assert not Correction.objects.exists()


def test_rating_change_cannot_be_an_update(reviewer):
    claim = PublishedClaimFactory()
    claim.rating = rating("misleading")
    with pytest.raises(workflow.WorkflowError, match="correction"):
        workflow.save_claim(claim, reviewer, change=workflow.UpdateNote("New rating"))
    claim.refresh_from_db()
    assert claim.rating.slug == "accurate"


def test_editor_cannot_change_add_or_delete_figures_of_a_published_claim(editor):
    claim = PublishedClaimFactory()
    figure = FigureFactory(claim=claim)
    figure.value = 1
    with pytest.raises(workflow.NotAllowed):
        workflow.save_part(figure, editor, change=workflow.UpdateNote("x"))
    with pytest.raises(workflow.NotAllowed):
        workflow.save_part(Figure(claim=claim, label="new", value=2), editor)
    with pytest.raises(workflow.NotAllowed):
        workflow.delete_part(figure, editor)
    assert claim.figures.get().value == figure_value(figure)


def figure_value(figure):
    return Figure.objects.get(pk=figure.pk).value


def test_reviewer_figure_change_needs_a_note_and_is_recorded(reviewer):
    claim = PublishedClaimFactory()
    figure = FigureFactory(claim=claim, label="Returns")
    figure.value = 9401
    with pytest.raises(workflow.WorkflowError):
        workflow.save_part(figure, reviewer)
    workflow.save_part(figure, reviewer, change=workflow.UpdateNote("Figure corrected to 9,401."))
    assert figure_value(figure) == 9401
    entry = claim.corrections.get()
    assert entry.kind == "update" and entry.what_changed == "Figure corrected to 9,401."
    assert "Returns" in claim.events.get(kind=ClaimEvent.Kind.UPDATE).note


def test_one_edit_of_several_parts_leaves_one_record(reviewer):
    claim = PublishedClaimFactory()
    first, second = FigureFactory(claim=claim), FigureFactory(claim=claim)
    with workflow.published_edit(claim, reviewer, workflow.UpdateNote("Figures tidied.")) as edit:
        first.period = "2024"
        workflow.save_part(first, reviewer, change=edit)
        workflow.delete_part(second, reviewer, change=edit)
        claim.title = "New title"
        workflow.save_claim(claim, reviewer, change=edit)
    assert claim.corrections.count() == 1
    note = claim.events.get(kind=ClaimEvent.Kind.UPDATE).note
    assert "removed" in note and "title" in note


def test_draft_parts_change_without_a_record(editor):
    claim = ClaimFactory()
    workflow.save_part(Figure(claim=claim, label="Returns", value=1), editor)
    assert claim.figures.count() == 1
    assert not Correction.objects.exists()


def test_published_corrections_are_append_only(reviewer):
    claim = PublishedClaimFactory()
    entry = workflow.record_change(claim, reviewer, workflow.UpdateNote("Clarified."))
    entry.what_changed = "Rewritten"
    with pytest.raises(workflow.WorkflowError, match="cannot be edited"):
        entry.save()
    with pytest.raises(workflow.WorkflowError):
        entry.delete()
    assert Correction.objects.get().what_changed == "Clarified."


def test_editor_cannot_record_a_change(editor):
    claim = PublishedClaimFactory()
    with pytest.raises(workflow.NotAllowed):
        workflow.update_published(claim, editor, "Sneaky")


def test_publish_records_the_rating_it_publishes_as(reviewer):
    claim = ready_draft(status=Claim.Status.IN_REVIEW)
    workflow.publish(claim, reviewer)
    event = claim.events.get(to_status="published")
    assert event.to_rating.slug == "mostly-accurate"


def test_history_says_published_as_rating_when_rated_as_a_draft(reviewer, editor):
    claim = ClaimFactory()
    claim.rating, claim.verdict_summary = rating("misleading"), "No."
    workflow.save_claim(claim, editor)
    workflow.submit_for_review(claim, editor)
    workflow.publish(claim, reviewer)
    claim.rating = rating("inaccurate")
    workflow.save_claim(claim, reviewer, correction=workflow.CorrectionNote("Worse", "New data"))
    texts = [e.text for e in selectors.public_history(selectors.claim_page(claim.pk))]
    assert texts == [
        "published as Misleading",
        "corrected: rating changed from Misleading to Inaccurate",
    ]


def test_history_of_an_older_publication_without_rating_names_the_rating(reviewer):
    claim = PublishedClaimFactory()
    ClaimEvent.objects.create(
        claim=claim, kind="status", from_status="in_review", to_status="published"
    )
    texts = [e.text for e in selectors.public_history(selectors.claim_page(claim.pk))]
    assert texts == ["published as Accurate"]


def test_correction_log_does_not_repeat_the_rating_change(reviewer):
    claim = PublishedClaimFactory()
    claim.rating = rating("misleading")
    note = workflow.CorrectionNote("Rating changed from Accurate to Misleading", "New data")
    workflow.save_claim(claim, reviewer, correction=note)
    assert claim.corrections.get().rating_line == ""
    kept = workflow.record_change(claim, reviewer, workflow.UpdateNote("Typo"))
    assert kept.rating_line == ""  # same rating before and after: nothing to say
