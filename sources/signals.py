"""Public page cache invalidation when evidence changes (connected in SourcesConfig.ready),
and the signal monitoring sends for apps built on sources (the webhooks outbox).

source_broken(sender=Source, source, reason)
    Sent by `sources.checking.record_result` inside the check's transaction when a source has
    just become broken (enough failures over enough time). Receivers write rows only and leave
    network I/O and tasks to `transaction.on_commit`.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from claims.caching import invalidate_claims
from sources.models import Citation, Snapshot, Source

source_broken = Signal()


@receiver(post_save, sender=Citation, dispatch_uid="public-cache-citation")
@receiver(post_delete, sender=Citation, dispatch_uid="public-cache-citation-del")
def citation_changed(sender, instance: Citation, **kwargs) -> None:
    invalidate_claims([instance.claim_id])


@receiver(post_save, sender=Source, dispatch_uid="public-cache-source")
def source_changed(sender, instance: Source, update_fields=None, **kwargs) -> None:
    """Editors' saves, and checks that change the source's state, refresh the citing pages.

    Only the pages of public claims show a source, so only their own versions move: a source
    cited by drafts alone (or by nothing) invalidates nothing, and lists never show a source
    (a claim flagged for attention because of it moves the lists through workflow's flagging).
    A routine check that finds the page as before (update_fields given, state unchanged) costs
    nothing here: the "last checked" time on cached pages may then lag by up to the page
    timeout, which is cheaper than a query and a cache write per check at a million sources.
    A new snapshot (and the excerpt states re-located with it) is covered by snapshot_changed.
    """
    if update_fields is not None and not _state_changed(instance):
        return
    invalidate_claims(_public_citing_claims(instance.pk))


@receiver(post_save, sender=Snapshot, dispatch_uid="public-cache-snapshot")
def snapshot_changed(sender, instance: Snapshot, **kwargs) -> None:
    invalidate_claims(_public_citing_claims(instance.source_id))


def _public_citing_claims(source_id: int) -> list[int]:
    return list(
        Citation.objects.of_public_claims()
        .filter(source_id=source_id)
        .values_list("claim_id", flat=True)
    )


def sources_checked_in_bulk(sources: list[Source], new_snapshots: set[int]) -> None:
    """What source_changed and snapshot_changed do for checks written in bulk (bulk writes send
    no signals), in one query: `sources` as saved, `new_snapshots` the ids of those given a new
    snapshot row (or new tables). Sources annotated `has_citations=False` need no look-up."""
    touched = {s.pk for s in sources if _state_changed(s)} | set(new_snapshots)
    cited = {s.pk for s in sources if getattr(s, "has_citations", True)}
    if not touched & cited:
        return
    invalidate_claims(
        Citation.objects.of_public_claims()
        .filter(source_id__in=touched & cited)
        .values_list("claim_id", flat=True)
    )


def _state_changed(source: Source) -> bool:
    return (
        source.state_changed_at is not None
        and source.last_checked_at is not None
        and source.state_changed_at >= source.last_checked_at
    )
