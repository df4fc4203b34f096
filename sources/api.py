"""REST API for evidence: sources, citations, check history and snapshots.

Anonymous clients see only what published claims cite; editors see everything.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from claims import workflow
from claims.api.parts import (
    ChangeNoteSerializer,
    ClaimPartWritesMixin,
    StructuredTextHygieneMixin,
)
from claims.api.visibility import visible_claims
from claims.models import Claim, sees_unpublished
from config.api.conditional import ConditionalRetrieveMixin
from config.api.errors import READ_ERRORS, WRITE_ERRORS, error_responses
from config.api.pagination import ApiCursorPagination
from config.api.schema import viewset_schema
from sources import tasks
from sources.citations import replace_cited_source, require_address_editable
from sources.excerpts import diff_snapshots
from sources.models import Citation, Snapshot, Source, SourceCheck, normalise_url


def visible_sources(request: Request | None) -> QuerySet[Source]:
    """All sources for editors; for everyone else, those cited by a published claim (also the
    choices of the `source` filters: a private id fails like a missing one)."""
    if sees_unpublished(getattr(request, "user", None)):
        # Editors also see sources nobody cites yet, which no citation filter could yield.
        return Source.objects.all()
    cited = Citation.objects.of_public_claims().filter(source=OuterRef("pk"))
    return Source.objects.filter(Exists(cited))


# --- Sources -------------------------------------------------------------------------------


class LatestCheckSerializer(serializers.Serializer):
    outcome = serializers.CharField(allow_null=True)
    http_status = serializers.IntegerField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)


class SourceSerializer(serializers.ModelSerializer):
    """A source with its monitoring state; the URL is validated and normalised on write."""

    url = serializers.CharField(max_length=2000)
    latest_check = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "host",
            "title",
            "publisher",
            "kind",
            "monitoring_enabled",
            "state",
            "state_changed_at",
            "last_checked_at",
            "next_check_at",
            "consecutive_failures",
            "current_snapshot",
            "latest_check",
            "created_at",
        ]
        read_only_fields = [
            "host",
            "state",
            "state_changed_at",
            "last_checked_at",
            "next_check_at",
            "consecutive_failures",
            "current_snapshot",
            "created_at",
        ]

    def validate_url(self, value: str) -> str:
        try:
            url = normalise_url(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        clash = Source.objects.filter(url=url)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(_("A source with this URL already exists."))
        return url

    @extend_schema_field(LatestCheckSerializer(allow_null=True))
    def get_latest_check(self, source: Source) -> dict | None:
        if getattr(source, "latest_outcome", None) is None:
            return None
        return {
            "outcome": source.latest_outcome,
            "http_status": source.latest_http_status,
            "checked_at": source.latest_checked_at,
        }


def with_latest_check(queryset: QuerySet[Source]) -> QuerySet[Source]:
    """Annotate the newest check's outcome (served by sourcecheck_history_idx), no N+1."""
    latest = SourceCheck.objects.filter(source=OuterRef("pk")).order_by("-last_seen_at", "-pk")
    return queryset.annotate(
        latest_outcome=Subquery(latest.values("outcome")[:1]),
        latest_http_status=Subquery(latest.values("http_status")[:1]),
        latest_checked_at=Subquery(latest.values("last_seen_at")[:1]),
    )


class SourceFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=Source.State.choices)
    kind = filters.MultipleChoiceFilter(choices=Source.Kind.choices)
    host = filters.CharFilter()
    monitoring_enabled = filters.BooleanFilter()
    claim = filters.ModelChoiceFilter(
        queryset=visible_claims, method="filter_claim", help_text=_("Sources cited by this claim.")
    )
    search = filters.CharFilter(method="filter_search", help_text=_("In URL, title and publisher."))

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_claim(self, queryset, name, value: Claim | None):
        if value is None:
            return queryset
        return queryset.filter(pk__in=Citation.objects.filter(claim=value).values("source"))

    def filter_search(self, queryset, name, value):
        value = value.strip()[:200]
        return queryset.filter(
            Q(url__icontains=value) | Q(title__icontains=value) | Q(publisher__icontains=value)
        )


class SourceCheckRequestSerializer(serializers.Serializer):
    status = serializers.CharField()
    source = serializers.IntegerField()


