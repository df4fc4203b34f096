"""Whole-page caching of the public site, and its invalidation.

Keys carry version numbers instead of being deleted one by one:

- the *site* version covers every page; only a change of the rating scale (shown everywhere)
  bumps it;
- the *lists* version covers every page but claim pages: home, lists, claimant and topic
  pages, search, feeds, sitemap; changes to what they show of public claims (a public claim
  saved, published or taken down, flagged for attention; claimants, topics) bump it, a draft
  saved or a source checked does not;
- each claim's own version covers its page; editing the claim, its figures, citations,
  claimant or topics bumps it, and a source check bumps the versions of the public claims
  citing that source. So an editor saving one draft, or monitoring a million sources, does not empty the
  cache of every claim page.

Keys also carry the active language. Each page's last rendering is also kept without versions
and served (X-Page-Cache: stale) only when the database is unreachable for a fresh one. Only anonymous GET/HEAD responses with status 200 are stored; logged-in users (editors) always
get a fresh page. Every cache call fails soft: if Redis is down the page is rendered normally.
Settings `PUBLIC_PAGE_CACHE` (off for benchmarks) and `PUBLIC_PAGE_VERSION_TTL` (seconds a
worker reuses the version numbers it read; 1 by default, so a hit needs no network I/O).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from claims import cache_metrics
from claims.models import (
    Claim,
    Claimant,
    ClaimEvent,
    ClaimQuerySet,
    Correction,
    Figure,
    PendingPageInvalidation,
    Rating,
    Topic,
)

logger = logging.getLogger(__name__)

SITE_VERSION_KEY = "public:v:site"
LISTS_VERSION_KEY = "public:v:lists"
PAGE_TIMEOUT = 60 * 60  # versions make stale keys unreachable; expiry only frees memory
LAST_GOOD_TIMEOUT = 24 * 60 * 60  # each page's last rendering, for a database outage


CLAIM_VERSION_KEY_PREFIX = "public:v:claim:"

# Sent after commit with the version keys a change bumped (`keys`): claims.warmup renders the
# pages again in the background (connected in ClaimsConfig.ready).
pages_invalidated = Signal()


def _claim_version_key(claim_id: int) -> str:
    return f"{CLAIM_VERSION_KEY_PREFIX}{claim_id}"


def page_cache_enabled() -> bool:
    return bool(getattr(settings, "PUBLIC_PAGE_CACHE", True))


def _fresh_version() -> int:
    # Random start: after Redis is flushed or restarted, versions never repeat old numbers, so
    # a page kept under an old key (here or in a worker's local copy) is never served again.
    return secrets.randbits(48)


def _try_bump(key: str) -> bool:
    _version_memo.pop(key, None)  # this worker sees its own invalidations at once
    try:
        try:
            cache.incr(key)
        except ValueError:  # not set yet (or evicted): any new value invalidates
            cache.add(key, _fresh_version(), timeout=None)
            cache.incr(key)
    except Exception as error:  # cache down: nothing cached can be served either, for now
        # One line, no traceback: an outage would otherwise print one per key and check.
        logger.warning("Could not bump public page version %s: %s", key, error)
        return False
    return True


def _bump(keys: Iterable[str]) -> None:
    failed = [key for key in keys if not _try_bump(key)]
    if failed:
        _remember_for_later(failed)


def _remember_for_later(keys: list[str]) -> None:
    """Keep the versions that could not be bumped in the database, for flush_pending().

    Without this, a Redis that was unreachable for a moment but kept its data would go on
    serving the pages from before the change until they expire (PAGE_TIMEOUT).
    """
    try:
        with transaction.atomic():  # a savepoint: a failure here must not break the caller's
            PendingPageInvalidation.objects.bulk_create(
                [PendingPageInvalidation(key=key) for key in keys], ignore_conflicts=True
            )
    except Exception:
        logger.exception("Could not record page cache invalidations %s for later", keys)


def flush_pending(limit: int = 5000) -> int:
    """Bump the versions recorded while the cache was unreachable; how many were bumped.

    Run every minute by claims.tasks.flush_page_invalidations; what still fails stays recorded.
    """
    pending = PendingPageInvalidation.objects.values_list("pk", "key")[:limit]
    done = [pk for pk, key in pending if _try_bump(key)]
    if done:
        PendingPageInvalidation.objects.filter(pk__in=done).delete()
    return len(done)


def _bump_now_and_after_commit(keys: list[str]) -> None:
    # Now, so the rest of this request sees fresh pages; again after commit, so a page rendered
    # by another request from the pre-commit data and cached meanwhile is not served.
    collecting = getattr(_deferred, "keys", None)
    if collecting is not None:
        collecting.update(keys)
        return
    _bump(keys)
    transaction.on_commit(lambda: _bump_and_announce(keys))


def _bump_and_announce(keys: list[str]) -> None:
    _bump(keys)
    try:
        pages_invalidated.send(sender=None, keys=keys)
    except Exception:  # a warm-up that cannot be asked for must not fail the change
        logger.warning("Could not announce page invalidations", exc_info=True)


_deferred = threading.local()


@contextlib.contextmanager
def deferred_invalidation() -> Iterator[None]:
    """Collect the invalidations of a bulk write (an import chunk) and send each key once, at
    the end of the block (and again after commit), instead of a dozen round trips per row."""
    if getattr(_deferred, "keys", None) is not None:
        yield  # nested: the outermost block sends them
        return
    _deferred.keys = set()
    try:
        yield
    except BaseException:
        _deferred.keys = None  # rolled back: nothing to invalidate
        raise
    keys, _deferred.keys = _deferred.keys, None
    if keys:
        _bump_now_and_after_commit(sorted(keys))


def invalidate_site() -> None:
    """Every public page may have changed (the rating scale)."""
    _bump_now_and_after_commit([SITE_VERSION_KEY])


def invalidate_lists(claim_ids: Iterable[int] = ()) -> None:
    """An editorial change: every page but claim pages, and the pages of these claims."""
    keys = [LISTS_VERSION_KEY] + [_claim_version_key(pk) for pk in set(claim_ids) if pk]
    _bump_now_and_after_commit(keys)


def invalidate_claims(claim_ids: Iterable[int]) -> None:
    """The pages of these claims may have changed (their citations or sources)."""
    keys = [_claim_version_key(pk) for pk in set(claim_ids) if pk is not None]
    if keys:
        _bump_now_and_after_commit(keys)


def version_ttl() -> float:
    """Seconds a worker may reuse version numbers it has read (0: read them on every request).

    With a TTL, a cached hit needs no round trip to Redis at all; the price is that another
    worker's invalidation (or a flushed Redis) is seen up to that many seconds late; this
    worker's own are seen at once. One second (the default) costs a reader nothing noticeable
    and halves the cost of a hit; 0 asks Redis on every request.
    """
    return max(0.0, float(getattr(settings, "PUBLIC_PAGE_VERSION_TTL", 1.0)))


# key -> (read at, version): versions this worker read recently (used only with a TTL).
_version_memo: dict[str, tuple[float, int]] = {}


def _read_versions(keys: list[str]) -> dict[str, int] | None:
    """The current number of each version key (memoised for PUBLIC_PAGE_VERSION_TTL, created
    when missing), in at most two round trips; None if the cache is down."""
    ttl = version_ttl()
    now = time.monotonic()
    found: dict[str, int] = {}
    if ttl:
        for key in keys:
            memo = _version_memo.get(key)
            if memo is not None and now - memo[0] < ttl:
                found[key] = memo[1]
    wanted = [key for key in keys if key not in found]
    if wanted:
        try:
            found.update(cache.get_many(wanted))
            missing = [key for key in wanted if key not in found]
            if missing:
                for key in missing:
                    cache.add(key, _fresh_version(), timeout=None)
                found.update(cache.get_many(missing))
        except Exception:
            logger.warning("Page cache unavailable; rendering", exc_info=True)
            return None
        if ttl:
            for key in wanted:
                if key in found:
                    _version_memo[key] = (now, found[key])
    if len(found) != len(keys):
        return None
    return found


def _versions(claim_id: int | None) -> str | None:
    own = _claim_version_key(claim_id) if claim_id else LISTS_VERSION_KEY
    keys = [SITE_VERSION_KEY, own]
    found = _read_versions(keys)
    if found is None:
        return None
    return ".".join(str(found[key]) for key in keys)


def _page_key(request: HttpRequest, versions: str) -> str:
    # The language joins the key: pages outside the language-prefixed URLs (the sitemap) follow
    # the reader's Accept-Language, and one URL must never serve another language's page.
    digest = hashlib.sha256(request.get_full_path().encode("utf-8")).hexdigest()[:32]
    return f"public:page:{versions}:{translation.get_language()}:{digest}"


class _LocalPages:
    """A small per-process LRU of rendered pages in front of the shared cache.

    Keys include the current versions (read from the shared cache on every request, or at most
    PUBLIC_PAGE_VERSION_TTL seconds ago), so a local copy is no staler than the versions are;
    it saves fetching and unpickling the page body from Redis on every hit.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.pages: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: str, page: tuple[bytes, str]) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


