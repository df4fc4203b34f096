"""Claim -> schema.org ClaimReview JSON-LD, following Google's fact-check markup rules.

Shared by the public claim pages (one ClaimReview per page), the API (each claim's ClaimReview
and the DataFeed of all of them) and the import round trip (`claims.claimreview_import`).

Load claims for `claim_review()` with `claimreview_queryset()` (or the same
`select_related("claimant", "rating")` + `prefetch_related("citations__source")`), otherwise
each claim costs extra queries. Pass `scale=rating_scale_bounds()` when building many reviews
so the scale is read once.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from claims.models import Claim, Claimant, Rating

SCHEMA_CONTEXT = "https://schema.org"
# Google: "claimReviewed ... try to keep this less than 75 characters".
CLAIM_REVIEWED_MAX = 75
ORIGIN_ROLE = "origin"  # sources.models.Citation.Role.ORIGIN; claims does not import sources.
PERSON_KINDS = {Claimant.Kind.PERSON}


def claimreview_queryset(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims with everything `claim_review()` reads, in a fixed number of queries."""
    queryset = Claim.objects.all() if queryset is None else queryset
    return queryset.select_related("claimant", "rating").prefetch_related("citations__source")


def rating_scale_bounds() -> tuple[int, int] | None:
    """(worst, best) `value` among the ordinal ratings (true/mixed/false buckets); one query."""
    ordinal_buckets = [Rating.Bucket.TRUE, Rating.Bucket.MIXED, Rating.Bucket.FALSE]
    bounds = Rating.objects.filter(bucket__in=ordinal_buckets).aggregate(
        worst=Min("value"), best=Max("value")
    )
    if bounds["worst"] is None or bounds["best"] is None:
        return None
    return bounds["worst"], bounds["best"]


def truncate(text: str, limit: int = CLAIM_REVIEWED_MAX) -> str:
    """`text` on one line, cut at a word boundary with an ellipsis so it fits in `limit` chars."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def review_url(claim: Claim, site_url: str | None = None) -> str:
    """Where the review lives: an imported review keeps its publisher's URL, ours is on our site."""
    if claim.review_url:
        return claim.review_url
    return (site_url or settings.SITE_URL).rstrip("/") + claim.get_absolute_url()


def claimant_json_ld(claimant: Claimant) -> dict[str, Any]:
    person = claimant.kind in PERSON_KINDS
    data: dict[str, Any] = {"@type": "Person" if person else "Organization", "name": claimant.name}
    if person and claimant.role:
        data["jobTitle"] = claimant.role
    same_as = [url for url in (claimant.same_as or []) if isinstance(url, str) and url]
    if same_as:
        data["sameAs"] = same_as
    return data


def appearance_urls(claim: Claim) -> list[str]:
    """Where the claim was made: its appearance URL, then its origin citations' sources."""
    urls = [claim.appearance_url] if claim.appearance_url else []
    # .all() so a prefetch (citations__source) is used; role filtered here for the same reason.
    for citation in claim.citations.all():
        if citation.role == ORIGIN_ROLE and citation.source.url not in urls:
            urls.append(citation.source.url)
    return urls


def rating_json_ld(
    rating: Rating, explanation: str, scale: tuple[int, int] | None
) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Rating", "alternateName": rating.label}
    # Only ratings on the accurate..inaccurate line have a place on a numeric scale.
    if rating.is_ordinal and scale is not None:
        worst, best = scale
        data.update(ratingValue=rating.value, bestRating=best, worstRating=worst)
    if explanation.strip():
        data["ratingExplanation"] = explanation.strip()
    return data


def claim_review(
    claim: Claim,
    *,
    site_url: str | None = None,
    scale: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The ClaimReview JSON-LD dict for a published claim (see module docstring for loading).

    `scale` is `rating_scale_bounds()` computed once by the caller; without it, it is read here.
    Raises ValueError for claims that are not public or lack a rating: they have no review.
    """
    if not claim.is_public or claim.rating is None or claim.published_at is None:
        raise ValueError("Only published claims with a rating have a ClaimReview.")
    if scale is None:
        scale = rating_scale_bounds()
    item: dict[str, Any] = {"@type": "Claim", "author": claimant_json_ld(claim.claimant)}
    if claim.stated_on:
        item["datePublished"] = claim.stated_on.isoformat()
    appearances = appearance_urls(claim)
    if appearances:
        item["appearance"] = [{"@type": "CreativeWork", "url": url} for url in appearances]
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "url": review_url(claim, site_url),
        "claimReviewed": truncate(claim.title or claim.text),
        "author": {
            "@type": "Organization",
            "name": settings.PUBLISHER_NAME,
            "url": settings.PUBLISHER_URL,
        },
        "datePublished": timezone.localtime(claim.published_at).date().isoformat(),
        "reviewRating": rating_json_ld(claim.rating, claim.verdict_summary, scale),
        "itemReviewed": item,
    }


def data_feed(
    claims: QuerySet[Claim] | list[Claim], *, site_url: str | None = None
) -> dict[str, Any]:
    """A schema.org DataFeed of ClaimReview items (the shape aggregators consume)."""
    scale = rating_scale_bounds()
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "DataFeed",
        "name": f"{settings.PUBLISHER_NAME} fact checks",
        "url": (site_url or settings.SITE_URL).rstrip("/") + "/api/v1/claimreview/",
        "dateModified": timezone.now().isoformat(timespec="seconds"),
        "dataFeedElement": [
            claim_review(claim, site_url=site_url, scale=scale)
            for claim in claims
            if claim.is_public
        ],
    }


def json_ld_script_text(data: dict[str, Any]) -> str:
    """JSON for a `<script type="application/ld+json">`: `<`, `>` and `&` escaped, so text
    such as `</script>` inside a claim cannot end the script element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