@viewset_schema(SourceSerializer, conditional=True)
class SourceViewSet(
    ConditionalRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SourceSerializer
    pagination_class = ApiCursorPagination
    filterset_class = SourceFilter
    ordering_fields = ["created_at", "id", "next_check_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[Source]:
        return with_latest_check(visible_sources(self.request))

    def last_modified(self, source: Source):
        stamps = [source.created_at, source.last_checked_at, source.state_changed_at]
        return max(stamp for stamp in stamps if stamp is not None)

    def perform_create(self, serializer) -> None:
        source = serializer.save()
        serializer.instance = self.get_queryset().get(pk=source.pk)

    def perform_update(self, serializer) -> None:
        if "url" in serializer.validated_data:
            require_address_editable(serializer.instance, serializer.validated_data["url"])
        source = serializer.save()
        serializer.instance = self.get_queryset().get(pk=source.pk)

    @extend_schema(
        summary="Check this source now (queued after commit; 202, or 503 if the queue is down)",
        request=None,
        responses={202: SourceCheckRequestSerializer, **error_responses(*WRITE_ERRORS, 503)},
    )
    @action(detail=True, methods=["post"])
    def check(self, request: Request, pk=None) -> Response:
        source = self.get_object()
        if not request.user.has_perm("sources.change_source"):
            raise workflow.NotAllowed(_("You cannot check sources."))
        tasks.queue_checks_now([source.pk])  # BrokerUnavailable: 503 (settings)
        return Response({"status": "queued", "source": source.pk}, status=status.HTTP_202_ACCEPTED)


# --- Citations -----------------------------------------------------------------------------


class CitationSerializer(StructuredTextHygieneMixin, serializers.ModelSerializer):
    """A claim citing a source with the exact excerpt; the excerpt state is set by the monitor."""

    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    source_url = serializers.URLField(source="source.url", read_only=True)
    source_state = serializers.CharField(source="source.state", read_only=True)
    change = ChangeNoteSerializer(
        write_only=True,
        required=False,
        help_text=_(
            "Required to change a citation of a published claim (reviewers only); a "
            "new `source` replaces the cited one, recorded as an update."
        ),
    )

    class Meta:
        model = Citation
        fields = [
            "change",
            "id",
            "claim",
            "source",
            "source_url",
            "source_state",
            "role",
            "excerpt",
            "excerpt_prefix",
            "excerpt_suffix",
            "cited_figure",
            "locator_kind",
            "sheet",
            "row_labels",
            "column_labels",
            "expected_value",
            "excerpt_state",
            "found_text",
            "found_figure",
            "figure_changes",
            "excerpt_diff",
            "evidence_changed_at",
            "attention_reason",
            "excerpt_checked_at",
            "note",
            "position",
            "created_at",
        ]
        read_only_fields = [
            *(name for name in Citation.MONITORED_FIELDS if name != "checked_excerpt_hash"),
            "created_at",
        ]
        validators: list = []  # the model's clean() says it better (see validate)

    def validate_claim(self, claim: Claim) -> Claim:
        if not sees_unpublished(self.context["request"].user) and not claim.is_public:
            raise serializers.ValidationError(_("No such claim."))
        if self.instance is not None and self.instance.claim_id != claim.pk:
            raise serializers.ValidationError(_("A citation cannot move to another claim."))
        return claim

    def validate(self, attrs: dict) -> dict:
        fields = {name: value for name, value in attrs.items() if name != "change"}
        citation = Citation(**{**self._current(), **fields})
        try:
            citation.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else error.messages
            ) from None
        return attrs

    def _current(self) -> dict:
        if self.instance is None:
            return {}
        names = ["claim", "source", "role", "excerpt", "excerpt_prefix", "excerpt_suffix"]
        names += ["locator_kind", "sheet", "row_labels", "column_labels", "expected_value"]
        current = {name: getattr(self.instance, name) for name in names}
        current["pk"] = self.instance.pk
        return current


class CitationFilter(filters.FilterSet):
    claim = filters.ModelChoiceFilter(queryset=visible_claims)
    source = filters.ModelChoiceFilter(queryset=visible_sources)
    role = filters.MultipleChoiceFilter(choices=Citation.Role.choices)
    excerpt_state = filters.MultipleChoiceFilter(choices=Citation.ExcerptState.choices)

    class Meta:
        model = Citation
        fields: list[str] = []


@viewset_schema(CitationSerializer, delete=True)
class CitationViewSet(ClaimPartWritesMixin, viewsets.ModelViewSet):
    serializer_class = CitationSerializer
    filterset_class = CitationFilter
    ordering_fields = ["id", "position", "created_at"]
    ordering = ["claim_id", "position", "id"]

    def perform_update(self, serializer) -> None:
        citation = serializer.instance
        new_source = serializer.validated_data.get("source")
        if new_source is None or new_source.pk == citation.source_id:
            return super().perform_update(serializer)
        note = ChangeNoteSerializer.to_note(serializer.validated_data.pop("change", None))
        for name, value in serializer.validated_data.items():
            if name != "source":
                setattr(citation, name, value)
        replace_cited_source(citation, new_source, self.request.user, change=note)
        return None

    def get_queryset(self) -> QuerySet[Citation]:
        return Citation.objects.visible_to(self.request.user).select_related("source")


# --- Check history and snapshots -------------------------------------------------------------


class SourceCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = SourceCheck
        fields = [
            "id",
            "source",
            "started_at",
            "last_seen_at",
            "repeat_count",
            "duration_ms",
            "outcome",
            "http_status",
            "final_url",
            "redirect_chain",
            "content_type",
            "content_length",
            "error",
            "snapshot",
        ]


class SourceCheckFilter(filters.FilterSet):
    source = filters.ModelChoiceFilter(queryset=visible_sources)
    outcome = filters.MultipleChoiceFilter(choices=SourceCheck.Outcome.choices)
    last_seen_at = filters.DateFromToRangeFilter(field_name="last_seen_at__date")

    class Meta:
        model = SourceCheck
        fields: list[str] = []


class CheckPagination(ApiCursorPagination):
    ordering = "-last_seen_at"


@extend_schema_view(
    list=extend_schema(
        summary="Check history (one row per run of the same outcome), newest first",
        responses={200: SourceCheckSerializer(many=True), **error_responses(400, 429)},
    ),
    retrieve=extend_schema(responses={200: SourceCheckSerializer, **error_responses(*READ_ERRORS)}),
)
class SourceCheckViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SourceCheckSerializer
    pagination_class = CheckPagination
    filterset_class = SourceCheckFilter
    ordering_fields = ["last_seen_at", "started_at", "id"]
    ordering = ["-last_seen_at"]

    def get_queryset(self) -> QuerySet[SourceCheck]:
        return SourceCheck.objects.filter(source__in=visible_sources(self.request).values("pk"))


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Snapshot
        fields = [
            "id",
            "source",
            "created_at",
            "content_hash",
            "title",
            "content_type",
            "final_url",
        ]


class SnapshotTextSerializer(SnapshotSerializer):
    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "main_text", "full_text"]