local_pages = _LocalPages()


def forget_local_state() -> None:
    """Drop this process's copies of versions and pages (tests; after flushing the cache)."""
    _version_memo.clear()
    local_pages.clear()


def _stored_page(key: str) -> tuple[bytes, str] | None:
    page = local_pages.get(key)
    if page is not None:
        return page
    try:
        page = cache.get(key)
    except Exception:
        logger.warning("Page cache unavailable; rendering", exc_info=True)
        return None
    if page is not None:
        local_pages.put(key, page)
    return page


def _last_good_key(request: HttpRequest) -> str:
    # No versions: the page as last rendered, whatever changed since (served only when the
    # database cannot render a fresh one).
    return _page_key(request, "last")


def _last_good_page(request: HttpRequest) -> tuple[bytes, str] | None:
    try:
        return cache.get(_last_good_key(request))
    except Exception:
        logger.warning("Page cache unavailable; no last good page", exc_info=True)
        return None


RECENT_LISTS_KEY = "public:warm:recent-lists"
RECENT_LISTS_SIZE = 100
RECENT_LISTS_TIMEOUT = 15 * 60  # a page nobody has asked for again since is not warmed


def _remember_read(request: HttpRequest, claim_id: int | None) -> None:
    """Note a page of the lists group that a reader had to wait for, so the warm-up renders it
    after the next change: pages readers actually ask for (a search, page 3 of the list) are
    kept warm, not only the ones the warm-up knows. Best effort: a lost race drops one entry."""
    if claim_id or getattr(request, "page_warmup", False):
        return
    entry = (translation.get_language(), request.get_full_path())
    try:
        recent = cache.get(RECENT_LISTS_KEY) or {}
        recent.pop(entry, None)
        recent[entry] = time.time()
        while len(recent) > RECENT_LISTS_SIZE:
            recent.pop(next(iter(recent)))
        cache.set(RECENT_LISTS_KEY, recent, RECENT_LISTS_TIMEOUT)
    except Exception as error:
        logger.warning("Could not note a page for the warm-up: %s", error)


