"""The reader-facing archived text of a source: the snapshot a claim page links to."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from claims.caching import cached_public_page
from sources.excerpts import diff_snapshots
from sources.models import Citation, Snapshot


@require_safe
@cached_public_page
def snapshot_text(request: HttpRequest, pk: int) -> HttpResponse:
    """Public only for sources cited by a published claim (a draft's evidence stays private)."""
    snapshot = Snapshot.objects.select_related("source").filter(pk=pk).first()
    if snapshot is None:
        raise Http404("No such archived text.")
    citing = _public_citations(snapshot.source_id)
    claims = list({c.claim_id: c.claim for c in citing}.values())
    if not claims:
        raise Http404("No such archived text.")
    previous = _previous_snapshot(snapshot)
    return render(
        request,
        "sources/snapshot_text.html",
        {
            "snapshot": snapshot,
            "source": snapshot.source,
            "claims": claims,
            "is_current": snapshot.source.current_snapshot_id == snapshot.pk,
            "paragraphs": [p.strip() for p in snapshot.main_text.split("\n") if p.strip()],
            "previous": previous,
        },
    )


def _public_citations(source_id: int):
    return (
        Citation.objects.of_public_claims()
        .filter(source_id=source_id)
        .select_related("claim")
        .order_by("-claim__published_at", "claim__pk")
    )


def _previous_snapshot(snapshot: Snapshot) -> Snapshot | None:
    return (
        Snapshot.objects.filter(source_id=snapshot.source_id, created_at__lte=snapshot.created_at)
        .exclude(pk=snapshot.pk)
        .order_by("-created_at", "-pk")
        .only("pk", "created_at")
        .first()
    )


@require_safe
@cached_public_page
def snapshot_changes(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed between an archived text and the version before it (or `?against=` another
    version of the same source), word by word, the cited passages marked."""
    snapshot = Snapshot.objects.select_related("source").filter(pk=pk).first()
    citations = list(_public_citations(snapshot.source_id)) if snapshot else []
    if snapshot is None or not citations:
        raise Http404("No such archived text.")
    against_id = request.GET.get("against", "")
    if against_id:
        if not against_id.isdigit() or len(against_id) > 18:
            raise Http404("No such version of this source.")
        against = Snapshot.objects.filter(pk=int(against_id), source_id=snapshot.source_id).first()
    else:
        against = _previous_snapshot(snapshot)
    if against is None:
        raise Http404("No earlier version of this source is archived.")
    older, newer = sorted([against, snapshot], key=lambda s: (s.created_at, s.pk))
    claims = list({c.claim_id: c.claim for c in citations}.values())
    return render(
        request,
        "sources/snapshot_changes.html",
        {
            "snapshot": snapshot,
            "source": snapshot.source,
            "older": older,
            "newer": newer,
            "diff": diff_snapshots(older, newer, citations),
            "claims": claims,
        },
    )
