"""Admin doors to a published claim, per role: editors are refused, reviewers leave a record."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.models import ClaimEvent, Correction, Figure
from tests.claims.test_admin import claim_form_data
from tests.factories import FigureFactory, PublishedClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    claim = PublishedClaimFactory()
    FigureFactory(claim=claim, label="Returns", value=9400)
    return claim


def edit_data(claim, **overrides):
    figure = claim.figures.get()
    data = claim_form_data(
        claim.claimant,
        title=claim.title,
        text=claim.text,
        rating=claim.rating.pk,
        verdict_summary=claim.verdict_summary,
        analysis=claim.analysis,
        stated_on="",
        venue=claim.venue,
        **{
            "figures-TOTAL_FORMS": "1",
            "figures-INITIAL_FORMS": "1",
            "figures-0-id": figure.pk,
            "figures-0-claim": claim.pk,
            "figures-0-label": figure.label,
            "figures-0-value": "9400",
            "figures-0-unit": figure.unit,
            "figures-0-approximation": figure.approximation,
        },
    )
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(published):
    response = Client().get(reverse("admin:claims_claim_change", args=[published.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_editor_cannot_post_the_claim_form_or_its_figures(editor_client, published):
    url = reverse("admin:claims_claim_change", args=[published.pk])
    response = editor_client.post(url, edit_data(published, **{"figures-0-value": "1"}))
    assert response.status_code == 403
    assert published.figures.get().value == 9400


def test_reviewer_form_asks_for_the_kind_and_note(reviewer_client, published):
    url = reverse("admin:claims_claim_change", args=[published.pk])
    html = reviewer_client.get(url).content.decode()
    assert 'name="change_kind"' in html and 'name="correction_what"' in html
    response = reviewer_client.post(url, edit_data(published, verdict_summary="Reworded."))
    assert response.status_code == 200
    published.refresh_from_db()
    assert published.verdict_summary != "Reworded."


def test_reviewer_update_through_the_form_is_recorded(reviewer_client, published, reviewer):
    url = reverse("admin:claims_claim_change", args=[published.pk])
    data = edit_data(
        published,
        verdict_summary="Reworded.",
        change_kind="update",
        correction_what="Clarified the verdict.",
    )
    response = reviewer_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    published.refresh_from_db()
    assert published.verdict_summary == "Reworded."
    entry = published.corrections.get()
    assert (entry.kind, entry.what_changed, entry.created_by) == (
        "update",
        "Clarified the verdict.",
        reviewer,
    )


def test_reviewer_figure_change_in_the_inline_needs_the_note(reviewer_client, published):
    url = reverse("admin:claims_claim_change", args=[published.pk])
    response = reviewer_client.post(url, edit_data(published, **{"figures-0-value": "9500"}))
    assert response.status_code == 200
    assert "Correction or update" in response.content.decode()
    assert published.figures.get().value == 9400
    data = edit_data(
        published,
        **{"figures-0-value": "9500"},
        change_kind="correction",
        correction_what="Figure corrected to 9,500.",
        correction_reason="The release was revised.",
    )
    assert reviewer_client.post(url, data).status_code == 302
    assert published.figures.get().value == 9500
    entry = published.corrections.get()
    assert entry.kind == Correction.Kind.CORRECTION and entry.reason == "The release was revised."
    assert "Returns" in published.events.get(kind=ClaimEvent.Kind.CORRECTION).note


def test_claim_and_figure_changed_in_one_save_leave_one_record(reviewer_client, published):
    url = reverse("admin:claims_claim_change", args=[published.pk])
    data = edit_data(
        published,
        title="New title",
        **{"figures-0-value": "9500"},
        change_kind="update",
        correction_what="Tidied.",
    )
    assert reviewer_client.post(url, data).status_code == 302
    assert published.corrections.count() == 1


@pytest.mark.parametrize("role", ["editor_client", "reviewer_client"])
def test_figure_admin_delete_of_a_published_figure_is_refused(request, role, published):
    client = request.getfixturevalue(role)
    figure = published.figures.get()
    url = reverse("admin:claims_figure_delete", args=[figure.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Figure.objects.filter(pk=figure.pk).exists()


def figure_page_data(figure, **overrides):
    data = {
        "claim": figure.claim_id,
        "label": figure.label,
        "value": "9400",
        "unit": figure.unit,
        "approximation": figure.approximation,
        "period": "",
        "baseline_value": "",
        "baseline_period": "",
        "stated_change_pct": "",
        "position": "0",
    }
    data.update(overrides)
    return data


def test_figure_admin_change_per_role(editor_client, reviewer_client, published):
    figure = published.figures.get()
    url = reverse("admin:claims_figure_change", args=[figure.pk])
    assert editor_client.post(url, figure_page_data(figure, value="1")).status_code == 403
    response = reviewer_client.post(url, figure_page_data(figure, value="1"))
    assert response.status_code == 200  # the note is asked for
    assert published.figures.get().value == 9400
    data = figure_page_data(figure, value="1", change_kind="update", correction_what="Typo.")
    assert reviewer_client.post(url, data).status_code == 302
    assert published.figures.get().value == 1
    assert published.corrections.get().what_changed == "Typo."


def test_editor_cannot_add_a_figure_to_a_published_claim(editor_client, published):
    figure = published.figures.get()
    response = editor_client.post(reverse("admin:claims_figure_add"), figure_page_data(figure))
    assert response.status_code == 200
    assert "Only reviewers" in response.content.decode()
    assert published.figures.count() == 1


def test_correction_admin_is_read_only(reviewer_client, reviewer, published):
    from claims import workflow

    entry = workflow.update_published(published, reviewer, "Clarified.")
    url = reverse("admin:claims_correction_change", args=[entry.pk])
    assert reviewer_client.post(url, {"what_changed": "Rewritten"}).status_code == 403
    entry.refresh_from_db()
    assert entry.what_changed == "Clarified."


def test_claim_page_shows_the_update_notice_and_claimreview_date_modified(anon, reviewer):
    from claims import workflow
    from tests.claims.conftest import publish_fact_check

    claim = publish_fact_check()
    entry = workflow.update_published(claim, reviewer, "Period clarified.")
    html = anon.get(claim.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert f"Updated {entry.created_at:%-d %B %Y}: Period clarified." in text
    assert 'href="#corrections-title"' in html
    assert html.index("notice--revised") < html.index("claim-said")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    review = json.loads(block)
    assert review["dateModified"] == timezone.localdate(entry.created_at).isoformat()
    assert "published as Mostly accurate" in html


def test_feed_carries_the_update_date(anon, reviewer):
    from claims import workflow
    from tests.claims.conftest import publish_fact_check

    claim = publish_fact_check()
    entry = workflow.update_published(claim, reviewer, "Period clarified.")
    atom = anon.get("/feeds/latest.atom").content.decode()
    updated = re.search(r"<entry>.*?<updated>(.*?)</updated>", atom, re.S).group(1)
    assert datetime.datetime.fromisoformat(updated) == entry.created_at


def test_claimreview_date_modified_is_the_latest_correction_or_update(reviewer):
    from claims import workflow
    from claims.claimreview import claim_review

    claim = PublishedClaimFactory(published_at=timezone.now() - datetime.timedelta(days=30))
    review = claim_review(claim)
    assert review["dateModified"] == review["datePublished"]
    entry = workflow.update_published(claim, reviewer, "Clarified.")
    claim.refresh_from_db()
    review = claim_review(claim)
    assert review["dateModified"] == timezone.localdate(entry.created_at).isoformat()
    assert review["dateModified"] > review["datePublished"]
