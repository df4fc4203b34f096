"""Figures of claims: each quantity with its arithmetic check; written like the claim's other
parts (`claims.api.parts`)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from claims.api.parts import ChangeNoteSerializer, ClaimPartWritesMixin
from claims.api.visibility import visible_claims
from claims.models import Claim, Figure, sees_unpublished
from config.api.schema import viewset_schema


def _decimal_formatter(max_digits: int, decimal_places: int):
    field = serializers.DecimalField(max_digits=max_digits, decimal_places=decimal_places)
    return lambda value: None if value is None else field.to_representation(value)


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
        help_text=_("Required to change a figure of a published claim (reviewers only)."),
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
        if not sees_unpublished(request.user) and not claim.is_public:
            raise serializers.ValidationError(_("No such claim."))
        if self.instance is not None and self.instance.claim_id != claim.pk:
            raise serializers.ValidationError(_("A figure cannot move to another claim."))
        return claim


class NestedFigureSerializer(FigureSerializer):
    class Meta(FigureSerializer.Meta):
        fields = [f for f in FigureSerializer.Meta.fields if f not in {"claim", "change"}]
        read_only_fields = fields

    _value = staticmethod(_decimal_formatter(20, 4))
    _pct = staticmethod(_decimal_formatter(9, 3))
    _computed = staticmethod(_decimal_formatter(24, 2))

    def to_representation(self, figure: Figure) -> dict:
        # The hot path of claim lists (see claims.api.claims.ClaimCitationSerializer).
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


class FigureFilter(filters.FilterSet):
    claim = filters.ModelChoiceFilter(queryset=visible_claims)
    unit = filters.MultipleChoiceFilter(choices=Figure.Unit.choices)

    class Meta:
        model = Figure
        fields: list[str] = []


@viewset_schema(FigureSerializer, delete=True)
class FigureViewSet(ClaimPartWritesMixin, viewsets.ModelViewSet):
    """Figures of claims; editors change those of drafts, reviewers also of published claims."""

    serializer_class = FigureSerializer
    filterset_class = FigureFilter
    ordering_fields = ["position", "id", "value"]
    ordering = ["claim_id", "position", "id"]

    def get_queryset(self) -> QuerySet[Figure]:
        claims = Claim.objects.visible_to(self.request.user)
        return Figure.objects.filter(claim__in=claims.values("pk"))
