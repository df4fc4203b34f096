"""sources/api.py: sources, citations, check history, snapshots, check-now, per role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sources.models import Citation, Source, SourceCheck
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    PublishedClaimFactory,
    SnapshotFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def test_anonymous_sees_only_sources_cited_by_published_claims(anon_api, editor_api):
    public = CitationFactory(claim=PublishedClaimFactory()).source
    private = CitationFactory(claim=ClaimFactory()).source
    assert ids(anon_api.get("/api/v1/sources/")) == [public.pk]
    assert anon_api.get(f"/api/v1/sources/{private.pk}/").status_code == 404
    assert set(ids(editor_api.get("/api/v1/sources/"))) == {public.pk, private.pk}


def test_source_shows_state_and_latest_check(anon_api):
    source = CitationFactory(claim=PublishedClaimFactory(), source__state="broken").source
    SourceCheck.objects.create(source=source, outcome="ok", http_status=200)
    SourceCheck.objects.create(source=source, outcome="not_found", http_status=404)
    data = anon_api.get(f"/api/v1/sources/{source.pk}/").json()
    assert data["state"] == "broken"
    assert data["latest_check"]["outcome"] == "not_found"
    assert data["latest_check"]["http_status"] == 404


def test_editor_creates_source_with_normalised_url(editor_api):
    response = editor_api.post(
        "/api/v1/sources/",
        {"url": "HTTPS://WWW.Gov.UK:443/stats?utm_source=x&id=1#part", "kind": "press_release"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["url"] == "https://www.gov.uk/stats?id=1"
    assert response.json()["state"] == "unchecked"


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/x", "http://10.1.2.3/admin", "http://user:pw@example.org/", "nonsense"],
)
def test_unsafe_or_invalid_source_url_is_a_field_error(editor_api, url):
    response = editor_api.post("/api/v1/sources/", {"url": url}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    assert not Source.objects.exists()


def test_duplicate_source_url_is_a_field_error(editor_api):
    SourceFactory(url="https://example.org/a")
    response = editor_api.post("/api/v1/sources/", {"url": "https://EXAMPLE.org/a"}, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["errors"]["url"][0]


def test_anonymous_cannot_create_sources(anon_api):
    response = anon_api.post("/api/v1/sources/", {"url": "https://example.org/"}, format="json")
    assert response.status_code == 401


def test_check_now_enqueues_after_commit_and_answers_202(
    editor_api, django_capture_on_commit_callbacks, monkeypatch
):
    source = SourceFactory()
    queued = []
    import sources.tasks

    # apply_async is what both paths reach: delay() in-process, a shared producer with a broker
    monkeypatch.setattr(
        sources.tasks.check_source, "apply_async", lambda args, *_, **__: queued.append(args[0])
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = editor_api.post(f"/api/v1/sources/{source.pk}/check/")
    assert response.status_code == 202
    assert response.json() == {"status": "queued", "source": source.pk}
    assert queued == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    assert queued == [source.pk]


def test_check_now_answers_503_and_queues_nothing_when_the_broker_is_down(
    editor_api, unreachable_broker, django_capture_on_commit_callbacks
):
    source = SourceFactory()
    before = Source.objects.values().get(pk=source.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = editor_api.post(f"/api/v1/sources/{source.pk}/check/")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "unavailable"
    assert body["detail"].startswith("The task queue cannot be reached, so no check was queued.")
    assert response["Retry-After"] == "30"
    assert callbacks == []  # nothing is left to send on commit either
    assert Source.objects.values().get(pk=source.pk) == before


@pytest.mark.django_db(transaction=True)
def test_check_now_outside_a_transaction_reports_the_failed_send(
    editor_api, unreachable_broker, caplog
):
    source = SourceFactory()
    response = editor_api.post(f"/api/v1/sources/{source.pk}/check/")
    assert response.status_code == 503
    assert "no check was queued" in response.json()["detail"]
    assert f"could not queue checks of sources [{source.pk}]" in caplog.text


def test_anonymous_cannot_trigger_a_check(anon_api):
    source = CitationFactory(claim=PublishedClaimFactory()).source
    assert anon_api.post(f"/api/v1/sources/{source.pk}/check/").status_code == 401


def test_source_list_filters_by_state(editor_api):
    broken = SourceFactory(state="broken")
    SourceFactory(state="ok")
    assert ids(editor_api.get("/api/v1/sources/", {"state": "broken"})) == [broken.pk]
    assert editor_api.get("/api/v1/sources/", {"state": "nope"}).status_code == 400


def test_source_list_query_count_is_fixed(editor_api):
    def make(n):
        for _ in range(n):
            source = SourceFactory()
            SourceCheck.objects.create(source=source, outcome="ok")

    make(2)
    with CaptureQueriesContext(connection) as small:
        editor_api.get("/api/v1/sources/")
    make(15)
    with CaptureQueriesContext(connection) as large:
        editor_api.get("/api/v1/sources/")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_source_detail_supports_etag(anon_api):
    source = CitationFactory(claim=PublishedClaimFactory()).source
    first = anon_api.get(f"/api/v1/sources/{source.pk}/")
    again = anon_api.get(f"/api/v1/sources/{source.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


# --- Citations -------------------------------------------------------------------------------


def test_editor_cites_a_source_on_a_draft(editor_api):
    claim, source = ClaimFactory(), SourceFactory()
    body = {"claim": claim.pk, "source": source.pk, "role": "supports", "excerpt": "9,400 people"}
    response = editor_api.post("/api/v1/citations/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["excerpt_state"] == "unknown"
    again = editor_api.post("/api/v1/citations/", body, format="json")
    assert again.status_code == 400
    assert Citation.objects.count() == 1


def test_empty_excerpt_is_rejected(editor_api):
    body = {"claim": ClaimFactory().pk, "source": SourceFactory().pk, "excerpt": "   "}
    response = editor_api.post("/api/v1/citations/", body, format="json")
    assert response.status_code == 400


def test_editor_cannot_change_evidence_of_a_published_claim(editor_api, reviewer_api):
    citation = CitationFactory(claim=PublishedClaimFactory())
    url = f"/api/v1/citations/{citation.pk}/"
    assert editor_api.patch(url, {"note": "x"}, format="json").status_code == 403
    assert reviewer_api.patch(url, {"note": "checked"}, format="json").status_code == 200


def test_anonymous_sees_citations_of_published_claims_only(anon_api):
    public = CitationFactory(claim=PublishedClaimFactory())
    CitationFactory(claim=ClaimFactory())
    assert ids(anon_api.get("/api/v1/citations/")) == [public.pk]


# --- Check history and snapshots ----------------------------------------------------------------


def test_check_history_by_source(anon_api):
    source = CitationFactory(claim=PublishedClaimFactory()).source
    other = CitationFactory(claim=ClaimFactory()).source
    check = SourceCheck.objects.create(source=source, outcome="ok", http_status=200)
    SourceCheck.objects.create(source=other, outcome="ok")
    response = anon_api.get("/api/v1/checks/", {"source": source.pk})
    assert ids(response) == [check.pk]
    assert ids(anon_api.get("/api/v1/checks/")) == [check.pk]  # the draft's source is hidden


def test_snapshots_list_without_text_and_detail_with_text(anon_api):
    source = CitationFactory(claim=PublishedClaimFactory()).source
    snapshot = SnapshotFactory(source=source, main_text="The archived words.")
    listed = anon_api.get("/api/v1/snapshots/", {"source": source.pk}).json()["results"]
    assert listed[0]["id"] == snapshot.pk
    assert "main_text" not in listed[0]
    detail = anon_api.get(f"/api/v1/snapshots/{snapshot.pk}/").json()
    assert detail["main_text"] == "The archived words."


def test_snapshot_of_unpublished_evidence_is_hidden(anon_api):
    source = CitationFactory(claim=ClaimFactory()).source
    snapshot = SnapshotFactory(source=source)
    assert anon_api.get(f"/api/v1/snapshots/{snapshot.pk}/").status_code == 404
