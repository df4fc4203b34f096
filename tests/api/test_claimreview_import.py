"""sources/claimreview_import.py, the import endpoint and `manage.py importclaimreview`."""

import json
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from claims.claimreview import claimreview_queryset, data_feed
from claims.models import Claim, Claimant, ClaimEvent, Correction, Figure, Topic
from demo.seed import load_demo
from sources import claimreview_import
from sources.claimreview_import import import_claim_reviews
from sources.models import Citation, Snapshot, Source, SourceCheck
from tests.support.builders import token_client

pytestmark = pytest.mark.django_db


def review(n: int = 1, **overrides) -> dict:
    item = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"https://factchecker.example/checks/{n}",
        "claimReviewed": f"Crime has doubled in region {n}",
        "datePublished": "2024-11-12",
        "author": {"@type": "Organization", "name": "Fact Checker", "url": "https://fc.example"},
        "reviewRating": {"@type": "Rating", "alternateName": "False", "ratingExplanation": "No."},
        "itemReviewed": {
            "@type": "Claim",
            "author": {
                "@type": "Person",
                "name": "A Politician",
                "sameAs": ["https://w.example/1"],
            },
            "datePublished": "2024-11-01",
            "appearance": [{"@type": "CreativeWork", "url": f"https://news.example/story-{n}"}],
        },
    }
    item.update(overrides)
    return item


def statuses(report) -> list[str]:
    return [item.status for item in report.items]


def empty_the_database() -> None:
    """Everything the round trip exports, gone (published claims need a raw delete)."""
    Citation.objects.all().delete()
    Source.objects.update(current_snapshot=None)
    SourceCheck.objects.all().delete()
    Snapshot.objects.all().delete()
    Source.objects.all().delete()
    Figure.objects.all().delete()
    Correction.objects.all().delete()
    ClaimEvent.objects.all().delete()
    Claim.topics.through.objects.all().delete()
    Claim.objects.all()._raw_delete(Claim.objects.db)
    Claimant.objects.all().delete()
    Topic.objects.all().delete()


def exported() -> list[dict]:
    feed = data_feed(claimreview_queryset(Claim.objects.published()))
    return sorted(feed["dataFeedElement"], key=lambda item: item["url"])


def test_round_trip_of_the_demo_claims_gives_the_same_claim_reviews(reviewer):
    load_demo()
    before = exported()
    assert len(before) == 4  # three in English, one in Spanish
    payload = json.loads(json.dumps(data_feed(claimreview_queryset(Claim.objects.published()))))
    empty_the_database()
    assert not Claim.objects.exists()
    report = import_claim_reviews(payload, reviewer)
    assert statuses(report) == ["created"] * 4
    assert exported() == before


def test_importing_twice_changes_nothing_the_second_time(reviewer):
    items = [review(1), review(2)]
    assert statuses(import_claim_reviews(items, reviewer)) == ["created", "created"]
    counts = (Claim.objects.count(), Claimant.objects.count(), Source.objects.count())
    report = import_claim_reviews(items, reviewer)
    assert statuses(report) == ["unchanged", "unchanged"]
    assert (Claim.objects.count(), Claimant.objects.count(), Source.objects.count()) == counts
    assert Citation.objects.filter(role="origin").count() == 2


def test_reviewer_import_is_published_editor_import_is_draft(reviewer, editor):
    import_claim_reviews([review(1)], reviewer)
    import_claim_reviews([review(2)], editor)
    assert Claim.objects.get(review_url__endswith="/1").status == "published"
    draft = Claim.objects.get(review_url__endswith="/2")
    assert draft.status == "draft"
    assert draft.published_at is None


def test_imported_claim_fields_claimant_and_origin_source(reviewer):
    [result] = import_claim_reviews([review(7)], reviewer).items
    claim = Claim.objects.get(pk=result.claim_id)
    assert claim.review_url == "https://factchecker.example/checks/7"
    assert claim.title == "Crime has doubled in region 7"
    assert claim.rating.slug == "inaccurate"  # alias "false"
    assert claim.verdict_summary == "No."
    assert str(claim.stated_on) == "2024-11-01"
    assert claim.published_at.date().isoformat() == "2024-11-12"
    assert claim.claimant.name == "A Politician"
    assert claim.claimant.kind == "person"
    assert claim.claimant.same_as == ["https://w.example/1"]
    citation = claim.citations.get()
    assert citation.role == "origin"
    assert citation.source.url == "https://news.example/story-7"


