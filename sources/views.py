"""The reader-facing archived text of a source: the snapshot a claim page links to."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from claims.caching import cached_public_page
from sources.models import Citation, Snapshot


@require_safe
@cached_public_page
def snapshot_text(request: HttpRequest, pk: int) -> HttpResponse:
    """Public only for sources cited by a published claim (a draft's evidence stays private)."""
    snapshot = Snapshot.objects.select_related("source").filter(pk=pk).first()
    if snapshot is None:
        raise Http404("No such archived text.")
    citing = (
        Citation.objects.of_public_claims()
        .filter(source_id=snapshot.source_id)
        .select_related("claim")
        .order_by("-claim__published_at", "claim__pk")
    )
    claims = list({c.claim_id: c.claim for c in citing}.values())
    if not claims:
        raise Http404("No such archived text.")
    return render(
        request,
        "sources/snapshot_text.html",
        {
            "snapshot": snapshot,
            "source": snapshot.source,
            "claims": claims,
            "is_current": snapshot.source.current_snapshot_id == snapshot.pk,
            "paragraphs": [p.strip() for p in snapshot.main_text.split("\n") if p.strip()],
        },
    )
