"""Cached fragments of the public pages: the claim cards of the lists, the lists' filter
fields and counts, and the claim page.

A list page (home, all fact checks, a claimant's, a topic's) is re-rendered whenever any claim
changes, yet most of its cards have not. Each rendered card is kept under the versions of its
claim's own page (`caching.claim_versions`: the site version, bumped by rating-scale changes,
and the claim's, bumped by any change to the claim, its claimant, topics, figures, citations
or their sources) plus the language and heading level. A card shows nothing its claim's page
does not show, so it is invalidated whenever what it shows can have changed.

The claim page's own blocks (title, description, head, content of claims/claim_detail.html) are
kept the same way, under the versions of the claim and of the claim it repeats (whose title and
status it shows). One thing on it bumps no version: the time a routine check last reached a
cited source. Those times are cached as markers and filled in from the database on each read.

The list of all fact checks keeps its filter fields and its count, and search its count, under
the lists' own versions
(`caching.lists_versions`, bumped by any change to a claim, claimant, topic or the scale) plus
the language and the filters asked for.

Setting `PUBLIC_FRAGMENT_CACHE` (default on) turns it off; every cache call fails soft (the
cards are rendered as if nothing were cached).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.template import engines
from django.template.context import make_context
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from claims import caching, selectors
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
    """The cards of `claims` (from `selectors.card_listing`, or with their topics read), in
    order, concatenated: cached ones read in one round trip, the others rendered and stored."""
    claims = list(claims)
    if not claims:
        return mark_safe("")
    language = translation.get_language() or settings.LANGUAGE_CODE
    versions = caching.claim_versions(c.pk for c in claims) if fragment_cache_enabled() else None
    if versions is None:
        selectors.read_card_topics(claims)
        return mark_safe("".join(render_card(claim, level) for claim in claims))  # noqa: S308 - rendered templates
    keys = {claim.pk: _card_key(versions[claim.pk], language, level, claim.pk) for claim in claims}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("Fragment cache unavailable; rendering", exc_info=True)
        found = {}
    return _cards(claims, level, keys, found)


def _cards(claims: list[Claim], level: str, keys: dict[int, str], found: dict) -> SafeString:
    """The cards of `claims`: those in `found` (cache key -> html) as found, the others
    rendered and stored under their `keys`."""
    selectors.read_card_topics([claim for claim in claims if keys[claim.pk] not in found])
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


# --- The claim page ---------------------------------------------------------------------------

CLAIM_PAGE_TEMPLATE = "claims/claim_detail.html"
# base.html with the claim page's blocks given as rendered HTML (`blocks`).
CLAIM_PAGE_SHELL = "claims/claim_detail_shell.html"
# Set in the context while the blocks are rendered for the cache: the "last checked" times
# become markers (NUL never reaches stored text: it is cleaned on entry, and PostgreSQL
# refuses it).
MARKERS_CONTEXT_KEY = "_last_checked_markers"
_MARKER = re.compile("\x00last-checked:(\\d+)\x00")
_LAST_CHECKED_SOURCE = (
    '{% load i18n public_site %}{% if when %}, {% blocktranslate with when=when|time_element:"j M Y,'
    ' H:i" %}last checked {{ when }}{% endblocktranslate %}{% endif %}'
)
_last_checked_template = None


def render_last_checked(when) -> str:
    """What follows a cited source's state: ", last checked <time>", or "" if never checked."""
    global _last_checked_template
    if _last_checked_template is None:
        _last_checked_template = engines["django"].from_string(_LAST_CHECKED_SOURCE)
    return _last_checked_template.render({"when": when})


def last_checked_marker(citation_id: int) -> str:
    return f"\x00last-checked:{citation_id}\x00"


def _claim_page_key(versions: str, language: str) -> str:
    return f"public:claim-page:{versions}:{language}"


@dataclass(frozen=True)
class ClaimPageLookup:
    """Where a claim's blocks are cached under its current versions, and what was found
    there: {"blocks": {name: html with markers}, "repeat_of": [id, versions] | None}."""

    key: str
    stored: dict | None


def look_up_claim_page(claim_id: int) -> ClaimPageLookup | None:
    """The cached blocks of the claim's page under its current versions (two round trips);
    None when fragments are off or the cache is down."""
    if not fragment_cache_enabled():
        return None
    versions = caching.claim_versions([claim_id])
    if versions is None:
        return None
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = _claim_page_key(versions[claim_id], language)
    try:
        stored = cache.get(key)
    except Exception:
        logger.warning("Fragment cache unavailable; rendering", exc_info=True)
        return None
    return ClaimPageLookup(key, stored if isinstance(stored, dict) else None)


def claim_page_from_cache(
    lookup: ClaimPageLookup, repeat_of_id: int | None, checked_at: dict
) -> dict[str, SafeString] | None:
    """The stored blocks with the sources' last-checked times (`checked_at`: citation id ->
    time, read now) filled in; None on a miss, or when the claim it repeats is another one or
    has changed since."""
    stored = lookup.stored
    if stored is None:
        return None
    repeat = stored.get("repeat_of")
    if (repeat[0] if repeat else None) != repeat_of_id:
        return None
    if repeat:
        versions = caching.claim_versions([repeat_of_id])
        if versions is None or versions[repeat_of_id] != repeat[1]:
            return None
    return _filled(stored["blocks"], checked_at)