class SnapshotDiffQuerySerializer(serializers.Serializer):
    """`against`: another snapshot of the same source, the version compared from."""

    against = serializers.IntegerField(min_value=1, max_value=2**62)

    def validate_against(self, value: int) -> Snapshot:
        snapshot = self.context["snapshot"]
        against = Snapshot.objects.filter(pk=value, source_id=snapshot.source_id).first()
        if against is None:
            raise serializers.ValidationError(_("No such snapshot of this source."))
        return against


class DiffSegmentSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete", "skip"])
    text = serializers.CharField()
    cited = serializers.BooleanField()


class SnapshotDiffSerializer(serializers.Serializer):
    from_snapshot = serializers.IntegerField()
    to_snapshot = serializers.IntegerField()
    identical = serializers.BooleanField()
    changed_words = serializers.IntegerField()
    segments = DiffSegmentSerializer(many=True)


class SnapshotFilter(filters.FilterSet):
    source = filters.ModelChoiceFilter(queryset=visible_sources)

    class Meta:
        model = Snapshot
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="Archived versions of sources (text in the detail)",
        responses={200: SnapshotSerializer(many=True), **error_responses(400, 429)},
    ),
    retrieve=extend_schema(
        summary="One archived version with its extracted text",
        responses={200: SnapshotTextSerializer, 304: None, **error_responses(*READ_ERRORS)},
    ),
)
class SnapshotViewSet(ConditionalRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = SnapshotFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_serializer_class(self):
        return SnapshotTextSerializer if self.action == "retrieve" else SnapshotSerializer

    def get_queryset(self) -> QuerySet[Snapshot]:
        snapshots = Snapshot.objects.filter(source__in=visible_sources(self.request).values("pk"))
        if self.action not in ("retrieve", "diff"):
            # Lists never carry the (large) texts.
            snapshots = snapshots.defer("main_text", "full_text")
        return snapshots

    def last_modified(self, snapshot: Snapshot):
        return snapshot.created_at

    @extend_schema(
        summary="Word-level changes from another snapshot of the same source to this one",
        parameters=[
            OpenApiParameter(
                "against", int, required=True, description=_("The snapshot compared from.")
            )
        ],
        responses={200: SnapshotDiffSerializer, **error_responses(*READ_ERRORS)},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk=None) -> Response:
        snapshot = self.get_object()
        query = SnapshotDiffQuerySerializer(
            data=request.query_params, context={"snapshot": snapshot}
        )
        query.is_valid(raise_exception=True)
        citations = Citation.objects.visible_to(request.user).filter(source_id=snapshot.source_id)
        result = diff_snapshots(query.validated_data["against"], snapshot, citations)
        return Response(result.as_dict())
