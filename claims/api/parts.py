"""Writes to a claim's parts (figures here, citations in `sources.api`) go through
claims.workflow: only where the user may edit the claim; on a published claim only with a
`change` note, which is recorded as a public correction or update; the claim's Last-Modified
moves with them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request

from claims import workflow
from claims.hygiene import structure_problems
from claims.models import Correction


class ChangeNoteSerializer(serializers.Serializer):
    """The public record of a change to a published claim (required for those, reviewers only)."""

    kind = serializers.ChoiceField(
        choices=Correction.Kind.choices,
        help_text=_("correction: rating or substance (give the reason); update: clarification."),
    )
    note = serializers.CharField(
        max_length=2000, help_text=_("For a correction, what changed; for an update, the note.")
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


class ClaimPartWritesMixin:
    """perform_create/update/destroy of a claim's parts through `workflow.change_part`."""

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


class StructuredTextHygieneMixin:
    """For serializers with JSON-valued fields that hold text (a cited cell's row and column
    labels): a NUL or a lone surrogate inside one is a field error, as DRF's CharField makes
    it for plain strings (claims.hygiene; control characters went at the parser)."""

    def to_internal_value(self, data):
        values = super().to_internal_value(data)  # type: ignore[misc]
        structured = {
            name
            for name, field in self.fields.items()  # type: ignore[attr-defined]
            if isinstance(field, serializers.JSONField | serializers.DictField)
        }
        errors = {
            name: problems
            for name, value in values.items()
            if (name in structured or isinstance(value, list | dict))
            and (problems := structure_problems(value))
        }
        if errors:
            raise serializers.ValidationError(errors)
        return values
