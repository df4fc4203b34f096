"""Render the public pages an invalidation emptied, in the background, before readers ask.

After a change is committed, `caching` reports the version keys it bumped; `request_warmup`
turns them into page groups (a claim's page; the lists: home, all fact checks, feeds and the
claimants' and topics' pages of the claims concerned) and marks each group pending in the
cache for a short window, so a burst of invalidations (a batch of checks, an editor saving
twice) asks for one run per group; the run starts after the window, so it renders the last
version. `warm_pages` (claims.tasks.warm_public_pages) renders at most
PUBLIC_PAGE_WARMUP_MAX_PAGES pages per run, in every site language, each through the whole
request handler as an anonymous GET, so `caching.cached_public_page` stores it exactly as a
reader's request would.

Settings: `PUBLIC_PAGE_WARMUP` (off in tests unless a test turns it on),
`PUBLIC_PAGE_WARMUP_DELAY` (seconds of the window), `PUBLIC_PAGE_WARMUP_MAX_PAGES`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.handlers.base import BaseHandler
from django.test.client import RequestFactory
from django.urls import reverse
from django.utils import translation

from claims import caching
from claims.models import Claim

logger = logging.getLogger(__name__)

LISTS_GROUP = "lists"
QUEUE_GRACE = 10  # seconds a due run may wait for a worker before readers stop waiting for it
RENDERING_TIMEOUT = 30  # seconds: the longest a run may keep readers on previous renderings
NEWEST_CLAIMS = 50  # whose claimants' and topics' pages a change to the lists renders again
_CLAIM_KEY_PREFIX = caching.CLAIM_VERSION_KEY_PREFIX


def warmup_enabled() -> bool:
    return bool(getattr(settings, "PUBLIC_PAGE_WARMUP", False)) and caching.page_cache_enabled()


def warmup_delay() -> float:
    return max(0.0, float(getattr(settings, "PUBLIC_PAGE_WARMUP_DELAY", 1.5)))


def max_pages() -> int:
    return max(1, int(getattr(settings, "PUBLIC_PAGE_WARMUP_MAX_PAGES", 200)))


def _pending_key(group: str) -> str:
    return caching.warmup_pending_key(group)


def request_warmup(bumped_keys: Iterable[str]) -> tuple[list[int], bool] | None:
    """The claim ids and whether the lists need a run for these bumped version keys, marking
    them pending; None when every group is already pending (or warm-up is off)."""
    if not warmup_enabled():
        return None
    keys = set(bumped_keys)
    lists = bool(keys & {caching.LISTS_VERSION_KEY, caching.SITE_VERSION_KEY})
    claim_ids = sorted(
        int(key.removeprefix(_CLAIM_KEY_PREFIX))
        for key in keys
        if key.startswith(_CLAIM_KEY_PREFIX)
    )[: max_pages()]
    # The mark lasts until the run starts (it deletes it), or QUEUE_GRACE past the countdown:
    # invalidations until then join the run, and readers keep the previous renderings while a
    # busy worker's queue holds it, instead of each rendering the page themselves.
    window = warmup_delay() + QUEUE_GRACE
    try:
        lists = lists and cache.add(_pending_key(LISTS_GROUP), 1, window)
        claim_ids = [pk for pk in claim_ids if cache.add(_pending_key(f"claim:{pk}"), 1, window)]
    except Exception as error:  # cache down: pages cannot be stored either
        logger.warning("Page warm-up not requested: %s", error)
        return None
    if not lists and not claim_ids:
        return None
    return claim_ids, lists


def pages_to_warm(claim_ids: list[int], lists: bool) -> list[str]:
    """The paths to render, in the current language, most read first, at most max_pages()."""
    claims = list(
        Claim.objects.published()
        .filter(pk__in=claim_ids)
        .select_related("claimant")
        .prefetch_related("topics")
        .order_by("-published_at", "-pk")
    )
    paths = [claim.get_absolute_url() for claim in claims]
    if lists:
        paths += [
            reverse("claims:home"),
            reverse("claims:claim_list"),
            reverse("claims:feed_rss"),
            reverse("claims:feed_atom"),
        ]
        # Then the pages readers had to wait for lately (searches, later pages of the list).
        paths += caching.recently_read_lists_pages(translation.get_language())
        # The lists' version covers every claimant's and topic's page: those of the claims
        # concerned first, then those of the newest claims (the most read), within the budget.
        claims += list(
            Claim.objects.published()
            .select_related("claimant")
            .prefetch_related("topics")
            .order_by("-published_at", "-pk")[:NEWEST_CLAIMS]
        )
        for claim in claims:
            paths.append(reverse("claims:claimant_detail", kwargs={"slug": claim.claimant.slug}))
            paths += [
                reverse("claims:topic_detail", kwargs={"slug": topic.slug})
                for topic in claim.topics.all()
            ]
    return list(dict.fromkeys(paths))[: max_pages()]


class _AnonymousRenderer(BaseHandler):
    """The request handler with the site's middleware, for requests made here (no cookies, no
    session: AuthenticationMiddleware gives them the anonymous user)."""

    def __init__(self) -> None:
        super().__init__()
        self.load_middleware()
        self.factory = RequestFactory()
        host = urlsplit(settings.SITE_URL).netloc or "127.0.0.1"
        self.host = host if self._host_allowed(host) else None

    @staticmethod
    def _host_allowed(host: str) -> bool:
        from django.http.request import split_domain_port, validate_host

        domain, _port = split_domain_port(host)
        return validate_host(domain, settings.ALLOWED_HOSTS)

    def render(self, path: str) -> int:
        extra = {"HTTP_HOST": self.host} if self.host else {}
        request = self.factory.get(path, **extra)
        request.page_warmup = True  # not a reader: caching does not count it
        return self.get_response(request).status_code


def warm_pages(claim_ids: list[int], lists: bool) -> int:
    """Render and store the pages of these claims (and with `lists`, the list pages) in every
    site language; how many were rendered (a page already cached is a hit and costs little)."""
    if not warmup_enabled():
        return 0
    groups = [f"claim:{pk}" for pk in claim_ids] + ([LISTS_GROUP] if lists else [])
    # Invalidations from now on ask for a new run; readers keep the previous renderings of
    # these groups until this run is done (or RENDERING_TIMEOUT, if it dies).
    cache.set_many({_pending_key(f"rendering:{group}"): 1 for group in groups}, RENDERING_TIMEOUT)
    cache.delete_many([_pending_key(group) for group in groups])
    try:
        return _render_all(claim_ids, lists)
    finally:
        cache.delete_many([_pending_key(f"rendering:{group}") for group in groups])


def _render_all(claim_ids: list[int], lists: bool) -> int:
    renderer = _AnonymousRenderer()
    budget = max_pages()
    rendered = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            paths = pages_to_warm(claim_ids, lists)
        for path in paths:
            if rendered >= budget:
                return rendered
            with translation.override(language):
                status = renderer.render(path)
            if status != 200:
                logger.info("Warm-up of %s answered %s", path, status)
            rendered += 1
    return rendered