def test_changed_rating_on_reimport_is_a_public_correction(reviewer):
    import_claim_reviews([review(1)], reviewer)
    changed = review(1, reviewRating={"@type": "Rating", "alternateName": "True"})
    assert statuses(import_claim_reviews([changed], reviewer)) == ["updated"]
    claim = Claim.objects.get()
    assert claim.status == "corrected"
    assert claim.rating.slug == "accurate"
    assert Correction.objects.filter(claim=claim).count() == 1


def test_editor_cannot_change_a_published_import(reviewer, editor):
    import_claim_reviews([review(1)], reviewer)
    changed = review(1, claimReviewed="Something else entirely")
    report = import_claim_reviews([changed], editor)
    assert statuses(report) == ["rejected"]
    assert "reviewers" in report.items[0].errors[0].lower()


def test_rating_mapping_alias_then_value_then_unverifiable_fallback(reviewer):
    items = [
        review(1, reviewRating={"alternateName": "PANTS ON FIRE"}),
        review(2, reviewRating={"alternateName": "Wobbly", "ratingValue": 5, "bestRating": 5}),
        review(3, reviewRating={"alternateName": "Wobbly", "ratingValue": "1", "worstRating": 1}),
        review(4, reviewRating={"alternateName": "Glorp"}),
    ]
    report = import_claim_reviews(items, reviewer)
    ratings = [Claim.objects.get(pk=item.claim_id).rating.slug for item in report.items]
    assert ratings == ["inaccurate", "accurate", "inaccurate", "unverifiable"]
    assert report.items[0].warnings == []
    assert "mapped by its value" in report.items[1].warnings[0]
    assert "not on our scale" in report.items[3].warnings[0]
    fallback = Claim.objects.get(pk=report.items[3].claim_id)
    assert fallback.needs_attention
    assert "Glorp" in fallback.attention_reason
    assert fallback.events.filter(kind="attention").exists()


def test_malformed_items_are_reported_without_stopping_the_rest(reviewer):
    no_claim = review(2)
    del no_claim["claimReviewed"]
    items = [
        review(1),
        no_claim,
        review(3, datePublished="2024-13-45"),
        review(4, **{"@type": "Review"}),
        42,
        review(6, reviewRating="great"),
        review(7, itemReviewed={"@type": "Claim"}),
        review(8, url="javascript:alert(1)"),
        review(9),
    ]
    report = import_claim_reviews(items, reviewer)
    assert statuses(report) == ["created"] + ["rejected"] * 7 + ["created"]
    reasons = [" ".join(item.errors) for item in report.items]
    assert "claimReviewed is missing" in reasons[1]
    assert "datePublished is not a valid date" in reasons[2]
    assert "@type must be ClaimReview" in reasons[3]
    assert "not a JSON object" in reasons[4]
    assert "reviewRating is missing" in reasons[5]
    assert "claimant" in reasons[6]
    assert "url" in reasons[7]
    assert Claim.objects.count() == 2


def test_a_failing_item_leaves_no_partial_rows(reviewer, monkeypatch):
    original = claimreview_import._Importer._cite_origins

    def fail_for_item_two(self, claim, urls):
        if claim.review_url.endswith("/2"):
            raise DatabaseError("disk on fire")
        return original(self, claim, urls)

    monkeypatch.setattr(claimreview_import._Importer, "_cite_origins", fail_for_item_two)
    second = review(2)
    second["itemReviewed"]["author"]["name"] = "Only In Item Two"
    report = import_claim_reviews([review(1), second, review(3)], reviewer)
    assert statuses(report) == ["created", "rejected", "created"]
    assert "disk on fire" in report.items[1].errors[0]
    assert not Claim.objects.filter(review_url__endswith="/2").exists()
    assert not Claimant.objects.filter(name="Only In Item Two").exists()
    assert not ClaimEvent.objects.filter(claim__review_url__endswith="/2").exists()


