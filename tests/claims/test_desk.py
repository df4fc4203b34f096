"""The editor's desk, the repeat guard and the claim page's workflow, per role."""

import re
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from claims import matching, workflow
from claims.admin.claims import FigureValueField
from claims.admin.intake import candidate_rows
from claims.intake import extract_candidates
from claims.models import Claim, Figure
from tests.factories import ClaimantFactory, ClaimFactory, rating
from tests.support.builders import SEED_ARTICLE, publish_fact_check, token_client

pytestmark = pytest.mark.django_db

REPEATED = (
    "In Budapest, the Prime Minister announced fresh agreements with Serbia, North Macedonia "
    "and Kosovo to tackle people smuggling networks at source."
)


@pytest.fixture
def original():
    """A published fact check of a sentence without any figure."""
    claimant = ClaimantFactory(name="Prime Minister")
    return publish_fact_check(
        figures=0,
        citations=0,
        claimant=claimant,
        title="New agreements with Serbia, North Macedonia and Kosovo",
        text=REPEATED,
    )


def repeat_draft(original: Claim, **fields) -> Claim:
    return ClaimFactory(
        claimant=original.claimant,
        title="PM announces Balkans agreements",
        text=REPEATED,
        rating=rating("accurate"),
        verdict_summary="The agreements were signed.",
        **fields,
    )


# --- the repeat guard ----------------------------------------------------------------------


def test_intake_compares_every_candidate_even_without_figures(original):
    candidates = extract_candidates(SEED_ARTICLE + "\n" + REPEATED, claimants=[])
    assert any(not c.figures for c in candidates)
    rows = candidate_rows(candidates, ticked=set())
    copied = next(r for r in rows if r["candidate"].sentence.startswith("In Budapest, the Prime"))
    assert not copied["candidate"].figures
    assert original.title in copied["similar"]
    assert all(r["similar"] for r in rows)  # "No similar claims." at least, never skipped


def test_published_repeats_names_the_published_claim_above_the_threshold(original, settings):
    draft = repeat_draft(original)
    found = matching.published_repeats(draft)
    assert [s.claim for s in found] == [original]
    settings.CLAIMS_REPEAT_THRESHOLD = 1.01
    assert matching.published_repeats(draft) == []


def test_drafts_are_not_repeats_to_warn_about(original):
    other_draft = repeat_draft(original)
    draft = repeat_draft(original)
    assert other_draft not in [s.claim for s in matching.published_repeats(draft)]