def recently_read_lists_pages(language: str) -> list[str]:
    """The paths of lists-group pages readers waited for in the last RECENT_LISTS_TIMEOUT
    seconds in this language, most recent first."""
    try:
        recent = cache.get(RECENT_LISTS_KEY) or {}
    except Exception:
        return []
    cutoff = time.time() - RECENT_LISTS_TIMEOUT
    read = [(at, path) for (lang, path), at in recent.items() if lang == language and at >= cutoff]
    return [path for _at, path in sorted(read, reverse=True)]


def warmup_pending_key(group: str) -> str:
    """The marks claims.warmup sets while a run for this page group ("lists", "claim:<id>") is
    due, and ("rendering:<group>") while it renders; both expire by themselves."""
    return f"public:warm:{group}"


def _superseded_page_while_warming(
    request: HttpRequest, claim_id: int | None
) -> tuple[bytes, str] | None:
    """The page's previous rendering, if a warm-up run that renders its group again is due.

    Readers then never wait for a render just after a change: until the run has rendered the
    page (its countdown, a second or two, plus the render; at most claims.warmup.QUEUE_GRACE
    more if the worker is busy, RENDERING_TIMEOUT if a run dies) they get the page as it was
    just before, like a reader whose worker has not yet seen the new version.
    """
    if getattr(request, "page_warmup", False):
        return None  # the warm-up itself renders
    group = f"claim:{claim_id}" if claim_id else "lists"
    marks = [warmup_pending_key(group), warmup_pending_key(f"rendering:{group}")]
    try:
        found = cache.get_many([*marks, _last_good_key(request)])
    except Exception:
        return None
    if not any(mark in found for mark in marks):
        return None
    return found.get(_last_good_key(request))


