"""Thin Celery tasks of the claims app."""

from __future__ import annotations

from celery import shared_task

from claims import caching


@shared_task(name="claims.tasks.flush_page_invalidations", ignore_result=True)
def flush_page_invalidations() -> int:
    """Bump the page cache versions that a cache outage kept from being bumped."""
    return caching.flush_pending()
