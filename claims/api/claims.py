"""The claim resource: a claim with everything a reader needs to judge it, the workflow's
actions on it, and similar claims.

Readers see published claims, editors everything (`Claim.objects.visible_to`); every state
change goes through `claims.workflow`. Citations are read through `claim.citations` (served and
written by `sources.api`, which claims never imports).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import BaseFilterBackend, OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from claims import matching, search, workflow
from claims.api import representation
from claims.api.claimants import ClaimantSummarySerializer, RatingSerializer, TopicSerializer
from claims.api.figures import NestedFigureSerializer
from claims.api.languages import LanguageField
from claims.api.parts import ChangeNoteSerializer
from claims.api.visibility import visible_claimants
from claims.claimreview import claim_review
from claims.languages import detect_language, language_choices
from claims.models import Claim, Claimant, Correction, Figure, Rating, Topic, sees_unpublished
from config.api.conditional import ConditionalRetrieveMixin, conditional_response
from config.api.errors import READ_ERRORS, WRITE_ERRORS, error_responses
from config.api.pagination import ApiCursorPagination

# --- Read-only building blocks -------------------------------------------------------------


class CitedSourceSerializer(serializers.Serializer):
    """The cited source and its live monitoring state (full record at /api/v1/sources/{id}/)."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(read_only=True)
    title = serializers.CharField(read_only=True)
    publisher = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    state = serializers.CharField(
        read_only=True, help_text=_("unchecked, ok, changed, redirected, …")
    )
    last_checked_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ClaimCitationSerializer(serializers.Serializer):
    """A citation as shown with its claim; edit citations at /api/v1/citations/."""

    id = serializers.IntegerField(read_only=True)
    role = serializers.CharField(read_only=True)
    excerpt = serializers.CharField(read_only=True)
    cited_figure = serializers.CharField(read_only=True)
    excerpt_state = serializers.CharField(
        read_only=True, help_text=_("present, moved, missing, figure_changed, unknown")
    )
    found_text = serializers.CharField(read_only=True)
    found_figure = serializers.CharField(read_only=True)
    excerpt_checked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    source = CitedSourceSerializer(read_only=True)

    def to_representation(self, citation) -> dict:
        # Every claim in a list carries its citations: plain attribute reads instead of DRF's
        # per-field dispatch (same output, tested against the generic path).
        source = citation.source
        return {
            "id": citation.id,
            "role": citation.role,
            "excerpt": citation.excerpt,
            "cited_figure": citation.cited_figure,
            "excerpt_state": citation.excerpt_state,
            "found_text": citation.found_text,
            "found_figure": citation.found_figure,
            "excerpt_checked_at": _datetime(citation.excerpt_checked_at),
            "source": {
                "id": source.id,
                "url": source.url,
                "title": source.title,
                "publisher": source.publisher,
                "kind": source.kind,
                "state": source.state,
                "last_checked_at": _datetime(source.last_checked_at),
            },
        }


_DATETIME = serializers.DateTimeField()


def _datetime(value) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


class CorrectionSerializer(serializers.ModelSerializer):
    previous_rating = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    new_rating = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Correction
        fields = [
            "id",
            "kind",
            "created_at",
            "what_changed",
            "reason",
            "previous_rating",
            "new_rating",
        ]


# --- Claims --------------------------------------------------------------------------------


class CorrectionNoteSerializer(serializers.Serializer):
    what_changed = serializers.CharField(max_length=2000)
    reason = serializers.CharField(max_length=2000)


