"""Read-only admin for import jobs: a progress bar per job and each job's report.

Editors see the jobs they started (the API's rule: `ImportJob.objects.visible_to`),
superusers everyone's. Registered from sources/admin.py.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from claims import workflow
from sources.import_jobs import job_report
from sources.models import ImportJob

# Rows of the report shown on a job's page: the problems first; the API has every item.
REPORT_ROWS = 500


def progress_bar(job: ImportJob) -> str:
    return format_html(
        '<progress value="{}" max="{}" aria-label="{} of {} items done">{}%</progress> {}/{}',
        job.done,
        job.total or 1,
        job.done,
        job.total,
        job.percent_done,
        job.done,
        job.total,
    )


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "progress", "rejected", "started_by", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["started_by"]
    ordering = ["-created_at"]
    fields = [
        "kind",
        "status",
        "progress",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "error",
        "runs",
        "started_by",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "report",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return ImportJob.objects.visible_to(request.user).select_related("started_by")

    # Read-only for everyone: jobs are written by the importer only.
    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or workflow.can_edit(request.user)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Progress")
    def progress(self, obj: ImportJob) -> str:
        return progress_bar(obj)

    @admin.display(description="Report")
    def report(self, obj: ImportJob) -> str:
        items = job_report(obj)["items"]
        # Rejected items and items with warnings first: they are what needs a look.
        items.sort(
            key=lambda item: (item["status"] != "rejected", not item["warnings"], item["index"])
        )
        shown = items[:REPORT_ROWS]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    item["index"],
                    item["status"],
                    item["url"],
                    _claim_link(item["claim_id"]),
                    "; ".join(item["errors"] + item["warnings"]),
                )
                for item in shown
            ),
        )
        more = (
            format_html(
                "<p>{} more items: the full report is at {}.</p>",
                len(items) - len(shown),
                reverse("api:importjob-detail", args=[obj.pk]),
            )
            if len(items) > len(shown)
            else ""
        )
        return format_html(
            "<table><caption>Items done: {}</caption><thead><tr><th>#</th><th>Outcome</th>"
            "<th>Review URL</th><th>Claim</th><th>Errors and warnings</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            len(items),
            rows,
            more,
        )


def _claim_link(claim_id: int | None) -> str:
    if claim_id is None:
        return ""
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:claims_claim_change", args=[claim_id]), claim_id
    )
