"""Thin Celery tasks of the claims app."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from claims import caching, share_images, warmup


@shared_task(name="claims.tasks.flush_page_invalidations", ignore_result=True)
def flush_page_invalidations() -> int:
    """Bump the page cache versions that a cache outage kept from being bumped."""
    return caching.flush_pending()


# Idempotent (drawn only when the stored picture is stale), so a redelivered run is harmless.
@shared_task(
    name="claims.tasks.render_share_image",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=5,
)
def render_share_image(claim_id: int) -> bool:
    """Draw and store the share picture of a claim that was published or changed."""
    return share_images.store_share_image(claim_id)


@shared_task(name="claims.tasks.warm_public_pages", ignore_result=True)
def warm_public_pages(claim_ids: list[int], lists: bool) -> int:
    """Render the public pages an invalidation emptied, so the next reader gets a cached page."""
    return warmup.warm_pages(claim_ids, lists)


def request_warm_up(sender, keys: list[str], **kwargs) -> None:
    """caching.pages_invalidated receiver: one run per page group per window (claims.warmup)."""
    wanted = warmup.request_warmup(keys)
    if wanted is not None:
        warm_public_pages.apply_async(wanted, countdown=warmup.warmup_delay())
