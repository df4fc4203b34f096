"""REST API for claimants (with their scorecard) and the reference lists: ratings and topics."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from claims.models import Claimant, Rating, Topic
from claims.selectors import rating_scale, scorecard, with_scorecards
from config.api.conditional import ConditionalRetrieveMixin
from config.api.schema import viewset_schema


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


class ScoreSerializer(serializers.Serializer):
    rating = serializers.CharField(help_text=_("Rating slug."))
    label = serializers.CharField()
    count = serializers.IntegerField()


class ClaimantSerializer(serializers.ModelSerializer):
    """A claimant with a scorecard: published claims per rating (annotated, no N+1)."""

    same_as = serializers.ListField(child=serializers.URLField(max_length=2000), required=False)
    published_claims = serializers.IntegerField(read_only=True)
    scorecard = serializers.SerializerMethodField()

    class Meta:
        model = Claimant
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "role",
            "description",
            "same_as",
            "published_claims",
            "scorecard",
            "updated_at",
        ]
        read_only_fields = ["slug", "updated_at"]

    @extend_schema_field(ScoreSerializer(many=True))
    def get_scorecard(self, claimant: Claimant) -> list[dict]:
        # Every client sees the same scorecard: published claims only, editors included.
        return [
            {"rating": score.rating.slug, "label": score.rating.label, "count": score.count}
            for score in scorecard(claimant, self.context.get("scale", []))
        ]


class ClaimantFilter(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=Claimant.Kind.choices)
    name = filters.CharFilter(lookup_expr="icontains")
    slug = filters.CharFilter()

    class Meta:
        model = Claimant
        fields: list[str] = []


@viewset_schema(ClaimantSerializer, conditional=True)
class ClaimantViewSet(
    ConditionalRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ClaimantSerializer
    filterset_class = ClaimantFilter
    ordering_fields = ["name", "published_claims", "id"]
    ordering = ["name", "id"]

    def get_scale(self) -> list[Rating]:
        if getattr(self, "swagger_fake_view", False):
            return []  # schema generation: the model is all it needs, without a database
        if not hasattr(self, "_scale"):
            self._scale = rating_scale()
        return self._scale

    def get_queryset(self) -> QuerySet[Claimant]:
        claimants = Claimant.objects.visible_to(self.request.user)
        return with_scorecards(claimants, self.get_scale())

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "scale": self.get_scale()}

    def perform_create(self, serializer) -> None:
        claimant = serializer.save()
        serializer.instance = self.get_queryset().get(pk=claimant.pk)

    def perform_update(self, serializer) -> None:
        claimant = serializer.save()
        serializer.instance = self.get_queryset().get(pk=claimant.pk)

    def last_modified(self, claimant: Claimant):
        return max(filter(None, [claimant.updated_at, claimant.last_published_at]))


@viewset_schema(RatingSerializer, conditional=True, write=False)
class RatingViewSet(ConditionalRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    """The verdict scale, most accurate first (edited in the admin)."""

    queryset = Rating.objects.all()
    serializer_class = RatingSerializer
    pagination_class = None
    filter_backends = [filters.DjangoFilterBackend]
    filterset_fields = {"bucket": ["exact"]}

    def last_modified(self, obj):
        return None


@viewset_schema(TopicSerializer, conditional=True, write=False)
class TopicViewSet(ConditionalRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    """Topics; readers see those of a published claim, editors all of them."""

    queryset = Topic.objects.all()  # the model, for schema generation
    serializer_class = TopicSerializer
    ordering_fields = ["name", "id"]
    ordering = ["name"]
    filterset_fields = {"slug": ["exact"]}

    def get_queryset(self) -> QuerySet[Topic]:
        return Topic.objects.visible_to(self.request.user)

    def last_modified(self, obj):
        return None
