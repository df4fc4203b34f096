"""Cached fragments of the public pages: the claim cards of the lists.

A list page (home, all fact checks, a claimant's, a topic's) is re-rendered whenever any claim
changes, yet most of its cards have not. Each rendered card is kept under the versions of its
claim's own page (`caching.claim_versions`: the site version, bumped by rating-scale changes,
and the claim's, bumped by any change to the claim, its claimant, topics, figures, citations
or their sources) plus the language and heading level. A card shows nothing its claim's page
does not show, so it is invalidated whenever what it shows can have changed.

Setting `PUBLIC_FRAGMENT_CACHE` (default on) turns it off; every cache call fails soft (the
cards are rendered as if nothing were cached).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from claims import caching
from claims.models import Claim

logger = logging.getLogger(__name__)

CARD_TEMPLATE = "claims/_claim_card.html"
FRAGMENT_TIMEOUT = caching.PAGE_TIMEOUT  # versions make stale keys unreachable


def fragment_cache_enabled() -> bool:
    return bool(getattr(settings, "PUBLIC_FRAGMENT_CACHE", True))


def _card_key(versions: str, language: str, level: str, claim_id: int) -> str:
    return f"public:card:{versions}:{language}:{level}:{claim_id}"


def render_card(claim: Claim, level: str) -> SafeString:
    """One card, as `{% include "claims/_claim_card.html" with level=... %}` renders it."""
    return get_template(CARD_TEMPLATE).render({"claim": claim, "level": level})


def claim_cards(claims: Iterable[Claim], level: str = "3") -> SafeString:
    """The cards of `claims`, in order, concatenated: cached ones read in one round trip, the
    others rendered (with what `selectors.listing` reads) and stored."""
    claims = list(claims)
    if not claims:
        return mark_safe("")
    language = translation.get_language() or settings.LANGUAGE_CODE
    versions = caching.claim_versions(c.pk for c in claims) if fragment_cache_enabled() else None
    if versions is None:
        return mark_safe("".join(render_card(claim, level) for claim in claims))  # noqa: S308 - rendered templates
    keys = {claim.pk: _card_key(versions[claim.pk], language, level, claim.pk) for claim in claims}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("Fragment cache unavailable; rendering", exc_info=True)
        found = {}
    parts, fresh = [], {}
    for claim in claims:
        key = keys[claim.pk]
        html = found.get(key)
        if html is None:
            html = fresh[key] = str(render_card(claim, level))
        parts.append(html)
    if fresh:
        try:
            cache.set_many(fresh, FRAGMENT_TIMEOUT)
        except Exception:
            logger.warning("Could not store fragments in cache", exc_info=True)
    return mark_safe("".join(parts))  # noqa: S308 - each part is a rendered (escaped) template
