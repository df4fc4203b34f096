"""Invalidation follows what readers can see: source checks move only the pages of the public
claims citing the source, lists move only when a public claim's card does."""

import pytest
from django.utils import timezone

from claims import caching, workflow
from claims.models import Claim
from sources.models import Source
from sources.signals import sources_checked_in_bulk
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    SnapshotFactory,
    SourceFactory,
    rating,
)
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db

LISTS = caching.LISTS_VERSION_KEY


@pytest.fixture
def bumped(monkeypatch):
    """The version keys bumped (each bump also done for real)."""
    keys: list[str] = []
    real = caching._try_bump
    monkeypatch.setattr(caching, "_try_bump", lambda key: keys.append(key) or real(key))
    return keys


def _claim_key(claim: Claim) -> str:
    return caching._claim_version_key(claim.pk)


def _turn_broken(source: Source) -> None:
    now = timezone.now()
    source.state, source.state_changed_at, source.last_checked_at = "broken", now, now
    source.save(update_fields=["state", "state_changed_at", "last_checked_at"])  # as a check


def test_a_source_cited_only_by_drafts_invalidates_nothing(bumped):
    source = CitationFactory(claim=ClaimFactory()).source
    bumped.clear()
    _turn_broken(source)
    SnapshotFactory(source=source)
    sources_checked_in_bulk([source], {source.pk})
    assert bumped == []


def test_an_uncited_source_invalidates_nothing(bumped):
    source = SourceFactory()
    _turn_broken(source)
    SnapshotFactory(source=source)
    source.title = "Renamed by an editor"
    source.save()
    assert bumped == []


def test_a_source_change_moves_only_its_public_claims_pages_not_the_lists(anon, fact_check, bumped):
    other = publish_fact_check(title="Other claim")
    draft = ClaimFactory()
    source = fact_check.citations.get().source
    CitationFactory(claim=draft, source=source)
    for url in ("/", "/claims/", fact_check.get_absolute_url(), other.get_absolute_url()):
        anon.get(url)
    bumped.clear()
    _turn_broken(source)
    assert set(bumped) == {_claim_key(fact_check)}
    SnapshotFactory(source=source)
    assert set(bumped) == {_claim_key(fact_check)}
    bumped.clear()
    sources_checked_in_bulk([source], {source.pk})
    assert set(bumped) == {_claim_key(fact_check)}
    assert anon.get("/claims/")["X-Page-Cache"] == "hit"
    assert anon.get("/")["X-Page-Cache"] == "hit"
    assert anon.get(other.get_absolute_url())["X-Page-Cache"] == "hit"
    response = anon.get(fact_check.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "Broken" in response.content.decode()


def test_flagging_a_public_claim_refreshes_its_card_on_the_lists(anon, fact_check, editor, bumped):
    draft = ClaimFactory()
    anon.get("/claims/")
    bumped.clear()
    assert workflow.flag_for_attention([draft.pk], "Excerpt gone") == 1
    assert bumped == []  # a draft's card is on no list
    assert workflow.flag_each_for_attention([(fact_check.pk, "Figure changed")]) == 1
    assert set(bumped) == {LISTS, _claim_key(fact_check)}
    response = anon.get("/claims/")
    assert response["X-Page-Cache"] == "miss"
    assert "card--attention" in response.content.decode()

    bumped.clear()
    workflow.acknowledge_attention(Claim.objects.get(pk=fact_check.pk), editor)
    assert LISTS in bumped
    assert "card--attention" not in anon.get("/claims/").content.decode()


def test_the_per_source_flag_path_refreshes_lists_for_public_claims_only(bumped):
    public = publish_fact_check()
    draft = ClaimFactory()
    bumped.clear()
    assert workflow.flag_for_attention([public.pk, draft.pk], "Source broken") == 2
    assert set(bumped) == {LISTS, _claim_key(public)}


def test_saving_a_draft_leaves_the_lists_cached(anon, fact_check, editor, bumped):
    anon.get("/claims/")
    bumped.clear()
    draft = workflow.create_claim(ClaimFactory.build(claimant=fact_check.claimant), editor)
    draft = Claim.objects.get(pk=draft.pk)  # as the admin and the API load it
    draft.title = "A reworded draft"
    draft.rating = rating("accurate")
    draft.verdict_summary = "Checked."
    workflow.save_claim(draft, editor)
    workflow.submit_for_review(draft, editor)
    assert LISTS not in bumped
    assert anon.get("/claims/")["X-Page-Cache"] == "hit"


def test_publishing_and_unpublishing_refresh_the_lists(anon, fact_check, reviewer, bumped):
    draft = ClaimFactory(rating=rating("accurate"), verdict_summary="Checked.")
    anon.get("/claims/")
    bumped.clear()
    workflow.publish(Claim.objects.get(pk=draft.pk), reviewer)
    assert LISTS in bumped
    assert draft.title in anon.get("/claims/").content.decode()

    bumped.clear()
    workflow.withdraw(Claim.objects.get(pk=fact_check.pk), reviewer, "Wrong claimant.")
    assert LISTS in bumped
    assert fact_check.title not in anon.get("/claims/").content.decode()


def test_a_public_claim_returned_to_draft_state_by_a_raw_save_refreshes_the_lists(
    fact_check, bumped
):
    claim = Claim.objects.get(pk=fact_check.pk)
    bumped.clear()
    claim.status = Claim.Status.WITHDRAWN
    claim.save()
    assert LISTS in bumped
    bumped.clear()
    claim.title = "Edited while withdrawn"
    claim.save()  # no longer public, and it was not when read this time
    assert LISTS not in bumped


def test_a_bulk_admin_action_sends_each_page_version_once_at_the_end(
    reviewer_client, bumped, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    claims = [
        ClaimFactory(status=Claim.Status.IN_REVIEW, rating=rating("mixed"), verdict_summary="Ok.")
        for _ in range(3)
    ]
    bumped.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(
            reverse("admin:claims_claim_changelist"),
            {"action": "publish_selected", "_selected_action": [c.pk for c in claims]},
        )
    assert Claim.objects.published().count() == 3
    # Now and after commit, once for the three claims (each publication committed apart).
    assert bumped.count(LISTS) == 2
    assert sorted(set(bumped)) == sorted({LISTS, *(_claim_key(c) for c in claims)})
