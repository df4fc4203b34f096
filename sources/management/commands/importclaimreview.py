"""Import ClaimReview JSON from a file: one ClaimReview, a list of them, or a DataFeed.

The import acts as --user: a reviewer's import is published, an editor's becomes drafts
(see sources/claimreview_import.py). It runs as an import job (sources/import_jobs.py): here,
with a progress bar, or with --background on a Celery worker. An interrupted run continues
with --resume JOB_ID. Lives in `sources` because it writes origin sources.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.claimreview import ClaimReviewError
from claims.workflow import NotAllowed
from sources import import_jobs, tasks
from sources.models import ImportJob


class Command(BaseCommand):
    help = "Import ClaimReview JSON (a ClaimReview, a list, or a schema.org DataFeed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="JSON file, or - for standard input.")
        parser.add_argument(
            "--user", help="Username to import as (editor: drafts; reviewer: published)."
        )
        parser.add_argument("--report", help="Write the full per-item report to this JSON file.")
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the import as a job for the Celery worker and print its id.",
        )
        parser.add_argument("--resume", metavar="JOB_ID", help="Continue an interrupted job.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, file: str | None, user: str | None, **options) -> None:
        if options["resume"]:
            job = self._job(options["resume"])
        else:
            if not file or not user:
                raise CommandError("Give a file and --user (or --resume JOB_ID).")
            job = self._create_job(file, self._user(user))
        if options["background"]:
            if not tasks.enqueue_import_job(job.pk):
                import_jobs.fail_import_job(job.pk, "The job queue could not be reached.")
                raise CommandError("The job queue cannot be reached: nothing was imported.")
            self.stdout.write(f"Queued import job {job.pk} ({job.total} items).")
            return
        job = self._run(job, progress=not options["no_progress"])
        self._summarise(job, options["report"])

    def _user(self, username: str):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None

    def _job(self, job_id: str) -> ImportJob:
        try:
            return ImportJob.objects.get(pk=job_id)
        except (ImportJob.DoesNotExist, ValidationError):
            raise CommandError(f"No import job {job_id!r}.") from None

    def _create_job(self, file: str, user) -> ImportJob:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
            payload = json.loads(text)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(f"{file} is not JSON: {error}") from None
        try:
            return import_jobs.create_claimreview_job(payload, user)
        except (ClaimReviewError, NotAllowed) as error:
            raise CommandError(str(error)) from None

    def _run(self, job: ImportJob, progress: bool) -> ImportJob:
        # tqdm writes carriage returns: it needs the raw stream, not Django's line wrapper.
        with tqdm(
            total=job.total,
            initial=job.done,
            unit="item",
            file=self.stderr._out,
            disable=not progress,
            ascii=True,
        ) as bar:

            def advance(current: ImportJob) -> None:
                bar.update(current.done - bar.n)

            job = import_jobs.run_import_job(job.pk, on_progress=advance)
            bar.update(job.done - bar.n)
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"Import job {job.pk} failed: {job.error}")
        return job

    def _summarise(self, job: ImportJob, report_path: str | None) -> None:
        summary = import_jobs.job_report(job)
        for item in summary["items"]:
            if item["status"] == "rejected":
                self.stderr.write(f"item {item['index']}: rejected: {'; '.join(item['errors'])}")
            for warning in item["warnings"]:
                self.stderr.write(f"item {item['index']}: warning: {warning}")
        if report_path:
            Path(report_path).write_text(
                json.dumps(summary | {"job": str(job.pk)}, indent=2), encoding="utf-8"
            )
        self.stdout.write(
            "{total} items: {created} created, {updated} updated, {unchanged} unchanged, "
            "{rejected} rejected.".format(**summary)
        )