def test_duplicate_url_within_one_import_is_rejected(reviewer):
    report = import_claim_reviews([review(1), review(1)], reviewer)
    assert statuses(report) == ["created", "rejected"]


def test_data_feed_items_wrapped_in_data_feed_item_are_read(reviewer):
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [{"@type": "DataFeedItem", "item": review(1)}, review(2)],
    }
    assert statuses(import_claim_reviews(feed, reviewer)) == ["created", "created"]


def test_ten_thousand_items_with_bad_ones_among_them(editor):
    items = []
    for n in range(10_000):
        item = review(n)
        item["itemReviewed"]["author"]["name"] = f"Politician {n % 50}"
        del item["itemReviewed"]["appearance"]
        if n % 10 == 0:
            item["datePublished"] = "not a date"
        items.append(item)
    report = import_claim_reviews(items, editor)
    assert report.count("rejected") == 1_000
    assert report.count("created") == 9_000
    assert Claim.objects.count() == 9_000
    # Politicians 0, 10, 20, 30 and 40 appear only in rejected items: never created.
    assert Claimant.objects.count() == 45
    assert all("datePublished" in item.errors[0] for item in report.items[::10])


# --- The endpoint ------------------------------------------------------------------------------


def test_import_endpoint_reports_per_item(editor_api):
    response = editor_api.post(
        "/api/v1/claimreview/import/", [review(1), {"@type": "Nope"}], format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["created"], data["rejected"]) == (1, 1)
    assert data["items"][1]["errors"]
    assert Claim.objects.get().status == "draft"


def test_import_endpoint_needs_an_editor(anon_api, django_user_model):
    assert anon_api.post("/api/v1/claimreview/import/", review(1), format="json").status_code == 401
    nobody = token_client(django_user_model.objects.create_user("nobody", password="x" * 12))
    response = nobody.post("/api/v1/claimreview/import/", review(1), format="json")
    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_import_endpoint_caps_the_number_of_items(editor_api, settings):
    settings.CLAIMREVIEW_IMPORT_MAX_ITEMS = 2
    response = editor_api.post(
        "/api/v1/claimreview/import/", [review(1), review(2), review(3)], format="json"
    )
    assert response.status_code == 413
    assert "at most 2" in response.json()["detail"]
    assert not Claim.objects.exists()


