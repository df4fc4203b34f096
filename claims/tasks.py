"""Thin Celery tasks of the claims app."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from claims import caching, share_images


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
