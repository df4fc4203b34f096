"""sources/import_admin.py: the read-only import jobs admin with its progress bars and report."""

from __future__ import annotations

import pytest
from django.test import Client

from sources import import_jobs
from sources.models import ImportJob
from tests.factories import EditorFactory
from tests.support.claimreview import claim_review_items

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/sources/importjob/"


def finished_job(user, count: int = 5) -> ImportJob:
    items = claim_review_items(count, bad_every=2)
    return import_jobs.run_import_job(import_jobs.create_claimreview_job(items, user).pk)


def test_the_changelist_shows_each_job_with_a_progress_bar(editor, editor_client):
    queued = import_jobs.create_claimreview_job(claim_review_items(4), editor)
    finished_job(editor)
    page = editor_client.get(CHANGELIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<progress value="5" max="5"' in html
    assert '<progress value="0" max="4"' in html
    assert str(queued.pk) in html


def test_the_job_page_shows_progress_and_the_report_problems_first(editor, editor_client):
    job = finished_job(editor)
    page = editor_client.get(f"{CHANGELIST}{job.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<progress value="5" max="5"' in html
    # Items 0, 2 and 4 were rejected: they head the report with their reasons.
    rows = html.split("<tbody>", 2)[-1]
    assert rows.index("<td>0</td><td>rejected</td>") < rows.index("<td>1</td><td>created</td>")
    assert "datePublished" in html
    assert 'name="_save"' not in html  # read-only: nothing to save


def test_editors_see_only_their_own_jobs_and_superusers_everyones(editor, superuser):
    job = finished_job(editor)
    other = Client()
    other.force_login(EditorFactory())
    assert str(job.pk) not in other.get(CHANGELIST).content.decode()
    assert other.get(f"{CHANGELIST}{job.pk}/change/").status_code == 302  # "does not exist"
    admin = Client()
    admin.force_login(superuser)
    assert admin.get(f"{CHANGELIST}{job.pk}/change/").status_code == 200


def test_jobs_cannot_be_added_changed_or_deleted_in_the_admin(editor, editor_client, superuser):
    job = finished_job(editor)
    assert editor_client.get(f"{CHANGELIST}add/").status_code == 403
    admin = Client()
    admin.force_login(superuser)
    assert admin.get(f"{CHANGELIST}{job.pk}/delete/").status_code == 403
    assert admin.post(f"{CHANGELIST}{job.pk}/change/", {"status": "queued"}).status_code == 403
    assert ImportJob.objects.get().status == "done"