def store_claim_page(
    request: HttpRequest, lookup: ClaimPageLookup, context: dict
) -> dict[str, SafeString] | None:
    """Render the blocks of the claim page from `context` (what claims/claim_detail.html
    takes), store them under `lookup`'s key, and return them filled in."""
    claim = context["claim"]
    repeat = None
    if claim.repeat_of_id:
        versions = caching.claim_versions([claim.repeat_of_id])
        if versions is None:
            return None
        repeat = [claim.repeat_of_id, versions[claim.repeat_of_id]]
    blocks = _render_blocks(request, CLAIM_PAGE_TEMPLATE, {**context, MARKERS_CONTEXT_KEY: True})
    try:
        cache.set(lookup.key, {"blocks": blocks, "repeat_of": repeat}, FRAGMENT_TIMEOUT)
    except Exception:
        logger.warning("Could not store fragments in cache", exc_info=True)
    return _filled(blocks, {c.pk: c.source.last_checked_at for c in context["citations"]})


def _filled(blocks: dict[str, str], checked_at: dict) -> dict[str, SafeString] | None:
    filled = {name: _fill_last_checked(html, checked_at) for name, html in blocks.items()}
    if any(html is None for html in filled.values()):
        return None
    return {name: mark_safe(html) for name, html in filled.items()}  # noqa: S308 - rendered templates


def _render_blocks(request: HttpRequest, template_name: str, context: dict) -> dict[str, str]:
    """Each block of a template that extends another, rendered on its own (as the parent
    would render it: none of them uses block.super)."""
    template = get_template(template_name).template
    extends = template.nodelist.get_nodes_by_type(ExtendsNode)[0]
    blocks: dict[str, BlockNode] = extends.blocks
    bound = make_context(context, request, autoescape=template.engine.autoescape)
    with bound.render_context.push_state(template), bound.bind_template(template):
        return {name: str(block.nodelist.render(bound)) for name, block in blocks.items()}


def _fill_last_checked(html: str, checked_at: dict) -> str | None:
    """The markers replaced by the times in `checked_at` (citation id -> datetime); None if
    a marked citation is not there (then the stored blocks are not this page's any more)."""
    missing = False

    def fill(match: re.Match) -> str:
        nonlocal missing
        citation_id = int(match.group(1))
        if citation_id not in checked_at:
            missing = True
            return ""
        return render_last_checked(checked_at[citation_id])

    filled = _MARKER.sub(fill, html)
    return None if missing else filled


# --- The list of all fact checks: filter fields and count ---------------------------------------

FILTER_FIELDS_TEMPLATE = "claims/_filter_fields.html"


@dataclass(frozen=True)
class ListPartsLookup:
    """Where a filtered list's parts are cached, and what was found there: {"fields": html,
    "count": int}."""

    key: str
    stored: dict | None


def look_up_list_parts(filter_query: str, kind: str = "list") -> ListPartsLookup | None:
    """The cached parts of the list (`kind` "list": filter fields and count; "search": the
    count) asked for by `filter_query` (the query string without the page), under the lists'
    current versions; None when fragments are off or the cache is down."""
    if not fragment_cache_enabled():
        return None
    versions = caching.lists_versions()
    if versions is None:
        return None
    key = _list_parts_key(versions, kind, filter_query)
    try:
        stored = cache.get(key)
    except Exception:
        logger.warning("Fragment cache unavailable; rendering", exc_info=True)
        return None
    return ListPartsLookup(key, stored if isinstance(stored, dict) else None)


def _list_parts_key(versions: str, kind: str, filter_query: str) -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    digest = hashlib.sha256(filter_query.encode("utf-8")).hexdigest()[:32]
    return f"public:{kind}-parts:{versions}:{language}:{digest}"


@dataclass(frozen=True)
class ListPageLookup:
    """What the cache holds of one page of the list of all fact checks: its parts (filter
    fields and count), and the cards of its claims (`cards()` renders the others)."""

    parts: ListPartsLookup
    claims: list[Claim]
    level: str
    card_keys: dict[int, str]
    found_cards: dict

    def cards(self) -> SafeString:
        return _cards(self.claims, self.level, self.card_keys, self.found_cards)


def look_up_list_page(filter_query: str, claims: list[Claim], level: str) -> ListPageLookup | None:
    """`look_up_list_parts(filter_query)` and the cached cards of `claims` (a page of it) at
    once: two round trips (all the versions, then the parts and the cards) instead of four;
    None when fragments are off or the cache is down."""
    if not fragment_cache_enabled():
        return None
    versions = caching.lists_and_claim_versions(c.pk for c in claims)
    if versions is None:
        return None
    lists, claim_versions = versions
    parts_key = _list_parts_key(lists, "list", filter_query)
    language = translation.get_language() or settings.LANGUAGE_CODE
    card_keys = {c.pk: _card_key(claim_versions[c.pk], language, level, c.pk) for c in claims}
    try:
        found = cache.get_many([parts_key, *card_keys.values()])
    except Exception:
        logger.warning("Fragment cache unavailable; rendering", exc_info=True)
        return None
    stored = found.pop(parts_key, None)
    parts = ListPartsLookup(parts_key, stored if isinstance(stored, dict) else None)
    return ListPageLookup(parts, claims, level, card_keys, found)


def render_filter_fields(form) -> SafeString:
    return get_template(FILTER_FIELDS_TEMPLATE).render({"form": form})


def store_list_parts(lookup: ListPartsLookup, count: int, fields: str = "") -> None:
    try:
        cache.set(lookup.key, {"fields": str(fields), "count": count}, FRAGMENT_TIMEOUT)
    except Exception:
        logger.warning("Could not store fragments in cache", exc_info=True)
