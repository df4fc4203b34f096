"""The admin's monitoring screens (sources, check history, snapshots, diff, check now) and
the citations that sources adds to the claim page.
"""

import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from claims.admin import ClaimAdmin
from claims.admin.claims import ClaimEventInline, CorrectionInline, FigureInline
from claims.models import Claim
from sources import tasks
from sources.admin import CitationInline
from sources.models import MONITORING_FIELDS, Source, SourceCheck
from tests.factories import CitationFactory, SnapshotFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked_source():
    source = SourceFactory(title="Returns press release", state=Source.State.BROKEN)
    old = SnapshotFactory(
        source=source,
        main_text="Returns rose to 9,400 people.\nThe minister spoke.",
        created_at=timezone.now() - timezone.timedelta(days=2),
    )
    new = SnapshotFactory(
        source=source,
        main_text="Returns rose to 9,450 people.\nThe minister spoke.\n<script>alert(1)</script>",
    )
    source.current_snapshot = new
    source.save()
    SourceCheck.objects.create(source=source, outcome="server_error", http_status=503)
    return source, old, new


def test_source_list_shows_state_badges_and_filters_by_state(editor_client, checked_source):
    SourceFactory(title="Healthy page", state=Source.State.OK)
    url = reverse("admin:sources_source_changelist")
    page = editor_client.get(url).content.decode()
    assert "Broken" in page and "Returns press release" in page and "Healthy page" in page
    filtered = editor_client.get(url, {"state__exact": "broken"}).content.decode()
    assert "Returns press release" in filtered and "Healthy page" not in filtered


def test_source_page_has_check_history_and_a_link_to_its_versions(editor_client, checked_source):
    source, _, _ = checked_source
    page = editor_client.get(reverse("admin:sources_source_change", args=[source.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Check history" in html and "Server error" in html
    assert reverse("admin:sources_source_snapshots", args=[source.pk]) in html


def test_snapshot_list_links_text_and_differences(editor_client, checked_source):
    source, old, new = checked_source
    html = editor_client.get(
        reverse("admin:sources_source_snapshots", args=[source.pk])
    ).content.decode()
    assert reverse("admin:sources_source_snapshot_text", args=[source.pk, new.pk]) in html
    assert f"?from={old.pk}&amp;to={new.pk}" in html
    assert "(current)" in html


def test_snapshot_text_is_shown_escaped(editor_client, checked_source):
    source, _, new = checked_source
    url = reverse("admin:sources_source_snapshot_text", args=[source.pk, new.pk])
    html = editor_client.get(url).content.decode()
    assert "9,450 people" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_diff_between_two_snapshots_highlights_the_change_escaped(editor_client, checked_source):
    source, old, new = checked_source
    url = reverse("admin:sources_source_snapshot_diff", args=[source.pk])
    response = editor_client.get(url, {"from": old.pk, "to": new.pk})
    html = response.content.decode()
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", "", html)  # highlighting splits the changed characters
    assert "9,400" in text and "9,450" in text and "diff_chg" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_diff_with_bad_or_foreign_snapshot_ids_is_a_404_not_a_500(editor_client, checked_source):
    source, old, _ = checked_source
    other = SnapshotFactory()
    url = reverse("admin:sources_source_snapshot_diff", args=[source.pk])
    assert editor_client.get(url, {"from": "x", "to": old.pk}).status_code == 404
    assert editor_client.get(url).status_code == 404
    assert editor_client.get(url, {"from": old.pk, "to": other.pk}).status_code == 404


def test_snapshot_views_need_a_staff_login(client, checked_source):
    source, _, _ = checked_source
    response = client.get(reverse("admin:sources_source_snapshots", args=[source.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_check_now_enqueues_after_commit(
    editor_client, checked_source, monkeypatch, django_capture_on_commit_callbacks
):
    source, _, _ = checked_source
    queued = []
    # apply_async is what both paths reach: delay() in-process, a shared producer with a broker
    monkeypatch.setattr(
        tasks.check_source, "apply_async", lambda args, *_, **__: queued.append(args[0])
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = editor_client.post(
            reverse("admin:sources_source_changelist"),
            {"action": "check_now", "_selected_action": [source.pk]},
            follow=True,
        )
        assert queued == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert queued == [source.pk]
    assert "1 check queued" in response.content.decode()


def test_check_now_shows_an_error_and_queues_nothing_when_the_broker_is_down(
    editor_client, checked_source, unreachable_broker, django_capture_on_commit_callbacks
):
    source, _, _ = checked_source
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = editor_client.post(
            reverse("admin:sources_source_changelist"),
            {"action": "check_now", "_selected_action": [source.pk]},
            follow=True,
        )
    html = response.content.decode()
    assert callbacks == []
    assert "queued; refresh" not in html
    assert re.search(
        r'<li class="error">The task queue cannot be reached, so no check was queued', html
    )


def test_invalid_source_url_is_refused_in_the_admin_with_a_message(editor_client, settings):
    settings.SOURCES_FETCH_ALLOW = []
    response = editor_client.post(
        reverse("admin:sources_source_add"),
        {
            "url": "http://169.254.169.254/latest/meta-data/",
            "title": "Metadata",
            "kind": "other",
            "monitoring_enabled": "on",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
            "checks-TOTAL_FORMS": "0",
            "checks-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "private or local address" in response.content.decode()
    assert not Source.objects.filter(title="Metadata").exists()


def test_claim_page_shows_citations_after_figures_with_the_claim_admin_registered_once(
    editor_client, rf, editor
):
    claim_admin = admin.site.get_model_admin(Claim)
    assert type(claim_admin) is ClaimAdmin  # claims' own class, not replaced by sources
    request = rf.get("/")
    request.user = editor
    assert claim_admin.get_inlines(request, None) == [
        FigureInline,
        CitationInline,
        CorrectionInline,
        ClaimEventInline,
    ]
    citation = CitationFactory(excerpt="returned 9,400 people with no right to remain")
    page = editor_client.get(reverse("admin:claims_claim_change", args=[citation.claim_id]))
    assert page.status_code == 200
    prefixes = [inline.formset.prefix for inline in page.context["inline_admin_formsets"]]
    assert prefixes[:2] == ["figures", "citations"]
    assert "returned 9,400 people with no right to remain" in page.content.decode()


def test_what_monitoring_writes_is_read_only_except_the_title(editor_client, checked_source):
    source, _, _ = checked_source
    page = editor_client.get(reverse("admin:sources_source_change", args=[source.pk]))
    form_fields = set(page.context["adminform"].form.fields)
    assert "title" in form_fields and "url" in form_fields
    assert not form_fields & (set(MONITORING_FIELDS) - {"title"})
    body = page.content.decode()
    assert "Consecutive failures" in body and "Next check at" in body


def test_snapshot_diff_shows_changed_words_with_cited_passages_outlined(
    editor_client, checked_source
):
    from tests.factories import CitationFactory

    source, old, new = checked_source
    CitationFactory(source=source, excerpt="Returns rose to 9,400 people")
    url = reverse("admin:sources_source_snapshot_diff", args=[source.pk])
    page = editor_client.get(url, {"from": old.pk, "to": new.pk}).content.decode()
    assert 'id="snapshot-word-diff"' in page
    assert '<del class="cited">9,400</del>' in page
    assert "<ins>9,450</ins>" in page or '<ins class="cited">9,450</ins>' in page
    assert "<script>alert(1)</script>" not in page