def test_import_endpoint_refuses_a_body_over_the_size_limit(editor_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = editor_api.post(
        "/api/v1/claimreview/import/", [review(n) for n in range(20)], format="json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_import_endpoint_rejects_non_claimreview_json(editor_api):
    response = editor_api.post("/api/v1/claimreview/import/", "just a string", format="json")
    assert response.status_code == 400
    response = editor_api.post(
        "/api/v1/claimreview/import/", "<xml/>", content_type="application/xml"
    )
    assert response.status_code == 415


# --- The command -------------------------------------------------------------------------------


def test_command_imports_a_file_and_prints_a_summary(tmp_path, reviewer):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([review(1), review(2, claimReviewed="")]), encoding="utf-8")
    out, err = StringIO(), StringIO()
    report = tmp_path / "report.json"
    call_command(
        "importclaimreview",
        str(path),
        user=reviewer.username,
        report=str(report),
        stdout=out,
        stderr=err,
    )
    assert "2 items: 1 created, 0 updated, 0 unchanged, 1 rejected." in out.getvalue()
    assert "claimReviewed is missing" in err.getvalue()
    assert json.loads(report.read_text())["created"] == 1


def test_command_refuses_bad_json_and_unknown_users(tmp_path, reviewer):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("importclaimreview", str(path), user=reviewer.username)
    with pytest.raises(CommandError, match="No user"):
        call_command("importclaimreview", str(path), user="ghost")


def test_reworded_claim_updates_its_imported_origin_excerpt(reviewer):
    import_claim_reviews([review(1)], reviewer)
    reworded = review(1, claimReviewed="Crime has more than doubled in region 1")
    assert statuses(import_claim_reviews([reworded], reviewer)) == ["updated"]
    citation = Citation.objects.get()
    assert citation.excerpt == "Crime has more than doubled in region 1"
    assert citation.excerpt_state == "unknown"


def with_author(n: int, name: str) -> dict:
    item = review(n)
    item["itemReviewed"] = dict(item["itemReviewed"], author={"@type": "Person", "name": name})
    return item


def test_unstorable_text_rejects_its_item_only_and_control_characters_are_removed(reviewer):
    items = [
        review(1, claimReviewed="Crime\x1b has doubled\x0b in town"),
        with_author(2, "A Politician\x00"),
        review(3, url="https://factchecker.example/checks/\x00three"),
        review(4, claimReviewed="Lone \ud800 surrogate"),
        with_author(5, "Minister\x1b of State"),
    ]
    report = import_claim_reviews(items, reviewer)
    assert statuses(report) == ["created", "rejected", "rejected", "rejected", "created"]
    assert report.items[1].errors == ["itemReviewed.author.name: Null characters are not allowed."]
    assert report.items[2].errors == ["url: Null characters are not allowed."]
    assert "claimReviewed: Unpaired surrogate" in report.items[3].errors[0]
    first = Claim.objects.get(review_url="https://factchecker.example/checks/1")
    assert first.text == "Crime has doubled in town"
    assert Claimant.objects.filter(name="Minister of State").exists()
    assert Claim.objects.count() == 2


def test_import_endpoint_reports_unstorable_items_and_imports_the_rest(editor_api):
    body = json.dumps([review(1), with_author(2, "Nul\x00l"), review(3, claimReviewed="\ud800")])
    response = editor_api.post("/api/v1/claimreview/import/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["created"], data["rejected"]) == (1, 2)
    assert [item["status"] for item in data["items"]] == ["created", "rejected", "rejected"]
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    ("in_language", "expected"),
    [("es", "es"), ("es-419", "es"), ({"@type": "Language", "alternateName": "de"}, "de")],
)
def test_import_reads_the_claims_language_from_in_language(reviewer, in_language, expected):
    item = review(31, inLanguage=in_language)
    [result] = import_claim_reviews([item], reviewer).items
    assert Claim.objects.get(pk=result.claim_id).language == expected


def test_import_without_a_known_language_detects_it_from_the_claim(reviewer):
    item = review(
        32,
        inLanguage="tlh",
        claimReviewed="La delincuencia se ha duplicado en la región desde el año pasado",
    )
    [result] = import_claim_reviews([item], reviewer).items
    assert Claim.objects.get(pk=result.claim_id).language == "es"


def test_command_shows_a_progress_bar_and_runs_as_a_job(tmp_path, reviewer):
    from sources.models import ImportJob

    path = tmp_path / "feed.json"
    path.write_text(json.dumps([review(n) for n in range(150)]), encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("importclaimreview", str(path), user=reviewer.username, stdout=out, stderr=err)
    assert "150 items: 150 created" in out.getvalue()
    assert "100%" in err.getvalue() and "150/150" in err.getvalue()
    job = ImportJob.objects.get()
    assert (job.status, job.done, job.started_by) == ("done", 150, reviewer)


def test_command_background_queues_the_job_for_the_worker(tmp_path, reviewer, monkeypatch):
    from sources import tasks
    from sources.models import ImportJob

    queued = []
    monkeypatch.setattr(
        tasks.run_import_job, "apply_async", lambda args, **kwargs: queued.append(args)
    )
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([review(1), review(2)]), encoding="utf-8")
    out = StringIO()
    call_command(
        "importclaimreview", str(path), user=reviewer.username, background=True, stdout=out
    )
    job = ImportJob.objects.get()
    assert f"Queued import job {job.pk} (2 items)." in out.getvalue()
    assert queued == [(str(job.pk),)]
    assert job.status == "queued" and not Claim.objects.exists()


def test_command_resumes_an_interrupted_job(tmp_path, reviewer):
    from sources import import_jobs

    job = import_jobs.create_claimreview_job([review(n) for n in range(120)], reviewer)
    import_jobs.run_import_job(job.pk, deadline=time.monotonic())  # stopped before any item
    out, err = StringIO(), StringIO()
    call_command("importclaimreview", resume=str(job.pk), stdout=out, stderr=err)
    assert "120 items: 120 created" in out.getvalue()
    with pytest.raises(CommandError, match="No import job"):
        call_command("importclaimreview", resume="not-a-job")
    with pytest.raises(CommandError, match="--user"):
        call_command("importclaimreview", "feed.json")
