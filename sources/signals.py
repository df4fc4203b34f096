"""Public page cache invalidation when evidence changes (connected in SourcesConfig.ready)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from claims.caching import invalidate_claims, invalidate_site
from sources.models import Citation, Snapshot, Source


@receiver(post_save, sender=Citation, dispatch_uid="public-cache-citation")
@receiver(post_delete, sender=Citation, dispatch_uid="public-cache-citation-del")
def citation_changed(sender, instance: Citation, **kwargs) -> None:
    invalidate_claims([instance.claim_id])


@receiver(post_save, sender=Source, dispatch_uid="public-cache-source")
def source_changed(sender, instance: Source, **kwargs) -> None:
    """A check updates the source (state, last checked): the pages of the claims citing it."""
    invalidate_claims(
        Citation.objects.filter(source_id=instance.pk).values_list("claim_id", flat=True)
    )
    # A change of state (the check sets state_changed_at to its own time) may also flag claims
    # for attention, which lists show: then every page.
    if (
        instance.state_changed_at is not None
        and instance.last_checked_at is not None
        and instance.state_changed_at >= instance.last_checked_at
    ):
        invalidate_site()


@receiver(post_save, sender=Snapshot, dispatch_uid="public-cache-snapshot")
def snapshot_changed(sender, instance: Snapshot, **kwargs) -> None:
    invalidate_claims(
        Citation.objects.filter(source_id=instance.source_id).values_list("claim_id", flat=True)
    )
