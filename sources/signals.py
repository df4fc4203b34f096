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

from claims.caching import invalidate_claims, invalidate_lists
from sources.models import Citation, Snapshot, Source

source_broken = Signal()


@receiver(post_save, sender=Citation, dispatch_uid="public-cache-citation")
@receiver(post_delete, sender=Citation, dispatch_uid="public-cache-citation-del")
def citation_changed(sender, instance: Citation, **kwargs) -> None:
    invalidate_claims([instance.claim_id])


@receiver(post_save, sender=Source, dispatch_uid="public-cache-source")
def source_changed(sender, instance: Source, update_fields=None, **kwargs) -> None:
    """Editors' saves, and checks that change the source's state, refresh the citing pages.

    A routine check that finds the page as before (update_fields given, state unchanged) costs
    nothing here: the "last checked" time on cached pages may then lag by up to the page
    timeout, which is cheaper than a query and a cache write per check at a million sources.
    A new snapshot (and the excerpt states re-located with it) is covered by snapshot_changed.
    """
    state_changed = (
        instance.state_changed_at is not None
        and instance.last_checked_at is not None
        and instance.state_changed_at >= instance.last_checked_at
    )
    if update_fields is not None and not state_changed:
        return
    claim_ids = Citation.objects.filter(source_id=instance.pk).values_list("claim_id", flat=True)
    if state_changed:
        # A change of state may also flag claims for attention, which lists show.
        invalidate_lists(claim_ids)
    else:
        invalidate_claims(claim_ids)


@receiver(post_save, sender=Snapshot, dispatch_uid="public-cache-snapshot")
def snapshot_changed(sender, instance: Snapshot, **kwargs) -> None:
    invalidate_claims(
        Citation.objects.filter(source_id=instance.source_id).values_list("claim_id", flat=True)
    )


def sources_checked_in_bulk(sources: list[Source], new_snapshots: set[int]) -> None:
    """What source_changed and snapshot_changed do for checks written in bulk (bulk writes send
    no signals), in one query: `sources` as saved, `new_snapshots` the ids of those given a new
    snapshot row (or new tables). Sources annotated `has_citations=False` need no look-up."""
    changed = [s for s in sources if _state_changed(s)]
    touched = {s.pk for s in changed} | set(new_snapshots)
    claim_ids: dict[int, list[int]] = {pk: [] for pk in touched}
    cited = {s.pk for s in sources if getattr(s, "has_citations", True)}
    if touched & cited:
        for source_id, claim_id in Citation.objects.filter(
            source_id__in=touched & cited
        ).values_list("source_id", "claim_id"):
            claim_ids[source_id].append(claim_id)
    if changed:
        # A change of state may also flag claims for attention, which lists show.
        invalidate_lists([pk for s in changed for pk in claim_ids[s.pk]])
    invalidate_claims([pk for source_id in new_snapshots for pk in claim_ids[source_id]])


def _state_changed(source: Source) -> bool:
    return (
        source.state_changed_at is not None
        and source.last_checked_at is not None
        and source.state_changed_at >= source.last_checked_at
    )