class ClaimSerializer(serializers.ModelSerializer):
    """A claim with everything a reader needs to judge it; writes go through the workflow."""

    claimant = ClaimantSummarySerializer(read_only=True)
    rating = RatingSerializer(read_only=True, allow_null=True)
    topics = TopicSerializer(many=True, read_only=True)
    figures = NestedFigureSerializer(many=True, read_only=True)
    citations = ClaimCitationSerializer(many=True, read_only=True)
    corrections = CorrectionSerializer(many=True, read_only=True)
    page_url = serializers.SerializerMethodField()
    language = LanguageField(
        required=False,
        help_text="The language the claim was made in (ISO 639-1); detected from the text "
        "when a new claim does not give it.",
    )

    claimant_id = serializers.PrimaryKeyRelatedField(
        source="claimant", queryset=Claimant.objects.all(), write_only=True
    )
    rating_id = serializers.PrimaryKeyRelatedField(
        source="rating",
        queryset=Rating.objects.all(),
        write_only=True,
        allow_null=True,
        required=False,
    )
    topic_ids = serializers.PrimaryKeyRelatedField(
        source="topics", queryset=Topic.objects.all(), many=True, write_only=True, required=False
    )
    correction = CorrectionNoteSerializer(
        write_only=True,
        required=False,
        help_text=_("Required when a reviewer changes the rating of a published claim."),
    )
    change = ChangeNoteSerializer(
        write_only=True,
        required=False,
        help_text=_(
            "Required for any change readers see of a published claim (reviewers only): "
            "a correction or an update. `correction` is the older spelling of a correction."
        ),
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "title",
            "slug",
            "text",
            "language",
            "claimant",
            "claimant_id",
            "stated_on",
            "appearance_url",
            "venue",
            "topics",
            "topic_ids",
            "status",
            "rating",
            "rating_id",
            "verdict_summary",
            "analysis",
            "published_at",
            "updated_at",
            "needs_attention",
            "attention_reason",
            "review_url",
            "page_url",
            "figures",
            "citations",
            "corrections",
            "correction",
            "change",
        ]
        read_only_fields = [
            "slug",
            "status",
            "published_at",
            "updated_at",
            "needs_attention",
            "attention_reason",
            "review_url",
        ]

    def get_page_url(self, claim: Claim) -> str:
        return settings.SITE_URL + claim.get_absolute_url()

    def create(self, validated_data: dict) -> Claim:
        user = self.context["request"].user
        topics = validated_data.pop("topics", None)
        validated_data.pop("correction", None)
        validated_data.pop("change", None)
        if "language" not in validated_data:
            # Not given: the language the claim is written in, as intake detects it.
            validated_data["language"] = detect_language(validated_data.get("text", ""))
        with transaction.atomic():
            claim = workflow.create_claim(Claim(**validated_data), user)
            if topics is not None:
                claim.topics.set(topics)
        return claim

    def update(self, claim: Claim, validated_data: dict) -> Claim:
        user = self.context["request"].user
        topics = validated_data.pop("topics", None)
        note = validated_data.pop("correction", None)
        change = ChangeNoteSerializer.to_note(validated_data.pop("change", None))
        for field, value in validated_data.items():
            setattr(claim, field, value)
        correction = workflow.CorrectionNote(**note) if note else None
        with transaction.atomic():
            workflow.save_claim(claim, user, correction=correction, change=change)
            if topics is not None:
                claim.topics.set(topics)
        return claim


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(filters.ModelMultipleChoiceFilter):
    """Any of several objects, named by slug (`?rating=accurate&rating=inaccurate`)."""


class ClaimFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Claim.Status.choices)
    rating = SlugsFilter(
        field_name="rating__slug", to_field_name="slug", queryset=Rating.objects.all()
    )
    rating_bucket = filters.MultipleChoiceFilter(
        field_name="rating__bucket", choices=Rating.Bucket.choices
    )
    claimant = filters.ModelChoiceFilter(queryset=visible_claimants)
    claimant_slug = filters.CharFilter(field_name="claimant__slug")
    language = filters.ChoiceFilter(
        choices=language_choices, help_text="Claims made in this language (ISO 639-1 code)."
    )
    topic = filters.CharFilter(method="filter_topic", help_text="Topic slug.")
    stated_on = filters.DateFromToRangeFilter()
    published_at = filters.DateFromToRangeFilter(field_name="published_at__date")
    needs_attention = filters.BooleanFilter()
    source_state = filters.CharFilter(
        method="filter_source_state",
        help_text=_("Claims citing at least one source in this state (e.g. broken)."),
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_topic(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        # A subquery, not a join, so a claim in two topics is not listed twice.
        through = Claim.topics.through.objects.filter(topic__slug=value)
        return queryset.filter(pk__in=through.values("claim_id"))

    def filter_source_state(
        self, queryset: QuerySet[Claim], name: str, value: str
    ) -> QuerySet[Claim]:
        citing = Claim.objects.filter(citations__source__state=value).values("pk")
        return queryset.filter(pk__in=citing)


class ClaimSearchFilter(BaseFilterBackend):
    """`?search=` full-text search; results are ordered by relevance unless `ordering` is given."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        query = request.query_params.get("search", "")
        if not query.strip():
            return queryset
        # The claims are already narrowed to `?language=` (validated) by the filter set.
        language = request.query_params.get("language") or None
        return search.ranked_claims(queryset, query, language)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "search",
                "required": False,
                "in": "query",
                "description": "Full-text search in title, text, verdict and claimant.",
                "schema": {"type": "string"},
            }
        ]


def repeat_warnings(claim: Claim) -> list[dict]:
    """The `warnings` of submit and publish: published claims this one may repeat."""
    return [
        {
            "code": "possible_repeat",
            "message": _("This claim may repeat the published fact check “%(title)s”.")
            % {"title": s.claim.title},
            "claim": s.claim.pk,
            "title": s.claim.title,
            "score": round(s.score, 2),
            "page_url": s.claim.get_absolute_url(),
        }
        for s in matching.published_repeats(claim)
    ]


def claim_list_queryset(request: Request) -> QuerySet[Claim]:
    """Claims the client may see, with everything the representation reads prefetched."""
    return (
        Claim.objects.visible_to(request.user)
        .select_related("claimant", "rating")
        .prefetch_related(
            "topics",
            Prefetch("figures", queryset=Figure.objects.order_by("position", "pk")),
            "citations__source",
            Prefetch(
                "corrections",
                queryset=Correction.objects.select_related("previous_rating", "new_rating"),
            ),
        )
        .annotate(publication_date=Coalesce("published_at", "created_at"))
    )


def claim_reading_queryset(request: Request) -> QuerySet[Claim]:
    """Claims the client may see, annotated for ordering; the reads join what they show."""
    return representation.readable_claims(unpublished=sees_unpublished(request.user))


class SimilarParamsSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    claimant = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    exclude = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)


class SimilarSummarySerializer(serializers.ModelSerializer):
    claimant = ClaimantSummarySerializer(read_only=True)
    rating = RatingSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Claim
        fields = ["id", "title", "text", "status", "claimant", "rating", "stated_on"]


class SimilarClaimSerializer(serializers.Serializer):
    claim = SimilarSummarySerializer()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class WorkflowNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


@extend_schema_view(
    list=extend_schema(
        summary="List claims (published only, unless you are an editor)",
        responses={200: ClaimSerializer(many=True), **error_responses(*READ_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="A claim with its figures, citations and corrections (ETag, Last-Modified)",
        responses={200: ClaimSerializer, 304: None, **error_responses(*READ_ERRORS)},
    ),
    create=extend_schema(
        summary="Create a draft claim (editors)",
        responses={201: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    update=extend_schema(
        summary="Edit a claim through the workflow",
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    ),
    partial_update=extend_schema(
        summary="Edit some fields of a claim through the workflow",
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    ),
)
class ClaimViewSet(
    ConditionalRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Claims. Published claims are never deleted: withdraw them."""

    serializer_class = ClaimSerializer
    pagination_class = ApiCursorPagination
    filter_backends = [filters.DjangoFilterBackend, ClaimSearchFilter, OrderingFilter]
    filterset_class = ClaimFilter

    @property
    def ordering_fields(self) -> list[str]:
        fields = ["created_at", "updated_at", "publication_date", "title", "id"]
        # published_at is never null for public claims (a check constraint), so cursors over
        # it are safe for readers; editors' lists include drafts and use publication_date.
        return fields if self._editorial() else [*fields, "published_at"]

    @property
    def ordering(self) -> list[str]:
        # Readers: published_at, served by claim_status_published_idx; editors: the
        # publication date or, for drafts, the creation date.
        newest = "-publication_date" if self._editorial() else "-published_at"
        if self.request is not None and self.request.query_params.get("search", "").strip():
            return ["-search_rank", newest]
        return [newest]

    def _editorial(self) -> bool:
        return self.request is not None and sees_unpublished(self.request.user)

    def get_queryset(self) -> QuerySet[Claim]:
        if self.action in {"list", "retrieve"}:
            # Read as rows by claims.api.representation, which fetches the parts itself.
            return claim_reading_queryset(self.request)
        return claim_list_queryset(self.request)

    def filter_queryset(self, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        if not self.request.query_params:
            # Without parameters the filter set and the search select everything: only the
            # default ordering applies (building the filter set is a good part of a request).
            return OrderingFilter().filter_queryset(self.request, queryset, self)
        return super().filter_queryset(queryset)

    def list(self, request: Request, *args, **kwargs) -> Response:
        rows = representation.claim_rows(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        if page is None:
            page = list(rows)
        return self.get_paginated_response(representation.claim_representations(page))

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        try:
            if request.query_params:
                rows = representation.claim_rows(self.filter_queryset(self.get_queryset()))
                found = representation.read_claim(rows, self.kwargs["pk"])
            else:
                # No filter applies and order is moot: the statement compiled for the
                # client's visibility.
                found = representation.read_readable_claim(
                    self.kwargs["pk"], unpublished=sees_unpublished(request.user)
                )
        except (TypeError, ValueError, DjangoValidationError):
            raise Http404 from None  # what get_object_or_404 answers for an unusable pk
        if found is None:
            # get_object_or_404's answer, word for word.
            raise Http404("No Claim matches the given query.")
        row, reading = found
        self.check_object_permissions(request, row)
        return conditional_response(request, reading.data, reading.last_modified)

    def last_modified(self, claim: Claim):
        stamps = [claim.updated_at]
        for citation in claim.citations.all():
            stamps += [
                citation.excerpt_checked_at,
                citation.created_at,
                citation.source.last_checked_at,
                citation.source.state_changed_at,
            ]
        stamps += [correction.created_at for correction in claim.corrections.all()]
        return max(stamp for stamp in stamps if stamp is not None)

    def _act(
        self, request: Request, change, serializer_class=None, *, check_repeats: bool = False
    ) -> Response:
        claim = self.get_object()
        params = {}
        if serializer_class is not None:
            body = serializer_class(data=request.data)
            body.is_valid(raise_exception=True)
            params = body.validated_data
        change(claim, request.user, **params)
        claim = self.get_queryset().get(pk=claim.pk)
        data = self.get_serializer(claim).data
        if check_repeats:
            data["warnings"] = repeat_warnings(claim)
        return Response(data)

    @extend_schema(
        summary="Send a draft to review (editors)",
        description=_(
            "The answer adds `warnings`: published claims this one may repeat "
            "(code possible_repeat, with their similarity score and page)."
        ),
        request=None,
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        return self._act(request, workflow.submit_for_review, check_repeats=True)

    @extend_schema(
        summary="Send a claim in review back to draft",
        request=WorkflowNoteSerializer,
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="return-to-draft")
    def return_to_draft(self, request: Request, pk=None) -> Response:
        return self._act(request, workflow.return_to_draft, WorkflowNoteSerializer)

    @extend_schema(
        summary="Publish a claim (reviewers only; editors get 403)",
        description=_(
            "The answer adds `warnings`: published claims this one may repeat "
            "(code possible_repeat, with their similarity score and page)."
        ),
        request=None,
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk=None) -> Response:
        return self._act(request, workflow.publish, check_repeats=True)

    @extend_schema(
        summary="Withdraw a published claim, with the reason (reviewers only)",
        request=WithdrawSerializer,
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk=None) -> Response:
        return self._act(request, workflow.withdraw, WithdrawSerializer)

    @extend_schema(
        summary="Existing claims that may repeat a text (published only, unless editor)",
        parameters=[SimilarParamsSerializer],
        responses={200: SimilarClaimSerializer(many=True), **error_responses(400, 429)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def similar(self, request: Request) -> Response:
        params = SimilarParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        matches = matching.find_similar_claims(
            data["text"],
            claimant_id=data.get("claimant"),
            exclude_id=data.get("exclude"),
            limit=data["limit"],
            queryset=Claim.objects.visible_to(request.user).select_related("claimant", "rating"),
        )
        return Response(SimilarClaimSerializer(matches, many=True).data)

    @extend_schema(
        summary="The claim's ClaimReview JSON-LD (published claims only)",
        responses={200: OpenApiTypes.OBJECT, **error_responses(*READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], url_path="claimreview")
    def claimreview(self, request: Request, pk=None) -> Response:
        claim = self.get_object()
        if not claim.is_public:
            raise NotFound(_("This claim is not published, so it has no ClaimReview."))
        return Response(claim_review(claim))

    @extend_schema(
        summary="Acknowledge moved evidence and clear the attention flag (editors)",
        request=WorkflowNoteSerializer,
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk=None) -> Response:
        return self._act(request, workflow.acknowledge_attention, WorkflowNoteSerializer)
