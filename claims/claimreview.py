"""Claim -> schema.org ClaimReview JSON-LD, following Google's fact-check markup rules.

Shared by the public claim pages (one ClaimReview per page), the API (each claim's ClaimReview
and the DataFeed of all of them) and the import round trip (`claims.claimreview_import`).

Load claims for `claim_review()` with `claimreview_queryset()` (or the same
`select_related("claimant", "rating")` + `prefetch_related("citations__source")`), otherwise
each claim costs extra queries. Pass `scale=rating_scale_bounds()` when building many reviews
so the scale is read once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from claims.figures import primary_language
from claims.hygiene import scrub_structure, strip_structure, structure_problems
from claims.languages import claim_languages
from claims.models import Claim, Claimant, Rating, RatingAlias
from claims.text import squeeze_spaces

SCHEMA_CONTEXT = "https://schema.org"
# Google: "claimReviewed ... try to keep this less than 75 characters".
CLAIM_REVIEWED_MAX = 75
ORIGIN_ROLE = "origin"  # sources.models.Citation.Role.ORIGIN; claims does not import sources.
PERSON_KINDS = {Claimant.Kind.PERSON}
_url_validator = URLValidator(schemes=["http", "https"])


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
    text = squeeze_spaces(text)
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


def is_web_url(url: Any) -> bool:
    """Only http(s) links are exported: a stored `javascript:` URL must never reach consumers."""
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def claimant_json_ld(claimant: Claimant) -> dict[str, Any]:
    person = claimant.kind in PERSON_KINDS
    data: dict[str, Any] = {"@type": "Person" if person else "Organization", "name": claimant.name}
    if person and claimant.role:
        data["jobTitle"] = claimant.role
    same_as = [url for url in (claimant.same_as or []) if is_web_url(url)]
    if same_as:
        data["sameAs"] = same_as
    return data


def appearance_urls(claim: Claim) -> list[str]:
    """Where the claim was made: its appearance URL, then its origin citations' sources."""
    urls = [claim.appearance_url] if is_web_url(claim.appearance_url) else []
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
    item: dict[str, Any] = {
        "@type": "Claim",
        "author": claimant_json_ld(claim.claimant),
        # The claim was made in this language, and the fact check is written in it.
        "inLanguage": claim.language,
    }
    if claim.stated_on:
        item["datePublished"] = claim.stated_on.isoformat()
    appearances = appearance_urls(claim)
    if appearances:
        item["appearance"] = [{"@type": "CreativeWork", "url": url} for url in appearances]
    # Scrubbed: text stored before the clean-up must not break the page or a consumer's parser.
    return scrub_structure(
        {
            "@context": SCHEMA_CONTEXT,
            "@type": "ClaimReview",
            "url": review_url(claim, site_url),
            "claimReviewed": truncate(claim.title or claim.text),
            "inLanguage": claim.language,
            "author": {
                "@type": "Organization",
                "name": settings.PUBLISHER_NAME,
                "url": settings.PUBLISHER_URL,
            },
            "datePublished": timezone.localtime(claim.published_at).date().isoformat(),
            # The latest of publication, corrections and updates: what readers last saw change.
            # A date, like datePublished, so an export imported elsewhere reads back the same.
            "dateModified": timezone.localtime(claim.modified_for_readers_at).date().isoformat(),
            "reviewRating": rating_json_ld(claim.rating, claim.verdict_summary, scale),
            "itemReviewed": item,
        }
    )


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
    text = json.dumps(scrub_structure(data), ensure_ascii=False, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- Import: reading other publishers' ClaimReview ------------------------------------------
# Parsing and rating mapping live here; writing rows (claims, and the origin sources, which
# belong to the `sources` app) is `sources.claimreview_import.import_claim_reviews`.


class ClaimReviewError(ValueError):
    """An item that cannot be imported; `reasons` says why, for the import report."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class ReviewedClaimant:
    name: str
    is_person: bool
    job_title: str = ""
    same_as: list[str] = field(default_factory=list)


@dataclass
class ParsedReview:
    """One ClaimReview, validated and reduced to what a Claim stores."""

    url: str
    claim_reviewed: str
    date_published: dt.date
    rating_name: str
    rating_value: Decimal | None
    best_rating: Decimal | None
    worst_rating: Decimal | None
    explanation: str
    claimant: ReviewedClaimant
    stated_on: dt.date | None
    appearances: list[str]
    publisher_name: str = ""
    language: str = ""  # a configured claim language, or "" when not stated or not one of ours


def claim_review_items(payload: Any) -> list[Any]:
    """The items of a single ClaimReview, a list of them, or a schema.org DataFeed.

    DataFeed elements may be ClaimReviews or DataFeedItems wrapping one in `item`.
    Raises ClaimReviewError when the payload is none of these.
    """
    if isinstance(payload, list):
        return payload
    if not isinstance(payload, dict):
        raise ClaimReviewError(["Expected a ClaimReview, a list of them or a DataFeed."])
    kind = _types(payload)
    if "DataFeed" in kind:
        elements = payload.get("dataFeedElement", [])
        if not isinstance(elements, list):
            raise ClaimReviewError(["dataFeedElement must be a list."])
        return [
            element["item"]
            if isinstance(element, dict)
            and "DataFeedItem" in _types(element)
            and isinstance(element.get("item"), dict)
            else element
            for element in elements
        ]
    if "@graph" in payload and isinstance(payload["@graph"], list):
        return payload["@graph"]
    return [payload]


def _types(data: dict) -> set[str]:
    value = data.get("@type", "")
    values = value if isinstance(value, list) else [value]
    # "schema:ClaimReview" and "https://schema.org/ClaimReview" name the same type.
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values}


def _text(value: Any, limit: int = 5000) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return squeeze_spaces(str(value))[:limit]
    return ""


def _url(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    if not isinstance(value, str):
        return None
    value = value.strip()
    try:
        _url_validator(value)
    except ValidationError:
        return None
    return value if len(value) <= 2000 else None


def _urls(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    found = []
    for item in values[:50]:
        url = _url(item)
        if url and url not in found:
            found.append(url)
    return found


def _date(value: Any, field_name: str, reasons: list[str], *, required: bool) -> dt.date | None:
    if value in (None, ""):
        if required:
            reasons.append(f"{field_name} is missing.")
        return None
    if not isinstance(value, str):
        reasons.append(f"{field_name} must be a date string (YYYY-MM-DD).")
        return None
    try:
        moment = parse_datetime(value.strip())
        day = parse_date(value.strip()) if moment is None else None
    except ValueError:
        moment = day = None
    if moment is not None:
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    if day is None or not (1000 <= day.year <= 9999):
        reasons.append(f"{field_name} is not a valid date: {value[:40]!r}.")
        return None
    return day


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and abs(number) < 10**9 else None


def parse_claim_review(item: Any) -> ParsedReview:
    """Validate one ClaimReview item; raises ClaimReviewError listing every problem found."""
    if not isinstance(item, dict):
        raise ClaimReviewError(["Item is not a JSON object."])
    # Text hygiene first: a NUL or a lone surrogate anywhere rejects this item (named by its
    # path), other control characters are dropped; the rest of the import goes on.
    unusable = structure_problems(item)
    if unusable:
        raise ClaimReviewError(unusable[:10])
    item = strip_structure(item)
    if "ClaimReview" not in _types(item):
        raise ClaimReviewError([f"@type must be ClaimReview, not {item.get('@type')!r}."])
    reasons: list[str] = []
    url = _url(item.get("url"))
    if url is None:
        reasons.append("url is missing or not an http(s) URL.")
    claim_reviewed = _text(item.get("claimReviewed"))
    if not claim_reviewed:
        reasons.append("claimReviewed is missing.")
    date_published = _date(item.get("datePublished"), "datePublished", reasons, required=True)
    rating = item.get("reviewRating")
    rating = rating[0] if isinstance(rating, list) and rating else rating
    if not isinstance(rating, dict):
        reasons.append("reviewRating is missing.")
        rating = {}
    rating_name = _text(rating.get("alternateName") or rating.get("name"), 120)
    rating_value = _number(rating.get("ratingValue"))
    if not rating_name and rating_value is None:
        reasons.append("reviewRating has neither alternateName nor ratingValue.")
    reviewed = item.get("itemReviewed")
    reviewed = reviewed if isinstance(reviewed, dict) else {}
    author = reviewed.get("author")
    author = author[0] if isinstance(author, list) and author else author
    if isinstance(author, str):
        author = {"@type": "Person", "name": author}
    author = author if isinstance(author, dict) else {}
    claimant_name = _text(author.get("name"), 200)
    if not claimant_name:
        reasons.append("itemReviewed.author.name (the claimant) is missing.")
    stated_on = _date(
        reviewed.get("datePublished"), "itemReviewed.datePublished", reasons, required=False
    )
    publisher = item.get("author")
    publisher = publisher[0] if isinstance(publisher, list) and publisher else publisher
    if reasons:
        raise ClaimReviewError(reasons)
    return ParsedReview(
        url=url,
        claim_reviewed=claim_reviewed,
        date_published=date_published,
        rating_name=rating_name,
        rating_value=rating_value,
        best_rating=_number(rating.get("bestRating")),
        worst_rating=_number(rating.get("worstRating")),
        explanation=_text(rating.get("ratingExplanation"), 600),
        claimant=ReviewedClaimant(
            name=claimant_name,
            is_person="Person" in _types(author) or not _types(author) - {""},
            job_title=_text(author.get("jobTitle"), 200),
            same_as=_urls(author.get("sameAs", [])),
        ),
        stated_on=stated_on,
        appearances=_urls(reviewed.get("appearance", []))
        + [u for u in _urls(reviewed.get("firstAppearance")) if u],
        publisher_name=_text(publisher.get("name"), 200) if isinstance(publisher, dict) else "",
        language=_language(reviewed.get("inLanguage")) or _language(item.get("inLanguage")),
    )


def _language(value: Any) -> str:
    """A claim language from schema.org `inLanguage`: a BCP 47 code ("es-419") or a Language
    object ({"alternateName": "es"}); "" for none, or one we do not publish in."""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("identifier") or ""
    code = primary_language(_text(value, 35)) if isinstance(value, str) else ""
    return code if code in claim_languages() else ""


@dataclass
class RatingMatch:
    rating: Rating
    how: str  # "alias", "label", "value" or "fallback"


class RatingMapper:
    """Maps an outside rating to our scale: alias table, our own labels, scaled value, fallback.

    Loads the aliases and the scale once (two queries) for a whole import.
    """

    def __init__(self) -> None:
        self.scale = list(Rating.objects.order_by("value"))
        self.by_name = {r.label.casefold(): r for r in self.scale}
        self.by_name.update({r.slug: r for r in self.scale})
        by_pk = {r.pk: r for r in self.scale}
        # Aliases are the editable table; they win over our labels.
        for name, rating_id in RatingAlias.objects.values_list("name", "rating_id"):
            self.by_name[name.casefold()] = by_pk[rating_id]
        self.ordinal = [r for r in self.scale if r.is_ordinal]
        self.fallback = next(
            (r for r in self.scale if r.bucket == Rating.Bucket.UNVERIFIABLE), None
        )

    def match(self, review: ParsedReview) -> RatingMatch | None:
        name = squeeze_spaces(review.rating_name).casefold()
        if name in self.by_name:
            return RatingMatch(self.by_name[name], "alias")
        scaled = self._by_value(review)
        if scaled is not None:
            return RatingMatch(scaled, "value")
        if self.fallback is not None:
            return RatingMatch(self.fallback, "fallback")
        return None

    def _by_value(self, review: ParsedReview) -> Rating | None:
        value, best, worst = review.rating_value, review.best_rating, review.worst_rating
        if value is None or not self.ordinal:
            return None
        best = best if best is not None else Decimal(5)
        worst = worst if worst is not None else Decimal(1)
        if best == worst or not (min(best, worst) <= value <= max(best, worst)):
            return None
        fraction = (value - worst) / (best - worst)
        low, high = self.ordinal[0].value, self.ordinal[-1].value
        target = Decimal(low) + fraction * (high - low)
        return min(self.ordinal, key=lambda r: (abs(Decimal(r.value) - target), -r.value))
