"""The reads that public pages, feeds, sitemaps and the API share, each in a fixed number of
queries whatever the number of rows.

- `listing`: claims for a list, newest first, with what a list shows;
- `claim_page` (`claim_page_row` + `claim_page_relations`) and `public_history`: one claim
  with everything its page shows; `claim_page_stamp`: what its cached blocks are checked against;
- `published_card`: one published claim with what its card and share image show;
- `scorecard` (with `with_scorecards` for many claimants at once): published claims per step
  of the verdict scale;
- `topics_by_public_claims`, `claimants_for_sitemap`, `topics_for_sitemap`: reference data
  readers may see, with what those pages show of it.

Visibility comes from the models' named querysets (`published()`, `visible_to(user)`,
`with_public_claims()`); nothing here spells out which statuses are public.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from claims.models import (
    Claim,
    Claimant,
    ClaimEvent,
    ClaimQuerySet,
    Correction,
    Rating,
    Topic,
    public_claims_filter,
)


def listing(claims: ClaimQuerySet | None = None, *, user=None) -> QuerySet[Claim]:
    """The claims of `claims` (default: all) that `user` may see (no user: readers, so published
    only), newest first, with claimant, rating and topics: 2 queries for any page."""
    base = Claim.objects.all() if claims is None else claims
    return base.visible_to(user).with_public_relations().order_by("-published_at", "-pk")


# What a claim card (templates/claims/_claim_card.html) reads of a claim: lists fetch only these,
# not the text, analysis and search document of every claim on the page.
CARD_FIELDS = (
    "id",
    "slug",
    "title",
    "status",
    "needs_attention",
    "stated_on",
    "verdict_summary",
    "published_at",
    "claimant__name",
    "rating__slug",
    "rating__label",
)


def card_listing(claims: ClaimQuerySet | None = None) -> QuerySet[Claim]:
    """`listing(claims)` for readers with only what the claim cards show (`CARD_FIELDS`), in
    one query for any page: each row carries its topics (`read_card_topics` gives them to the
    claims whose cards are rendered)."""
    queryset = listing(claims).only(*CARD_FIELDS)
    topics = _topics_as_json()
    if topics is None:
        return queryset  # topics prefetched, as `listing` does: 2 queries
    # Most cards on a page come from the fragment cache: the topics are read with the rows
    # rather than in a second query, and turned into objects only for the cards rendered.
    return queryset.prefetch_related(None).annotate(**{CARD_TOPICS: topics})


CARD_TOPICS = "card_topics"


def _topics_as_json() -> RawSQL | None:
    """The claim's topics as a JSON array of [id, name, slug], in the order of
    `claim.topics.all()` (by name); None on a database it is not written for."""
    quote = connection.ops.quote_name
    claim = quote(Claim._meta.db_table)
    topic = quote(Topic._meta.db_table)
    through = quote(Claim.topics.through._meta.db_table)
    # Table names from the models, quoted: nothing here comes from a request.
    topics_of_claim = (
        f"{topic} t INNER JOIN {through} ct ON ct.topic_id = t.id "
        f"WHERE ct.claim_id = {claim}.{quote('id')}"
    )
    if connection.vendor == "postgresql":
        aggregate = "json_agg(json_build_array(t.id, t.name, t.slug) ORDER BY t.name)::text"
        sql = f"(SELECT {aggregate} FROM {topics_of_claim})"  # noqa: S608
    elif connection.vendor == "sqlite":  # (no ORDER BY inside its aggregates: a subquery's)
        ordered = f"SELECT t.id, t.name, t.slug FROM {topics_of_claim} ORDER BY t.name"  # noqa: S608
        sql = f"(SELECT json_group_array(json_array(id, name, slug)) FROM ({ordered}))"  # noqa: S608
    else:
        return None
    return RawSQL(sql, (), output_field=TextField())  # noqa: S611


def read_card_topics(claims: Sequence[Claim]) -> None:
    """Give `claims` (from `card_listing`) the topics their cards show, as `claim.topics.all()`
    (read with the rows: no query; one query on a database without them)."""
    unread = []
    for claim in claims:
        if "topics" in getattr(claim, "_prefetched_objects_cache", {}):
            continue
        if not hasattr(claim, CARD_TOPICS):
            unread.append(claim)
            continue
        rows = json.loads(getattr(claim, CARD_TOPICS) or "[]")
        topics = [Topic.from_db(claim._state.db, ["id", "name", "slug"], row) for row in rows]
        # What prefetch_related("topics") leaves on a claim (Django's prefetch_one_level): the
        # related queryset, evaluated, in the claim's cache of prefetched relations.
        queryset = claim.topics.all()
        queryset._result_cache = topics
        vars(queryset)["_prefetch_done"] = True
        vars(claim).setdefault("_prefetched_objects_cache", {})["topics"] = queryset
    prefetch_related_objects(unread, "topics")


def published_card(pk: int) -> Claim | None:
    """Published claim `pk` with its claimant and rating (what the verdict card, oEmbed and
    the share image show), in one query; None when it is missing or not public."""
    return Claim.objects.published().select_related("claimant", "rating").filter(pk=pk).first()


def claim_page(pk: int, claims: QuerySet[Claim] | None = None) -> Claim | None:
    """Claim `pk` with everything its page shows, in 6 queries: claimant, rating and the bounds
    of the ordinal scale (for ClaimReview), topics, figures, corrections, citations with their
    sources, and the status and rating changes. Taken from `claims` (default: the claims with
    a public page: published, corrected or withdrawn); None when it is not among them."""
    claim = claim_page_row(pk, claims)
    if claim is not None:
        claim_page_relations(claim)
    return claim


def claim_page_row(pk: int, claims: QuerySet[Claim] | None = None) -> Claim | None:
    """The first query of `claim_page`: claim `pk` with its claimant, rating, the claim it
    repeats and the bounds of the ordinal scale; `claim_page_relations` reads the rest."""
    base = Claim.objects.with_public_page() if claims is None else claims
    ordinal = Rating.objects.filter(
        bucket__in=[Rating.Bucket.TRUE, Rating.Bucket.MIXED, Rating.Bucket.FALSE]
    )
    return (
        base.select_related("claimant", "rating", "repeat_of")
        # The ClaimReview's rating scale, read with the claim rather than in a query of its own.
        .annotate(
            scale_worst=Subquery(ordinal.order_by("value").values("value")[:1]),
            scale_best=Subquery(ordinal.order_by("-value").values("value")[:1]),
        )
        .filter(pk=pk)
        .first()
    )


def claim_page_relations(claim: Claim) -> None:
    """Read into `claim` (from `claim_page_row`) the rest of what its page shows, in 5 queries:
    topics, figures, corrections, citations with their sources, status and rating changes."""
    # claims does not import sources: the citation model comes from the reverse relation.
    citation_model = Claim._meta.get_field("citations").related_model
    prefetch_related_objects(
        [claim],
        "topics",
        "figures",
        Prefetch(
            "corrections",
            Correction.objects.select_related("previous_rating", "new_rating").order_by(
                "created_at", "pk"
            ),
        ),
        Prefetch("citations", citation_model._default_manager.select_related("source")),
        Prefetch(
            "events",
            ClaimEvent.objects.filter(
                kind__in=[
                    ClaimEvent.Kind.CREATED,
                    ClaimEvent.Kind.STATUS,
                    ClaimEvent.Kind.RATING,
                ]
            )
            .select_related("from_rating", "to_rating")
            .order_by("at", "pk"),
        ),
    )


@dataclass(frozen=True)
class ClaimPageStamp:
    """What a cached claim page is checked against: the claim's address and status, the
    claim it repeats, and when each cited source was last checked (by citation id)."""

    slug: str
    status: str
    repeat_of_id: int | None
    checked_at: dict[int, datetime.datetime | None]


def claim_page_stamp(pk: int) -> ClaimPageStamp | None:
    """The stamp of claim `pk`'s page in one query; None unless it has a public page.

    A routine source check changes only the last-checked time, and bumps no page version, so
    it is read on every request.
    """
    rows = list(
        Claim.objects.with_public_page()
        .filter(pk=pk)
        .values_list(
            "slug", "status", "repeat_of_id", "citations__pk", "citations__source__last_checked_at"
        )
    )
    if not rows:
        return None
    slug, status, repeat_of_id = rows[0][:3]
    checked_at = {row[3]: row[4] for row in rows if row[3] is not None}
    return ClaimPageStamp(slug, status, repeat_of_id, checked_at)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime.datetime
    text: str


def public_history(claim: Claim) -> list[HistoryEntry]:
    """Status and rating changes from first publication on, one line per act, without who
    (reads the events `claim_page` prefetched: no query).

    What happens before publication is editorial work in progress, not the public record;
    its rating events only tell which rating the claim was published as.
    """
    events = list(claim.events.all())
    first_published = next((i for i, e in enumerate(events) if e.to_public_status), None)
    if first_published is None:
        return []
    entries: list[HistoryEntry] = []
    rating_changed_by_last = False
    for i, event in enumerate(events[first_published:], start=first_published):
        if event.kind == ClaimEvent.Kind.RATING:
            to = event.to_rating.shown_label if event.to_rating else _("no rating")
            if event.from_rating:
                text = _("corrected: rating changed from %(before)s to %(after)s") % {
                    "before": event.from_rating.shown_label,
                    "after": to,
                }
            else:
                text = _("corrected: rating changed to %(after)s") % {"after": to}
            rating_changed_by_last = True
        elif event.to_status == event.from_status or event.kind != ClaimEvent.Kind.STATUS:
            continue
        elif event.to_status == Claim.Status.PUBLISHED:
            rating = event.to_rating or _rating_published_as(claim, events, i)
            text = (
                _("published as %(rating)s") % {"rating": rating.shown_label}
                if rating
                else _("published")
            )
        elif event.to_status == Claim.Status.CORRECTED:
            if rating_changed_by_last:
                continue  # the same correction as the rating change just listed
            text = _("corrected")
        elif event.to_status == Claim.Status.WITHDRAWN:
            text = _("withdrawn")
        else:
            text = _("status changed to %(status)s") % {
                "status": str(Claim.Status(event.to_status).label).lower()
            }
        if event.kind != ClaimEvent.Kind.RATING:
            rating_changed_by_last = False
        if entries and (entries[-1].text, entries[-1].at.date()) == (text, event.at.date()):
            continue  # recorded twice (e.g. an import and its publication): said once
        entries.append(HistoryEntry(at=event.at, text=text))
    return entries


def _rating_published_as(claim: Claim, events: list[ClaimEvent], index: int) -> Rating | None:
    """The rating at a publication recorded without one (older history rows)."""
    for event in reversed(events[:index]):
        if event.to_rating_id is not None:
            return event.to_rating
    for event in events[index:]:
        if event.kind == ClaimEvent.Kind.RATING and event.from_rating_id is not None:
            return event.from_rating
    return claim.rating


# --- Scorecards -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """How many of a claimant's published claims carry one rating."""

    rating: Rating
    count: int


