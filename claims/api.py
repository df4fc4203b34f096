"""REST API for the editorial core: claims, figures, claimants, ratings, topics.

Views are thin: visibility comes from `Claim.objects.published()` unless the client is an
editor, and every state change goes through `claims.workflow`. Citations and sources are
served by `sources.api` (claims never imports sources); here they are read through the
reverse relation `claim.citations`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import BaseFilterBackend, OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from claims import search, workflow
from claims.api_errors import READ_ERRORS, WRITE_ERRORS, error_responses, viewset_schema
from claims.api_http import (
    API_PARSERS,
    ApiCursorPagination,
    ConditionalRetrieveMixin,
    ReadOrEditorial,
    sees_unpublished,
)
from claims.claimreview import claim_review
from claims.models import Claim, Claimant, Correction, Figure, Rating, Topic

# --- Read-only building blocks -------------------------------------------------------------


class RatingSerializer(serializers.ModelSerializer):
    is_ordinal = serializers.BooleanField(read_only=True)

    class Meta:
        model = Rating
        fields = ["id", "label", "slug", "value", "colour", "bucket", "description", "is_ordinal"]


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name", "slug", "description"]


class ClaimantSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Claimant
        fields = ["id", "name", "slug", "kind", "role", "same_as"]


class CitedSourceSerializer(serializers.Serializer):
    """The cited source and its live monitoring state (full record at /api/v1/sources/{id}/)."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(read_only=True)
    title = serializers.CharField(read_only=True)
    publisher = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True, help_text="unchecked, ok, changed, redirected, …")
    last_checked_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ClaimCitationSerializer(serializers.Serializer):
    """A citation as shown with its claim; edit citations at /api/v1/citations/."""

    id = serializers.IntegerField(read_only=True)
    role = serializers.CharField(read_only=True)
    excerpt = serializers.CharField(read_only=True)
    cited_figure = serializers.CharField(read_only=True)
    excerpt_state = serializers.CharField(
        read_only=True, help_text="present, moved, missing, figure_changed, unknown"
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


def _decimal_formatter(max_digits: int, decimal_places: int):
    field = serializers.DecimalField(max_digits=max_digits, decimal_places=decimal_places)
    return lambda value: None if value is None else field.to_representation(value)


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


class ChangeNoteSerializer(serializers.Serializer):
    """The public record of a change to a published claim (required for those, reviewers only)."""

    kind = serializers.ChoiceField(
        choices=Correction.Kind.choices,
        help_text="correction: rating or substance (give the reason); update: clarification.",
    )
    note = serializers.CharField(
        max_length=2000, help_text="For a correction, what changed; for an update, the note."
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @staticmethod
    def to_note(data: dict | None) -> workflow.ChangeNote | None:
        if not data:
            return None
        return workflow.change_note(data["kind"], data["note"], data.get("reason", ""))


def change_note_of(request: Request) -> workflow.ChangeNote | None:
    """The `change` object of a request body without other fields (DELETE)."""
    raw = request.data.get("change") if hasattr(request.data, "get") else None
    if raw is None:
        return None
    body = ChangeNoteSerializer(data=raw)
    body.is_valid(raise_exception=True)
    return ChangeNoteSerializer.to_note(body.validated_data)


class FigureSerializer(serializers.ModelSerializer):
    """A quantity with its arithmetic check: the baseline a stated change implies."""

    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())
    implied_baseline = serializers.DecimalField(
        max_digits=24, decimal_places=2, read_only=True, allow_null=True
    )
    actual_change_pct = serializers.DecimalField(
        max_digits=24, decimal_places=2, read_only=True, allow_null=True
    )
    change_is_consistent = serializers.BooleanField(read_only=True, allow_null=True)
    change = ChangeNoteSerializer(
        write_only=True,
        required=False,
        help_text="Required to change a figure of a published claim (reviewers only).",
    )

    class Meta:
        model = Figure
        fields = [
            "change",
            "id",
            "claim",
            "label",
            "value",
            "unit",
            "approximation",
            "period",
            "baseline_value",
            "baseline_period",
            "stated_change_pct",
            "position",
            "implied_baseline",
            "actual_change_pct",
            "change_is_consistent",
        ]

    def validate_claim(self, claim: Claim) -> Claim:
        request = self.context["request"]
        if not sees_unpublished(request) and not claim.is_public:
            raise serializers.ValidationError("No such claim.")
        if self.instance is not None and self.instance.claim_id != claim.pk:
            raise serializers.ValidationError("A figure cannot move to another claim.")
        return claim


class NestedFigureSerializer(FigureSerializer):
    class Meta(FigureSerializer.Meta):
        fields = [f for f in FigureSerializer.Meta.fields if f not in {"claim", "change"}]
        read_only_fields = fields

    _value = staticmethod(_decimal_formatter(20, 4))
    _pct = staticmethod(_decimal_formatter(9, 3))
    _computed = staticmethod(_decimal_formatter(24, 2))

    def to_representation(self, figure: Figure) -> dict:
        # The hot path of claim lists (see ClaimCitationSerializer.to_representation).
        return {
            "id": figure.id,
            "label": figure.label,
            "value": self._value(figure.value),
            "unit": figure.unit,
            "approximation": figure.approximation,
            "period": figure.period,
            "baseline_value": self._value(figure.baseline_value),
            "baseline_period": figure.baseline_period,
            "stated_change_pct": self._pct(figure.stated_change_pct),
            "position": figure.position,
            "implied_baseline": self._computed(figure.implied_baseline),
            "actual_change_pct": self._computed(figure.actual_change_pct),
            "change_is_consistent": figure.change_is_consistent,
        }


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
        help_text="Required when a reviewer changes the rating of a published claim.",
    )
    change = ChangeNoteSerializer(
        write_only=True,
        required=False,
        help_text="Required for any change readers see of a published claim (reviewers only): "
        "a correction or an update. `correction` is the older spelling of a correction.",
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "title",
            "slug",
            "text",
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


class ClaimFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Claim.Status.choices)
    rating = filters.ModelMultipleChoiceFilter(
        field_name="rating__slug", to_field_name="slug", queryset=Rating.objects.all()
    )
    rating_bucket = filters.MultipleChoiceFilter(
        field_name="rating__bucket", choices=Rating.Bucket.choices
    )
    claimant = filters.ModelChoiceFilter(queryset=Claimant.objects.all())
    claimant_slug = filters.CharFilter(field_name="claimant__slug")
    topic = filters.CharFilter(method="filter_topic", help_text="Topic slug.")
    stated_on = filters.DateFromToRangeFilter()
    published_at = filters.DateFromToRangeFilter(field_name="published_at__date")
    needs_attention = filters.BooleanFilter()
    source_state = filters.CharFilter(
        method="filter_source_state",
        help_text="Claims citing at least one source in this state (e.g. broken).",
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
        return search.ranked_claims(queryset, query)

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


def claim_list_queryset(request: Request) -> QuerySet[Claim]:
    """Claims the client may see, with everything the representation reads prefetched."""
    queryset = Claim.objects.all() if sees_unpublished(request) else Claim.objects.published()
    return (
        queryset.select_related("claimant", "rating")
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
    permission_classes = [ReadOrEditorial]
    parser_classes = API_PARSERS
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
        return self.request is not None and sees_unpublished(self.request)

    def get_queryset(self) -> QuerySet[Claim]:
        return claim_list_queryset(self.request)

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

    def _act(self, request: Request, change, serializer_class=None) -> Response:
        claim = self.get_object()
        params = {}
        if serializer_class is not None:
            body = serializer_class(data=request.data)
            body.is_valid(raise_exception=True)
            params = body.validated_data
        change(claim, request.user, **params)
        claim = self.get_queryset().get(pk=claim.pk)
        return Response(self.get_serializer(claim).data)

    @extend_schema(
        summary="Send a draft to review (editors)",
        request=None,
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        return self._act(request, workflow.submit_for_review)

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
        request=None,
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk=None) -> Response:
        return self._act(request, workflow.publish)

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
        from claims.matching import find_similar_claims

        pool = Claim.objects.all() if sees_unpublished(request) else Claim.objects.published()
        matches = find_similar_claims(
            data["text"],
            claimant_id=data.get("claimant"),
            exclude_id=data.get("exclude"),
            limit=data["limit"],
            queryset=pool.select_related("claimant", "rating"),
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
            raise NotFound("This claim is not published, so it has no ClaimReview.")
        return Response(claim_review(claim))

    @extend_schema(
        summary="Acknowledge moved evidence and clear the attention flag (editors)",
        request=WorkflowNoteSerializer,
        responses={200: ClaimSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk=None) -> Response:
        return self._act(request, workflow.acknowledge_attention, WorkflowNoteSerializer)


# --- Figures -------------------------------------------------------------------------------


class FigureFilter(filters.FilterSet):
    claim = filters.ModelChoiceFilter(queryset=Claim.objects.all())
    unit = filters.MultipleChoiceFilter(choices=Figure.Unit.choices)

    class Meta:
        model = Figure
        fields: list[str] = []


def touch_claim(claim_id: int) -> None:
    """A figure or citation changed: the claim's representation did too (Last-Modified)."""
    Claim.objects.filter(pk=claim_id).update(updated_at=timezone.now())


def require_editable(request: Request, claim: Claim) -> None:
    workflow.require_can_change_published_part(request.user, claim)


class ClaimPartWritesMixin:
    """Writes to a claim's parts (figures, citations) through claims.workflow: only where the
    user may edit the claim, on a published claim only with a `change` note (recorded), and
    the claim's Last-Modified moves with them."""

    def perform_create(self, serializer) -> None:
        note = ChangeNoteSerializer.to_note(serializer.validated_data.pop("change", None))
        claim = serializer.validated_data["claim"]
        what = f"{serializer.Meta.model._meta.verbose_name} added"
        workflow.change_part(claim, self.request.user, note, what, serializer.save)

    def perform_update(self, serializer) -> None:
        note = ChangeNoteSerializer.to_note(serializer.validated_data.pop("change", None))
        part = serializer.instance
        what = f"{workflow.describe_part(part)} changed"
        seen = workflow.part_changes_readers(part, serializer.validated_data)
        workflow.change_part(
            part.claim, self.request.user, note, what, serializer.save, seen_by_readers=seen
        )

    def perform_destroy(self, part) -> None:
        workflow.delete_part(part, self.request.user, change=change_note_of(self.request))


@viewset_schema(FigureSerializer, delete=True)
class FigureViewSet(ClaimPartWritesMixin, viewsets.ModelViewSet):
    """Figures of claims; editors change those of drafts, reviewers also of published claims."""

    serializer_class = FigureSerializer
    permission_classes = [ReadOrEditorial]
    parser_classes = API_PARSERS
    filterset_class = FigureFilter
    ordering_fields = ["position", "id", "value"]
    ordering = ["claim_id", "position", "id"]

    def get_queryset(self) -> QuerySet[Figure]:
        claims = (
            Claim.objects.all() if sees_unpublished(self.request) else Claim.objects.published()
        )
        return Figure.objects.filter(claim__in=claims.values("pk"))
