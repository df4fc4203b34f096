"""sources/import_api.py: the import endpoint's synchronous and background paths, and the job
resource `/api/v1/imports/{id}/` (its owner and administrators only)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError as BrokerError

from claims.models import Claim
from sources import tasks
from sources.models import ImportJob
from tests.factories import EditorFactory, UserFactory
from tests.support.builders import token_client
from tests.support.claimreview import claim_review_item, claim_review_items

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/claimreview/import/"


@pytest.fixture
def sync_limit(settings):
    settings.IMPORT_SYNC_MAX_ITEMS = 3
    return 3


def test_a_small_import_answers_200_with_its_report_and_job(editor_api, sync_limit):
    response = editor_api.post(IMPORT, claim_review_items(3), format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["total"], data["created"]) == (3, 3)
    assert [item["status"] for item in data["items"]] == ["created"] * 3
    job = editor_api.get(data["job"]).json()
    assert (job["status"], job["done"], job["progress"]) == ("done", 3, 1.0)
    assert Claim.objects.count() == 3


def test_an_import_above_the_sync_size_answers_202_with_the_job(editor_api, eager, sync_limit):
    response = editor_api.post(IMPORT, claim_review_items(4), format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["url"]
    assert urlsplit(body["url"]).path.rstrip("/") == f"/api/v1/imports/{body['id']}"
    assert body["total"] == 4
    # In-process (no broker) the job has already run; a worker would be running it now.
    job = editor_api.get(response["Location"]).json()
    assert (job["status"], job["done"], job["created"], job["progress"]) == ("done", 4, 4, 1.0)
    assert job["report"]["created"] == 4
    assert [item["index"] for item in job["report"]["items"]] == [0, 1, 2, 3]
    assert job["started_by"] == ImportJob.objects.get().started_by.username
    assert Claim.objects.count() == 4


def test_a_queued_job_shows_its_status_and_progress_before_it_runs(
    editor_api, sync_limit, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        tasks.run_import_job, "apply_async", lambda args, **kwargs: queued.append(args)
    )
    response = editor_api.post(IMPORT, claim_review_items(5), format="json")
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert queued == [(job_id,)]
    job = editor_api.get(response["Location"]).json()
    assert (job["status"], job["done"], job["total"], job["progress"]) == ("queued", 0, 5, 0.0)
    assert job["report"]["items"] == []
    assert not Claim.objects.exists()


def test_a_sync_import_that_runs_out_of_time_continues_as_a_job(editor_api, eager, settings):
    settings.IMPORT_SYNC_SECONDS = 0
    response = editor_api.post(IMPORT, claim_review_items(2), format="json")
    assert response.status_code == 202, response.content
    assert editor_api.get(response["Location"]).json()["created"] == 2


def test_bad_items_are_reported_per_item_in_the_job(editor_api, eager, sync_limit):
    items = claim_review_items(6)
    items[1] = {"@type": "ClaimReview", "url": "https://factchecker.example/x"}
    items[4]["datePublished"] = "soon"
    items[5] = claim_review_item(0)  # the same review as item 0
    response = editor_api.post(IMPORT, items, format="json")
    assert response.status_code == 202
    report = editor_api.get(response["Location"]).json()["report"]
    assert (report["created"], report["rejected"]) == (3, 3)
    by_index = {item["index"]: item for item in report["items"]}
    assert by_index[1]["errors"] and by_index[1]["status"] == "rejected"
    assert "datePublished" in by_index[4]["errors"][0]
    assert "appears earlier" in by_index[5]["errors"][0]
    assert by_index[0]["claim_id"] == Claim.objects.get(review_url=items[0]["url"]).pk


def test_another_users_job_answers_404_like_a_missing_one(editor_api, eager, sync_limit):
    location = editor_api.post(IMPORT, claim_review_items(4), format="json")["Location"]
    other = token_client(EditorFactory())
    mine = other.get(location)
    missing = other.get(f"/api/v1/imports/{uuid.uuid4()}/")
    assert mine.status_code == missing.status_code == 404
    assert mine.json() == missing.json() | {"detail": mine.json()["detail"]}
    assert mine.json()["code"] == missing.json()["code"] == "not_found"
    assert other.get("/api/v1/imports/").json()["results"] == []


def test_anonymous_clients_see_no_job(editor_api, anon_api, eager, sync_limit):
    location = editor_api.post(IMPORT, claim_review_items(4), format="json")["Location"]
    assert anon_api.get(location).status_code == 401
    assert anon_api.get(f"/api/v1/imports/{uuid.uuid4()}/").status_code == 401
    assert anon_api.get("/api/v1/imports/").status_code == 401


def test_administrators_see_every_job_and_users_list_their_own(editor_api, eager, sync_limit):
    location = editor_api.post(IMPORT, claim_review_items(4), format="json")["Location"]
    admin = token_client(UserFactory(username="admin", is_superuser=True))
    assert admin.get(location).status_code == 200
    listed = editor_api.get("/api/v1/imports/").json()["results"]
    assert [job["url"] for job in listed] == [location]
    assert "report" not in listed[0]


def test_a_non_uuid_job_id_answers_404(editor_api):
    assert editor_api.get("/api/v1/imports/12/").status_code == 404
    assert editor_api.get("/api/v1/imports/not-a-job/").status_code == 404


def test_the_job_detail_costs_the_same_queries_whatever_its_size(editor_api, eager, sync_limit):
    small = editor_api.post(IMPORT, claim_review_items(4), format="json")["Location"]
    items = [claim_review_item(n) for n in range(100, 160)]
    large = editor_api.post(IMPORT, items, format="json")["Location"]
    counts = []
    for location in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert editor_api.get(location).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_when_the_job_queue_is_down_the_import_answers_503_and_imports_nothing(
    editor_api, sync_limit, monkeypatch
):
    def broker_down(args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_import_job, "apply_async", broker_down)
    response = editor_api.post(IMPORT, claim_review_items(5), format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert "nothing was imported" in response.json()["detail"]
    job = ImportJob.objects.get()
    assert job.status == "failed" and "queue" in job.error
    assert not Claim.objects.exists()


def test_an_import_over_the_item_limit_creates_no_job(editor_api, settings):
    settings.CLAIMREVIEW_IMPORT_MAX_ITEMS = 2
    assert editor_api.post(IMPORT, claim_review_items(3), format="json").status_code == 413
    assert not ImportJob.objects.exists()


def test_an_import_by_a_user_who_may_not_edit_creates_no_job(django_user_model):
    nobody = token_client(django_user_model.objects.create_user("nobody", password="x" * 12))
    assert nobody.post(IMPORT, claim_review_items(1), format="json").status_code == 403
    assert not ImportJob.objects.exists()
