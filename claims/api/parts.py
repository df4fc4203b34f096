"""Writes to a claim's parts (figures here, citations in `sources.api`): allowed only where the
user may edit the claim, and the claim's Last-Modified moves with them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from rest_framework.request import Request

from claims import workflow
from claims.models import Claim


def touch_claim(claim_id: int) -> None:
    """A figure or citation changed: the claim's representation did too (Last-Modified)."""
    Claim.objects.filter(pk=claim_id).update(updated_at=timezone.now())


def require_editable(request: Request, claim: Claim) -> None:
    if not workflow.can_edit_claim(request.user, claim):
        raise workflow.NotAllowed("Only reviewers can change the evidence of a published claim.")


class ClaimPartWritesMixin:
    """Writes to a claim's parts (figures, citations): only where the user may edit the claim,
    and the claim's Last-Modified moves with them."""

    def perform_create(self, serializer) -> None:
        require_editable(self.request, serializer.validated_data["claim"])
        with transaction.atomic():
            part = serializer.save()
            touch_claim(part.claim_id)

    def perform_update(self, serializer) -> None:
        require_editable(self.request, serializer.instance.claim)
        with transaction.atomic():
            part = serializer.save()
            touch_claim(part.claim_id)

    def perform_destroy(self, part) -> None:
        require_editable(self.request, part.claim)
        with transaction.atomic():
            part.delete()
            touch_claim(part.claim_id)
