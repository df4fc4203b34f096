"""REST API for imports: `POST claimreview/import/` and the job resource `imports/{id}/`.

Small imports run within the request and answer 200 with the report; larger ones (or a small
one that runs out of IMPORT_SYNC_SECONDS) continue as a background job and answer 202 with
the job's address. A job is visible to the user who started it and to administrators only.
"""

from __future__ import annotations

import time

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from claims import workflow
from claims.claimreview import ClaimReviewError, claim_review_items
from config.api.errors import READ_ERRORS, WRITE_ERRORS, error_responses
from config.api.exceptions import PayloadTooLarge, ServiceUnavailable
from config.api.pagination import ApiCursorPagination
from config.api.parsers import LimitedJSONParser
from sources import import_jobs, tasks
from sources.models import ImportJob

ITEM_STATUSES = ["created", "updated", "unchanged", "rejected"]


class ImportItemSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ITEM_STATUSES)
    url = serializers.CharField()
    claim_id = serializers.IntegerField(allow_null=True)
    errors = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())


class ImportReportSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    items = ImportItemSerializer(many=True)


class SyncImportReportSerializer(ImportReportSerializer):
    job = serializers.URLField(help_text="The import's job resource.")


class ImportJobSerializer(serializers.ModelSerializer):
    """A job's state and progress; the detail view adds the per-item report."""

    url = serializers.SerializerMethodField()
    started_by = serializers.CharField(source="started_by.username", default=None)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "kind",
            "status",
            "progress",
            "total",
            "done",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "error",
            "runs",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, job: ImportJob) -> str:
        return job_url(job, self.context.get("request"))

    def get_progress(self, job: ImportJob) -> float:
        """Share of the items done, 0 to 1."""
        return round(job.done / job.total, 4) if job.total else 1.0


class ImportJobDetailSerializer(ImportJobSerializer):
    report = serializers.SerializerMethodField()

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "report"]
        read_only_fields = fields

    @extend_schema_field(ImportReportSerializer)
    def get_report(self, job: ImportJob) -> dict:
        return import_jobs.job_report(job)


def job_url(job: ImportJob, request: Request | None) -> str:
    return reverse("api:importjob-detail", args=[job.pk], request=request)


def max_import_items() -> int:
    return settings.CLAIMREVIEW_IMPORT_MAX_ITEMS


class ClaimReviewImportView(APIView):
    """Import ClaimReview JSON: one ClaimReview, a list of them, or a schema.org DataFeed.

    Reviewers' imports are published; editors' imports are drafts for review. Each item is
    reported as created, updated, unchanged or rejected (with reasons). Up to
    IMPORT_SYNC_MAX_ITEMS items answer 200 with the report; more answer 202 with the job
    (`Location` header): follow it for progress and the report.
    """

    permission_classes = [IsAuthenticated]
    parser_classes = [LimitedJSONParser]  # ClaimReview is JSON; anything else is a 415

    @extend_schema(
        summary="Import ClaimReview (editors: drafts; reviewers: published)",
        request=OpenApiTypes.OBJECT,
        responses={
            200: SyncImportReportSerializer,
            202: ImportJobSerializer,
            **error_responses(*WRITE_ERRORS, 413, 503),
        },
        examples=[
            OpenApiExample(
                "One ClaimReview",
                value={
                    "@context": "https://schema.org",
                    "@type": "ClaimReview",
                    "url": "https://factchecker.example/checks/1",
                    "claimReviewed": "Crime has doubled",
                    "datePublished": "2024-11-12",
                    "reviewRating": {"@type": "Rating", "alternateName": "False"},
                    "itemReviewed": {
                        "@type": "Claim",
                        "author": {"@type": "Person", "name": "A Politician"},
                    },
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        if not workflow.can_edit(request.user):
            raise workflow.NotAllowed("Only editors and reviewers can import ClaimReview.")
        try:
            items = claim_review_items(request.data)
        except ClaimReviewError as error:
            raise serializers.ValidationError({"non_field_errors": error.reasons}) from None
        if len(items) > max_import_items():
            raise PayloadTooLarge(
                f"{len(items)} items: at most {max_import_items()} per request; "
                "split the file or use `manage.py importclaimreview`."
            )
        job = import_jobs.create_claimreview_job(items, request.user)
        if len(items) <= settings.IMPORT_SYNC_MAX_ITEMS:
            job = import_jobs.run_import_job(
                job.pk, deadline=time.monotonic() + settings.IMPORT_SYNC_SECONDS
            )
            if job.is_finished:
                report = import_jobs.job_report(job) | {"job": job_url(job, request)}
                return Response(report)
        if not tasks.enqueue_import_job(job.pk) and not job.done:
            import_jobs.fail_import_job(job.pk, "The job queue could not be reached.")
            raise ServiceUnavailable(
                "The job queue cannot be reached: nothing was imported. Try again later."
            )
        # (Queued with items done: the stalled-job sweep queues the rest once the broker is back.)
        job.refresh_from_db()
        body = ImportJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


@extend_schema_view(
    list=extend_schema(
        summary="Your import jobs, newest first (administrators: everyone's)",
        responses={200: ImportJobSerializer(many=True), **error_responses(*READ_ERRORS, 401)},
    ),
    retrieve=extend_schema(
        summary="An import job: status, progress and the per-item report",
        responses={200: ImportJobDetailSerializer, **error_responses(*READ_ERRORS, 401)},
    ),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Import jobs. Another user's job answers 404, exactly like a missing one."""

    permission_classes = [IsAuthenticated]
    pagination_class = ApiCursorPagination
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        return ImportJob.objects.visible_to(self.request.user).select_related("started_by")

    def get_serializer_class(self):
        return ImportJobDetailSerializer if self.action == "retrieve" else ImportJobSerializer
