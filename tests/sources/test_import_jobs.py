"""sources/import_jobs.py and the run_import_job task: resumable, idempotent import jobs."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from claims.models import Claim, Claimant
from config.celery import app
from sources import claimreview_import, import_jobs, tasks
from sources.models import Citation, ImportJob, ImportJobItem, Source
from tests.factories import EditorFactory, UserFactory
from tests.support.claimreview import claim_review_item, claim_review_items
from tests.support.services import start_worker_process, stop_process, wait_for


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the runner may catch it."""


def kill_at(monkeypatch, index: int) -> None:
    real = claimreview_import._Importer.import_one

    def import_one(self, at, review):
        if at == index:
            raise WorkerKilled
        return real(self, at, review)

    monkeypatch.setattr(claimreview_import._Importer, "import_one", import_one)


@pytest.mark.django_db
def test_a_job_imports_every_item_and_reports_each(editor):
    job = import_jobs.create_claimreview_job(claim_review_items(250, bad_every=50), editor)
    assert (job.status, job.total, job.done) == ("queued", 250, 0)
    job = import_jobs.run_import_job(job.pk)
    assert (job.status, job.done, job.created, job.rejected) == ("done", 250, 245, 5)
    assert job.runs == 1 and job.started_at and job.finished_at
    report = import_jobs.job_report(job)
    assert [item["index"] for item in report["items"]] == list(range(250))
    rejected = [item for item in report["items"] if item["status"] == "rejected"]
    assert [item["index"] for item in rejected] == [0, 50, 100, 150, 200]
    assert all("datePublished" in item["errors"][0] for item in rejected)
    assert Claim.objects.count() == 245
    assert {item["claim_id"] for item in report["items"] if item["status"] == "created"} == set(
        Claim.objects.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_a_run_killed_mid_chunk_is_resumed_without_duplicates_or_losses(editor, monkeypatch):
    job = import_jobs.create_claimreview_job(claim_review_items(260), editor)
    kill_at(monkeypatch, 150)
    with pytest.raises(WorkerKilled):
        import_jobs.run_import_job(job.pk)
    job.refresh_from_db()
    # The first chunk was committed; the killed one left nothing behind.
    assert (job.status, job.done, job.created) == ("running", import_jobs.CHUNK_SIZE, 100)
    assert Claim.objects.count() == 100
    assert ImportJobItem.objects.filter(job=job, status="pending").count() == 160
    monkeypatch.undo()

    job = import_jobs.run_import_job(job.pk)
    assert (job.status, job.done, job.created, job.runs) == ("done", 260, 260, 2)
    assert Claim.objects.count() == 260
    assert Source.objects.count() == 260
    assert Citation.objects.count() == 260
    urls = list(Claim.objects.values_list("review_url", flat=True))
    assert len(set(urls)) == 260
    assert Claimant.objects.count() == 20


@pytest.mark.django_db
def test_running_a_finished_job_again_changes_nothing(editor):
    job = import_jobs.run_import_job(
        import_jobs.create_claimreview_job(claim_review_items(5), editor).pk
    )
    finished_at = job.finished_at
    again = import_jobs.run_import_job(job.pk)
    assert (again.status, again.done, again.created, again.runs) == ("done", 5, 5, 1)
    assert again.finished_at == finished_at
    assert Claim.objects.count() == 5


@pytest.mark.django_db
def test_reimporting_the_same_items_in_a_new_job_matches_them_by_review_url(editor):
    items = claim_review_items(30)
    import_jobs.run_import_job(import_jobs.create_claimreview_job(items, editor).pk)
    second = import_jobs.run_import_job(import_jobs.create_claimreview_job(items, editor).pk)
    assert (second.status, second.unchanged, second.created) == ("done", 30, 0)
    assert Claim.objects.count() == 30


@pytest.mark.django_db
def test_a_deadline_stops_the_run_and_the_next_run_continues(editor):
    job = import_jobs.create_claimreview_job(claim_review_items(30), editor)
    job = import_jobs.run_import_job(job.pk, deadline=time.monotonic())
    assert (job.status, job.done) == ("running", 0)
    job = import_jobs.run_import_job(job.pk)
    assert (job.status, job.done, job.runs) == ("done", 30, 2)


@pytest.mark.django_db
def test_progress_is_reported_after_each_chunk(editor):
    job = import_jobs.create_claimreview_job(claim_review_items(250), editor)
    seen = []
    import_jobs.run_import_job(job.pk, on_progress=lambda current: seen.append(current.done))
    assert seen == [100, 200, 250]


@pytest.mark.django_db
def test_a_repeated_review_url_is_rejected_also_after_a_resume(editor, monkeypatch):
    items = claim_review_items(150)
    items.append(claim_review_item(3))  # the same review as item 3, in the resumed part
    job = import_jobs.create_claimreview_job(items, editor)
    kill_at(monkeypatch, 120)
    with pytest.raises(WorkerKilled):
        import_jobs.run_import_job(job.pk)
    monkeypatch.undo()
    job = import_jobs.run_import_job(job.pk)
    last = job.items.get(index=150)
    assert last.status == "rejected"
    assert "appears earlier" in last.errors[0]
    assert Claim.objects.count() == 150


@pytest.mark.django_db
def test_hostile_text_in_items_is_reported_on_its_item_and_the_rest_imported(editor):
    items = claim_review_items(4)
    items[1]["claimReviewed"] = "Lone \ud800 surrogate"
    items[2]["itemReviewed"]["author"]["name"] = "Nul\x00 Name"
    items[3]["claimReviewed"] = "Escape \x1b[31m in text"
    job = import_jobs.create_claimreview_job(items, editor)
    job = import_jobs.run_import_job(job.pk)
    assert job.status == "done"
    assert job.items.get(index=0).status == "created"
    assert job.items.get(index=1).status == "rejected"
    if connection.vendor == "postgresql":  # SQLite stores NULs; PostgreSQL refuses them
        assert job.items.get(index=2).status == "rejected"
    assert job.created + job.rejected == 4
    # The report itself is stored (PostgreSQL's jsonb refuses NULs and surrogates).
    assert all(isinstance(item["errors"], list) for item in import_jobs.job_report(job)["items"])


@pytest.mark.django_db
def test_a_job_whose_user_may_no_longer_import_fails_with_the_reason(editor):
    job = import_jobs.create_claimreview_job(claim_review_items(3), editor)
    editor.groups.clear()
    job = import_jobs.run_import_job(job.pk)
    assert job.status == "failed"
    assert "Only editors and reviewers" in job.error
    assert not Claim.objects.exists()


@pytest.mark.django_db
def test_only_editors_can_create_a_job():
    with pytest.raises(claimreview_import.workflow.NotAllowed):
        import_jobs.create_claimreview_job(claim_review_items(1), UserFactory(is_staff=False))
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_of_two_copies_of_one_task_message_only_one_hands_the_job_over(editor):
    job = import_jobs.create_claimreview_job(claim_review_items(1), editor)
    assert import_jobs.assign_task(job.pk, "first")
    # A redelivered copy of "first" runs alongside it: the first to finish hands over.
    assert import_jobs.assign_task(job.pk, "second", replacing="first")
    assert not import_jobs.assign_task(job.pk, "third", replacing="first")
    assert import_jobs.is_current_task(job.pk, "second")
    assert not import_jobs.is_current_task(job.pk, "first")


def test_storable_spells_out_control_characters_nuls_and_surrogates():
    assert import_jobs.storable("plain text\twith tab") == "plain text\twith tab"
    assert import_jobs.storable("a\x00b\x1bc\ud800") == "a\\x00b\\x1bc\\ud800"


@pytest.mark.django_db
def test_stalled_jobs_are_found_and_queued_again(editor, eager, settings):
    settings.IMPORT_JOB_STALE_SECONDS = 60
    stalled = import_jobs.create_claimreview_job(claim_review_items(2), editor)
    fresh = import_jobs.create_claimreview_job([claim_review_item(9)], editor)
    finished = import_jobs.create_claimreview_job([claim_review_item(8)], editor)
    import_jobs.run_import_job(finished.pk)
    ImportJob.objects.filter(pk__in=[stalled.pk, finished.pk]).update(
        created_at=timezone.now() - timedelta(hours=1),
        heartbeat_at=timezone.now() - timedelta(minutes=5),
    )
    import_jobs.assign_task(stalled.pk, "lost-message")
    assert import_jobs.stalled_import_jobs() == [(str(stalled.pk), "lost-message")]
    assert tasks.resume_stalled_imports.delay().get() == 1
    stalled.refresh_from_db()
    fresh.refresh_from_db()
    assert (stalled.status, stalled.done) == ("done", 2)
    assert fresh.status == "queued"


def test_beat_sweeps_for_stalled_import_jobs(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["resume-stalled-imports"]
    assert entry["task"] == tasks.resume_stalled_imports.name
    # More often than a job is considered stalled, so a lost job waits at most twice as long.
    assert entry["schedule"].total_seconds() < settings.IMPORT_JOB_STALE_SECONDS


@pytest.mark.django_db
def test_the_task_runs_a_job_to_the_end_in_process(editor, eager):
    job = import_jobs.create_claimreview_job(claim_review_items(120), editor)
    assert tasks.run_import_job.delay(str(job.pk)).get() == "done"
    assert ImportJob.objects.get(pk=job.pk).created == 120


@pytest.mark.django_db
def test_the_task_marks_the_job_failed_on_an_unexpected_error(editor, eager, monkeypatch):
    job = import_jobs.create_claimreview_job(claim_review_items(2), editor)
    monkeypatch.setattr(
        import_jobs, "import_chunk", lambda *args, **kwargs: 1 / 0
    )  # a bug in the runner itself, not in one item
    with pytest.raises(ZeroDivisionError):
        tasks.run_import_job.delay(str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed"
    assert "ZeroDivisionError" in job.error


# --- A real worker, killed mid-import -------------------------------------------------------

BIG_IMPORT = 10_000
BAD_EVERY = 500  # 20 items with an unreadable date among the 10,000


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_ten_thousand_item_job_finishes_after_its_worker_is_killed_mid_import(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL")
    app.conf.task_always_eager = False
    app.control.purge()
    editor = EditorFactory()
    job = import_jobs.create_claimreview_job(
        claim_review_items(BIG_IMPORT, bad_every=BAD_EVERY), editor
    )
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    # Short slices (under the 4 s visibility timeout): the job crosses many task messages.
    worker_env = {"IMPORT_JOB_SLICE_SECONDS": "2"}
    first = start_worker_process("import-doomed", first_log, **worker_env)
    second = None
    try:
        assert tasks.enqueue_import_job(job.pk)
        wait_for(
            lambda: ImportJob.objects.get(pk=job.pk).done >= 1_500,
            600,
            lambda: "the job made no progress: " + first_log.read_text()[-3000:],
            interval=0.05,
        )
        stop_process(first, signal.SIGKILL)  # mid-chunk, without warning
        killed = ImportJob.objects.get(pk=job.pk)
        assert killed.status == "running"
        assert killed.done < BIG_IMPORT
        # Only whole chunks were committed: the claims match the items marked done.
        assert Claim.objects.count() == killed.created + killed.updated + killed.unchanged
        second = start_worker_process("import-rescuer", second_log, **worker_env)
        wait_for(
            lambda: ImportJob.objects.get(pk=job.pk).is_finished,
            # About two minutes on a quiet 2-core machine; a shared, loaded one is far slower.
            1800,
            lambda: "the job was not resumed: " + second_log.read_text()[-3000:],
            interval=0.5,
        )
    finally:
        stop_process(first, signal.SIGKILL)
        if second is not None:
            stop_process(second)
        app.control.purge()
    job.refresh_from_db()
    bad = BIG_IMPORT // BAD_EVERY
    assert (job.status, job.done, job.created, job.rejected) == (
        "done",
        BIG_IMPORT,
        BIG_IMPORT - bad,
        bad,
    )
    assert job.runs >= 3  # the killed run, the redelivered one, and the slices after it
    assert not job.items.filter(status="pending").exists()
    # Nothing duplicated, nothing lost: one claim, one source and one citation per good item.
    assert Claim.objects.count() == BIG_IMPORT - bad
    assert Claim.objects.values("review_url").distinct().count() == BIG_IMPORT - bad
    assert Source.objects.count() == BIG_IMPORT - bad
    assert Citation.objects.count() == BIG_IMPORT - bad
    assert Claimant.objects.count() == 20
    report = import_jobs.job_report(job)
    assert [item["index"] for item in report["items"] if item["status"] == "rejected"] == list(
        range(0, BIG_IMPORT, BAD_EVERY)
    )