def test_send_to_review_in_the_admin_warns_of_a_published_repeat(editor_client, original):
    draft = repeat_draft(original)
    response = editor_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "send_to_review", "_selected_action": [draft.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "may repeat a published fact check" in page
    assert reverse("admin:claims_claim_change", args=[original.pk]) in page
    assert "similarity" in page
    assert Claim.objects.get(pk=draft.pk).status == Claim.Status.IN_REVIEW


def test_publish_button_warns_of_a_published_repeat(reviewer_client, original):
    draft = repeat_draft(original, status=Claim.Status.IN_REVIEW)
    url = reverse("admin:claims_claim_change", args=[draft.pk])
    data = change_form_data(reviewer_client, url) | {"_workflow": "publish"}
    response = reviewer_client.post(url, data, follow=True)
    page = response.content.decode()
    assert Claim.objects.get(pk=draft.pk).status == Claim.Status.PUBLISHED
    assert "may repeat a published fact check" in page and original.title in page


def test_no_warning_for_an_unrelated_claim(editor_client, original):
    draft = ClaimFactory(rating=rating("accurate"), verdict_summary="Fine.")
    response = editor_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "send_to_review", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "may repeat" not in response.content.decode()


def test_api_submit_and_publish_return_warnings(editor, reviewer, original):
    draft = repeat_draft(original)
    submitted = token_client(editor).post(f"/api/v1/claims/{draft.pk}/submit/")
    assert submitted.status_code == 200
    [warning] = submitted.json()["warnings"]
    assert warning["code"] == "possible_repeat"
    assert warning["claim"] == original.pk and warning["score"] >= 0.5
    assert warning["page_url"] == original.get_absolute_url()
    published = token_client(reviewer).post(f"/api/v1/claims/{draft.pk}/publish/")
    assert published.status_code == 200 and published.json()["warnings"][0]["claim"] == original.pk


def test_api_submit_of_an_unrelated_claim_has_no_warnings(editor, original):
    draft = ClaimFactory(rating=rating("accurate"), verdict_summary="Fine.")
    response = token_client(editor).post(f"/api/v1/claims/{draft.pk}/submit/")
    assert response.status_code == 200 and response.json()["warnings"] == []


def test_mark_as_repeat_in_one_click_on_the_change_form(editor_client, original):
    draft = repeat_draft(original)
    url = reverse("admin:claims_claim_change", args=[draft.pk])
    page = editor_client.get(url).content.decode()
    assert "Mark as a repeat of this" in page
    editor_client.post(url, change_form_data(editor_client, url) | {"_repeat_of": original.pk})
    assert Claim.objects.get(pk=draft.pk).repeat_of == original


def test_mark_as_repeat_rules(editor, reviewer, original):
    draft = repeat_draft(original)
    unpublished = ClaimFactory()
    with pytest.raises(workflow.WorkflowError):
        workflow.mark_as_repeat(draft, unpublished, editor)
    with pytest.raises(workflow.WorkflowError):
        workflow.mark_as_repeat(original, original, reviewer)
    published = publish_fact_check(citations=0, title="Another check")
    with pytest.raises(workflow.NotAllowed):
        workflow.mark_as_repeat(published, original, editor)  # editors: drafts only
    workflow.mark_as_repeat(published, original, reviewer)
    assert Claim.objects.get(pk=published.pk).repeat_of == original


def test_a_published_repeat_links_to_the_original_for_readers(client, reviewer, original):
    repeat = publish_fact_check(citations=0, title="Balkans agreements again")
    workflow.mark_as_repeat(repeat, original, reviewer)
    page = client.get(repeat.get_absolute_url()).content.decode()
    assert "This claim has been checked before" in page
    assert original.get_absolute_url() in page
    assert "checked before" not in client.get(original.get_absolute_url()).content.decode()


# --- the desk ------------------------------------------------------------------------------


def test_anonymous_visitors_get_the_login_page_not_the_desk(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_editor_desk_shows_drafts_attention_published_and_broken_sources(editor_client, editor):
    from sources.models import Source

    mine = ClaimFactory(created_by=editor, title="My own draft about returns")
    ClaimFactory(title="Someone else's draft")
    ClaimFactory(status=Claim.Status.IN_REVIEW, title="Waiting for a reviewer")
    flagged = publish_fact_check(title="Flagged fact check")
    workflow.flag_for_attention([flagged.pk], "Excerpt missing on gov.uk")
    Source.objects.create(url="https://www.example.org/gone", state=Source.State.BROKEN)
    page = editor_client.get(reverse("admin:index")).content.decode()
    assert "My drafts" in page and mine.title in page
    assert "Someone else" not in page
    assert "Awaiting review" not in page and "Waiting for a reviewer" not in page
    assert "Needs attention" in page and "Excerpt missing on gov.uk" in page
    assert "Recently published" in page and "Flagged fact check" in page
    assert "Sources that broke" in page and "https://www.example.org/gone" in page


def test_reviewer_desk_shows_what_awaits_review(reviewer_client):
    ClaimFactory(status=Claim.Status.IN_REVIEW, title="Waiting for a reviewer")
    page = reviewer_client.get(reverse("admin:index")).content.decode()
    assert "Awaiting review" in page and "Waiting for a reviewer" in page


def test_attention_line_names_the_moved_citation(editor_client):
    from sources.models import Citation

    claim = publish_fact_check(title="Figure moved")
    Citation.objects.filter(claim=claim).update(
        excerpt_state=Citation.ExcerptState.FIGURE_CHANGED,
        cited_figure="9,400",
        found_figure="9,100",
    )
    workflow.flag_for_attention([claim.pk], "")
    page = editor_client.get(reverse("admin:index")).content.decode()
    assert "figure changed (cited 9,400, found 9,100)" in page


# --- the claim page and the list ------------------------------------------------------------


def change_form_data(client: Client, url: str) -> dict:
    from tests.support.forms import form_data

    return form_data(client.get(url).content.decode(), "claim_form")


def test_workflow_buttons_follow_the_role(editor_client, reviewer_client):
    draft = ClaimFactory()
    url = reverse("admin:claims_claim_change", args=[draft.pk])
    editor_page = editor_client.get(url).content.decode()
    assert 'value="submit"' in editor_page and 'value="publish"' not in editor_page
    reviewer_page = reviewer_client.get(url).content.decode()
    assert 'value="submit"' in reviewer_page and 'value="publish"' in reviewer_page
    published = publish_fact_check()
    url = reverse("admin:claims_claim_change", args=[published.pk])
    reviewer_page = reviewer_client.get(url).content.decode()
    for label in ("Correct…", "Update…", "Withdraw…"):
        assert label in reviewer_page
    editor_page = editor_client.get(url).content.decode()
    assert "Withdraw…" not in editor_page and "Correct…" not in editor_page


def test_send_to_review_button_saves_then_sends(editor_client):
    draft = ClaimFactory(rating=rating("accurate"), verdict_summary="Right.")
    url = reverse("admin:claims_claim_change", args=[draft.pk])
    data = change_form_data(editor_client, url) | {"_workflow": "submit", "title": "Better title"}
    editor_client.post(url, data)
    draft.refresh_from_db()
    assert draft.status == Claim.Status.IN_REVIEW and draft.title == "Better title"


def test_an_editor_posting_publish_to_the_change_form_publishes_nothing(editor_client):
    draft = ClaimFactory(
        status=Claim.Status.IN_REVIEW, rating=rating("accurate"), verdict_summary="x"
    )
    url = reverse("admin:claims_claim_change", args=[draft.pk])
    editor_client.post(url, change_form_data(editor_client, url) | {"_workflow": "publish"})
    assert Claim.objects.get(pk=draft.pk).status == Claim.Status.IN_REVIEW


def test_withdraw_page_for_reviewers_only(editor_client, reviewer_client):
    published = publish_fact_check()
    url = reverse("admin:claims_claim_withdraw", args=[published.pk])
    assert editor_client.post(url, {"reason": "No"}).status_code == 403
    assert reviewer_client.get(url).status_code == 200
    reviewer_client.post(url, {"reason": "Retracted by the source"})
    assert Claim.objects.get(pk=published.pk).status == Claim.Status.WITHDRAWN


def test_editors_are_not_offered_reviewer_list_actions(editor_client, reviewer_client):
    ClaimFactory()
    url = reverse("admin:claims_claim_changelist")
    editor_page = editor_client.get(url).content.decode()
    assert 'value="send_to_review"' in editor_page
    assert 'value="publish_selected"' not in editor_page
    assert 'value="withdraw_selected"' not in editor_page
    reviewer_page = reviewer_client.get(url).content.decode()
    assert 'value="publish_selected"' in reviewer_page
    assert "(reviewers)" not in reviewer_page


def test_needs_attention_no_is_not_a_red_cross(editor_client):
    ClaimFactory()
    page = editor_client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert "icon-no.svg" not in page
    assert 'class="attention-no"' in page
    claim = ClaimFactory(title="On its change form too")
    form = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content
    assert b"icon-no.svg" not in form and b'class="attention-no"' in form


def test_status_filter_after_the_intake_redirect(editor_client):
    ClaimFactory(title="A draft one")
    ClaimFactory(status=Claim.Status.IN_REVIEW, title="One in review")
    url = reverse("admin:claims_claim_changelist")
    drafts = editor_client.get(url + "?status=draft").content.decode()
    assert "A draft one" in drafts and "One in review" not in drafts
    assert "?status=in_review" in drafts and "status__exact" not in drafts
    in_review = editor_client.get(url + "?status=in_review").content.decode()
    assert "One in review" in in_review and "A draft one" not in in_review


def test_figures_inline_shows_grouped_values_and_labels_every_input(editor_client):
    claim = ClaimFactory()
    Figure.objects.create(
        claim=claim, label="Returned", value=Decimal("9400"), unit="people", stated_change_pct=19
    )
    page = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert 'value="9,400"' in page and "9400.0000" not in page
    for field in ("label", "value", "unit", "approximation", "stated_change_pct"):
        assert re.search(rf'<label[^>]* for="id_figures-0-{field}"', page), field


def test_figure_value_field_accepts_grouped_numbers():
    field = FigureValueField(max_digits=20, decimal_places=4)
    assert field.clean("9,400") == Decimal("9400")
    assert field.prepare_value(Decimal("9400.0000")) == "9,400"
    assert field.prepare_value(Decimal("0.5000")) == "0.5"


# --- slugs ---------------------------------------------------------------------------------


def test_slug_follows_the_title_until_first_publication(editor, reviewer):
    claim = ClaimFactory(title="In Budapest the Prime Minister said many things today")
    claim.title = "PM: new Balkans agreements"
    workflow.save_claim(claim, editor)
    assert Claim.objects.get(pk=claim.pk).slug == "pm-new-balkans-agreements"
    claim.rating, claim.verdict_summary = rating("accurate"), "Signed."
    claim.save()
    workflow.publish(claim, reviewer)
    claim.title = "PM: Balkans agreements signed"
    workflow.save_claim(claim, reviewer, change=workflow.UpdateNote("Title shortened."))
    assert Claim.objects.get(pk=claim.pk).slug == "pm-new-balkans-agreements"


def test_a_draft_renamed_at_the_same_time_as_another_takes_the_next_free_slug(editor, monkeypatch):
    # Two editors renaming two drafts to one title at once both find "new-title" free; the
    # second write then meets the first one's row and takes "new-title-2" instead of failing.
    first, second = ClaimFactory(title="First draft"), ClaimFactory(title="Second draft")
    monkeypatch.setattr(workflow, "unique_slug", lambda *args, **kwargs: "new-title")
    first.title = second.title = "New title"
    workflow.save_claim(first, editor)
    workflow.save_claim(second, editor)
    assert Claim.objects.get(pk=first.pk).slug == "new-title"
    assert Claim.objects.get(pk=second.pk).slug == "new-title-2"
    assert Claim.objects.get(pk=second.pk).title == "New title"


def test_a_slug_chosen_by_hand_that_is_taken_is_still_refused(editor):
    first, second = ClaimFactory(title="First draft"), ClaimFactory(title="Second draft")
    second.slug = first.slug
    with pytest.raises(IntegrityError):
        second.save()


def test_a_changed_slug_leaves_a_301_from_the_old_address(client):
    claim = publish_fact_check(citations=0)
    old = claim.get_absolute_url()
    Claim.objects.filter(pk=claim.pk).update(slug="a-new-address")
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"].endswith(f"/claims/{claim.pk}-a-new-address/")