def rating_scale() -> list[Rating]:
    """The verdict scale, most accurate first: the rows of every scorecard."""
    return list(Rating.objects.order_by("-value"))


def _score_key(rating: Rating) -> str:
    return f"score_{rating.pk}"


def with_scorecards(claimants: QuerySet[Claimant], scale: Sequence[Rating]) -> QuerySet[Claimant]:
    """`claimants` annotated for `scorecard(claimant, scale)` without further queries (one query
    for any page of claimants), and with `published_claims` and `last_published_at`."""
    public = public_claims_filter("claims")
    per_rating = {
        _score_key(rating): Count("claims", filter=public & Q(claims__rating=rating))
        for rating in scale
    }
    return claimants.annotate(
        published_claims=Count("claims", filter=public),
        last_published_at=Max("claims__published_at", filter=public),
        **per_rating,
    )


def scorecard(claimant: Claimant, scale: Sequence[Rating] | None = None) -> list[Score]:
    """The claimant's published claims per step of the scale, most accurate first, zeros
    included. Counts annotated by `with_scorecards` are read without a query; otherwise one
    query (for `scale`, or the whole scale read with the counts)."""
    if scale is None:
        ratings = Rating.objects.annotate(
            n=Count("claims", filter=Q(claims__claimant=claimant) & public_claims_filter("claims"))
        ).order_by("-value")
        return [Score(rating, rating.n) for rating in ratings]
    if all(hasattr(claimant, _score_key(rating)) for rating in scale):
        return [Score(rating, getattr(claimant, _score_key(rating))) for rating in scale]
    counts = dict(
        Claim.objects.published()
        .filter(claimant=claimant)
        .values("rating")
        .annotate(n=Count("pk"))
        .values_list("rating", "n")
    )
    return [Score(rating, counts.get(rating.pk, 0)) for rating in scale]


# --- Reference data readers may see -------------------------------------------------------------


def topics_by_public_claims(limit: int) -> QuerySet[Topic]:
    """The topics with most published claims (annotated `n`), then by name."""
    return (
        Topic.objects.with_public_claims()
        .annotate(n=Count("claims", filter=public_claims_filter("claims"), distinct=True))
        .order_by("-n", "name")[:limit]
    )


def claimants_for_sitemap() -> QuerySet[Claimant]:
    """Claimants with published claims, annotated `latest`: when one of those last changed."""
    return (
        Claimant.objects.with_public_claims()
        .annotate(latest=Max("claims__updated_at", filter=public_claims_filter("claims")))
        .order_by("name", "pk")
    )


def topics_for_sitemap() -> QuerySet[Topic]:
    """Topics with published claims, annotated `latest`: when one of those last changed."""
    return (
        Topic.objects.with_public_claims()
        .annotate(latest=Max("claims__updated_at", filter=public_claims_filter("claims")))
        .order_by("name", "pk")
    )