def _count(request: HttpRequest, result: str) -> None:
    # Readers only: the background warm-up's own renders are not requests served.
    if not getattr(request, "page_warmup", False):
        cache_metrics.count(result)


def cached_public_page(view: Callable | None = None, *, claim_kwarg: str | None = None):
    """Serve the view's anonymous 200 responses from the cache, keyed by URL and versions.

    `claim_kwarg` names the URL argument holding a claim id, whose own version joins the key.
    """

    def decorator(view_func: Callable) -> Callable:
        @functools.wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            cacheable = (
                request.method in ("GET", "HEAD")
                and page_cache_enabled()
                and not request.user.is_authenticated
            )
            if not cacheable:
                if request.method in ("GET", "HEAD") and not request.user.is_authenticated:
                    _count(request, cache_metrics.BYPASS)
                return view_func(request, *args, **kwargs)
            claim_id = kwargs.get(claim_kwarg) if claim_kwarg else None
            versions = _versions(claim_id)
            if versions is None:
                _count(request, cache_metrics.BYPASS)
                return view_func(request, *args, **kwargs)
            key = _page_key(request, versions)
            stored = _stored_page(key)
            if stored is not None:
                content, content_type = stored
                response = HttpResponse(content, content_type=content_type)
                response["X-Page-Cache"] = "hit"
                _count(request, cache_metrics.HIT)
                return response
            stale = _superseded_page_while_warming(request, claim_id)
            if stale is not None:
                response = HttpResponse(stale[0], content_type=stale[1])
                response["X-Page-Cache"] = "stale"
                _count(request, cache_metrics.STALE)
                return response
            try:
                response = view_func(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            except (OperationalError, InterfaceError):
                # The database is unreachable: the last page rendered here is better than a 500.
                last_good = _last_good_page(request)
                if last_good is None:
                    _count(request, cache_metrics.UNCACHEABLE)
                    raise
                logger.warning("Database unavailable; serving the last good %s", request.path)
                _count(request, cache_metrics.STALE)
                response = HttpResponse(last_good[0], content_type=last_good[1])
                response["X-Page-Cache"] = "stale"
                return response
            except Exception:  # Http404 and failures: answered without the cache
                _count(request, cache_metrics.UNCACHEABLE)
                raise
            if response.status_code == 200 and not response.streaming and not response.cookies:
                page = (response.content, response["Content-Type"])
                try:
                    cache.set(key, page, PAGE_TIMEOUT)
                    cache.set(_last_good_key(request), page, LAST_GOOD_TIMEOUT)
                except Exception:
                    logger.warning("Could not store page in cache", exc_info=True)
                    _count(request, cache_metrics.BYPASS)
                else:
                    local_pages.put(key, page)
                    _count(request, cache_metrics.MISS)
                    _remember_read(request, claim_id)
                response["X-Page-Cache"] = "miss"
            else:
                _count(request, cache_metrics.UNCACHEABLE)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


# --- Receivers: editorial changes (claims side; sources/signals.py covers evidence) ---------


def _site_changed(sender, **kwargs) -> None:
    invalidate_site()


def _claim_changed(sender, instance: Claim, created: bool = False, **kwargs) -> None:
    # Lists show public claims only: a draft saved (not public, never was since it was read)
    # leaves them cached; publishing, editing a public claim or taking it down does not.
    if created:
        was_public = False
    else:
        stored = getattr(instance, "stored_status", None)
        was_public = stored is None or stored in ClaimQuerySet.PUBLIC_STATUSES
    update_fields = kwargs.get("update_fields")
    status_saved = update_fields is None or "status" in update_fields
    is_public = instance.is_public if status_saved else was_public
    if status_saved:
        instance.stored_status = instance.status
    if was_public or is_public:
        invalidate_lists([instance.pk])
    else:
        invalidate_claims([instance.pk])


def _claim_deleted(sender, instance: Claim, **kwargs) -> None:
    invalidate_lists([instance.pk])


def _claim_part_changed(sender, instance, **kwargs) -> None:
    # Figures, corrections and history show on the claim's page only; the card of a claim
    # corrected changes through the claim's own save (status, revised_at).
    invalidate_claims([getattr(instance, "claim_id", None)])


def _claims_shown_changed(claims: Iterable[tuple[int, str]]) -> None:
    # A claimant or topic shows on public pages only through its public claims (a new one,
    # or one of drafts alone, is on none).
    claims = list(claims)
    if any(status in ClaimQuerySet.PUBLIC_STATUSES for _pk, status in claims):
        invalidate_lists(pk for pk, _status in claims)
    else:
        invalidate_claims(pk for pk, _status in claims)


def _claimant_changed(sender, instance, **kwargs) -> None:
    _claims_shown_changed(Claim.objects.filter(claimant_id=instance.pk).values_list("pk", "status"))


def _topic_changed(sender, instance, **kwargs) -> None:
    _claims_shown_changed(instance.claims.values_list("pk", "status"))


def _claim_topics_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        invalidate_lists([instance.pk])
    elif pk_set is not None:  # topic.claims.add(...) / remove(...)
        invalidate_lists(pk_set)
    else:  # topic.claims.clear(): which claims it had is gone by now
        invalidate_site()


def connect_claims_signals() -> None:
    """Called from ClaimsConfig.ready()."""
    receivers = [
        (Rating, _site_changed, _site_changed),
        (Claim, _claim_changed, _claim_deleted),
        (Claimant, _claimant_changed, _claimant_changed),
        # After a topic is deleted its claims are unknown: rare enough to refresh everything.
        (Topic, _topic_changed, _site_changed),
        (Figure, _claim_part_changed, _claim_part_changed),
        (Correction, _claim_part_changed, _claim_part_changed),
        (ClaimEvent, _claim_part_changed, _claim_part_changed),
    ]
    for model, on_save, on_delete in receivers:
        post_save.connect(on_save, sender=model, dispatch_uid=f"public-cache-{model.__name__}")
        post_delete.connect(
            on_delete, sender=model, dispatch_uid=f"public-cache-del-{model.__name__}"
        )
    m2m_changed.connect(
        _claim_topics_changed, sender=Claim.topics.through, dispatch_uid="public-cache-claim-topics"
    )


def claim_versions(claim_ids: Iterable[int]) -> dict[int, str] | None:
    """For each claim, the "site.claim" versions its page is cached under, read in one round
    trip (memoised like the pages' own, PUBLIC_PAGE_VERSION_TTL); None if the cache is down.

    What is cached per claim elsewhere (the list cards) is keyed by these, so it is invalidated
    exactly when the claim's page is.
    """
    ids = list(dict.fromkeys(pk for pk in claim_ids if pk))
    found = _read_versions([SITE_VERSION_KEY, *(_claim_version_key(pk) for pk in ids)])
    if found is None:
        return None
    site = found[SITE_VERSION_KEY]
    return {pk: f"{site}.{found[_claim_version_key(pk)]}" for pk in ids}


def lists_versions() -> str | None:
    """The "site.lists" versions the list pages are cached under (memoised like the pages'
    own); None if the cache is down. What is cached for lists elsewhere (their filter fields
    and counts) is keyed by these, so it is invalidated exactly when the list pages are."""
    found = _read_versions([SITE_VERSION_KEY, LISTS_VERSION_KEY])
    if found is None:
        return None
    return f"{found[SITE_VERSION_KEY]}.{found[LISTS_VERSION_KEY]}"


def lists_and_claim_versions(claim_ids: Iterable[int]) -> tuple[str, dict[int, str]] | None:
    """`lists_versions()` and `claim_versions(claim_ids)` read in one round trip."""
    ids = list(dict.fromkeys(pk for pk in claim_ids if pk))
    keys = [SITE_VERSION_KEY, LISTS_VERSION_KEY, *(_claim_version_key(pk) for pk in ids)]
    found = _read_versions(keys)
    if found is None:
        return None
    site = found[SITE_VERSION_KEY]
    claims = {pk: f"{site}.{found[_claim_version_key(pk)]}" for pk in ids}
    return f"{site}.{found[LISTS_VERSION_KEY]}", claims
