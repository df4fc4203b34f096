"""Public pages. Readers only ever see published (and corrected) claims; views stay thin."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from claims import search
from claims.caching import cached_public_page
from claims.claimreview import claim_review, json_ld_script_text
from claims.models import Claim, Claimant, ClaimEvent, ClaimQuerySet, Correction, Rating, Topic

PAGE_SIZE = 20
SAFE_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
SAFE_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
PUBLIC_STATUSES = ClaimQuerySet.PUBLIC_STATUSES


def _page(request: HttpRequest, queryset: QuerySet, size: int = PAGE_SIZE) -> Page:
    """A lenient page: a bad or out-of-range ?page= shows the nearest real page, not a 500."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _listing(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    return queryset.with_public_relations().order_by("-published_at", "-pk")


@require_safe
@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    latest = list(_listing(Claim.objects.published())[:12])
    topics = Topic.objects.filter(claims__status__in=PUBLIC_STATUSES).annotate(
        n=Count("claims", distinct=True)
    )
    return render(
        request,
        "claims/home.html",
        {"lead": latest[:1], "latest": latest[1:], "topics": topics.order_by("-n", "name")[:8]},
    )


class ClaimFilterForm(forms.Form):
    rating = forms.ModelChoiceField(
        Rating.objects.all(), to_field_name="slug", required=False, empty_label="Any rating"
    )
    claimant = forms.ModelChoiceField(
        Claimant.objects.none(), to_field_name="slug", required=False, empty_label="Anyone"
    )
    topic = forms.ModelChoiceField(
        Topic.objects.all(), to_field_name="slug", required=False, empty_label="Any topic"
    )
    published_from = forms.DateField(
        required=False, label="Published from", widget=forms.DateInput(attrs={"type": "date"})
    )
    published_to = forms.DateField(
        required=False, label="Published to", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only claimants with something public: the list must not reveal who is being checked.
        self.fields["claimant"].queryset = Claimant.objects.filter(
            claims__status__in=PUBLIC_STATUSES
        ).distinct()

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    def filter(self, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        """Apply the valid filters; an invalid form filters nothing (its errors are shown)."""
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["rating"]:
            queryset = queryset.filter(rating=data["rating"])
        if data["claimant"]:
            queryset = queryset.filter(claimant=data["claimant"])
        if data["topic"]:
            queryset = queryset.filter(topics=data["topic"])
        if data["published_from"]:
            queryset = queryset.filter(published_at__date__gte=data["published_from"])
        if data["published_to"]:
            queryset = queryset.filter(published_at__date__lte=data["published_to"])
        return queryset


@require_safe
@cached_public_page
def claim_list(request: HttpRequest) -> HttpResponse:
    form = ClaimFilterForm(request.GET or None)
    claims = form.filter(Claim.objects.published())
    page = _page(request, _listing(claims))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "claims/claim_list.html",
        {"form": form, "page": page, "filter_query": query.urlencode()},
    )


def _claim_page_queryset() -> QuerySet[Claim]:
    """Everything the claim page shows, in a fixed number of queries (6)."""
    # claims does not import sources: the citation model comes from the reverse relation.
    citation_model = Claim._meta.get_field("citations").related_model
    ordinal = Rating.objects.filter(
        bucket__in=[Rating.Bucket.TRUE, Rating.Bucket.MIXED, Rating.Bucket.FALSE]
    )
    return (
        Claim.objects.select_related("claimant", "rating")
        # The ClaimReview's rating scale, read with the claim rather than in a query of its own.
        .annotate(
            scale_worst=Subquery(ordinal.order_by("value").values("value")[:1]),
            scale_best=Subquery(ordinal.order_by("-value").values("value")[:1]),
        )
        .prefetch_related(
            "topics",
            "figures",
            Prefetch(
                "corrections",
                Correction.objects.select_related("previous_rating", "new_rating").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch("citations", citation_model.objects.select_related("source")),
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
    )


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime.datetime
    text: str


def public_history(claim: Claim) -> list[HistoryEntry]:
    """Status and rating changes from first publication on, one line per act, without who.

    What happens before publication is editorial work in progress, not the public record;
    its rating events only tell which rating the claim was published as.
    """
    events = list(claim.events.all())
    first_published = next(
        (i for i, e in enumerate(events) if e.to_status in PUBLIC_STATUSES), None
    )
    if first_published is None:
        return []
    entries: list[HistoryEntry] = []
    rating_changed_by_last = False
    for i, event in enumerate(events[first_published:], start=first_published):
        if event.kind == ClaimEvent.Kind.RATING:
            before = f" from {event.from_rating.label}" if event.from_rating else ""
            text = f"corrected: rating changed{before} to {event.to_rating.label}"
            rating_changed_by_last = True
        elif event.to_status == event.from_status or event.kind != ClaimEvent.Kind.STATUS:
            continue
        elif event.to_status == Claim.Status.PUBLISHED:
            rating = event.to_rating or _rating_published_as(claim, events, i)
            text = f"published as {rating.label}" if rating else "published"
        elif event.to_status == Claim.Status.CORRECTED:
            if rating_changed_by_last:
                continue  # the same correction as the rating change just listed
            text = "corrected"
        elif event.to_status == Claim.Status.WITHDRAWN:
            text = "withdrawn"
        else:
            text = f"status changed to {event.get_to_status_display().lower()}"
        if event.kind != ClaimEvent.Kind.RATING:
            rating_changed_by_last = False
        entry = HistoryEntry(at=event.at, text=text)
        if entries and (entries[-1].text, entries[-1].at.date()) == (text, event.at.date()):
            continue  # recorded twice (e.g. an import and its publication): said once
        entries.append(entry)
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


@require_safe
@cached_public_page(claim_kwarg="pk")
def claim_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    claim = _claim_page_queryset().filter(pk=pk).first()
    if claim is None or claim.status in (Claim.Status.DRAFT, Claim.Status.IN_REVIEW):
        raise Http404("No such fact check.")
    if claim.slug != slug:
        return redirect(claim, permanent=True)
    if claim.status == Claim.Status.WITHDRAWN:
        return _withdrawn(request, claim)
    canonical = settings.SITE_URL + claim.get_absolute_url()
    scale = None if claim.scale_worst is None else (claim.scale_worst, claim.scale_best)
    review = claim_review(claim, scale=scale)
    context = {
        "claim": claim,
        "canonical_url": canonical,
        "json_ld": json_ld_script_text(review),
        "history": public_history(claim),
        "citations": list(claim.citations.all()),
        **public_log(claim),
    }
    return render(request, "claims/claim_detail.html", context)


def public_log(claim: Claim) -> dict:
    """The corrections and updates of a claim (oldest first), split for the page."""
    entries = list(claim.corrections.all())
    return {
        "log": entries,
        "corrections": [e for e in entries if not e.is_update],
        "updates": [e for e in entries if e.is_update],
        "last_revision": entries[-1] if entries else None,
    }


def _withdrawn(request: HttpRequest, claim: Claim) -> HttpResponse:
    # 410 Gone: the fact check existed and was taken down on purpose; search engines drop it,
    # and a reader following an old link learns why instead of meeting a bare "not found".
    withdrawal = (
        ClaimEvent.objects.filter(claim=claim, to_status=Claim.Status.WITHDRAWN)
        .order_by("-at", "-pk")
        .first()
    )
    return render(
        request,
        "claims/claim_withdrawn.html",
        {"claim": claim, "withdrawal": withdrawal},
        status=410,
    )


CHART_ROW = 40
CHART_BAR_MAX = 200
CHART_BAR_X = 140


def scorecard(claimant: Claimant) -> list[dict]:
    """Counts of the claimant's published claims per step of the scale (zeros included), with
    the geometry of each bar of the SVG chart (the template only places numbers)."""
    ratings = Rating.objects.annotate(
        n=Count(
            "claims",
            filter=Q(claims__claimant=claimant, claims__status__in=PUBLIC_STATUSES),
        )
    ).order_by("-value")
    rows = [{"rating": r, "count": r.n} for r in ratings]
    top = max((row["count"] for row in rows), default=0) or 1
    for i, row in enumerate(rows):
        row["y"] = i * CHART_ROW
        row["bar"] = round(row["count"] / top * CHART_BAR_MAX)
        row["count_x"] = CHART_BAR_X + row["bar"] + 8
    return rows


@require_safe
@cached_public_page
def claimant_detail(request: HttpRequest, slug: str) -> HttpResponse:
    claimant = get_object_or_404(Claimant, slug=slug)
    claims = _listing(Claim.objects.published().by_claimant(claimant))
    page = _page(request, claims)
    if page.paginator.count == 0:
        # A claimant with nothing published is not public (drafts must not reveal who we check).
        raise Http404("No such claimant.")
    rows = scorecard(claimant)
    return render(
        request,
        "claims/claimant_detail.html",
        {
            "claimant": claimant,
            "page": page,
            "scorecard": rows,
            "scorecard_total": sum(row["count"] for row in rows),
            "chart_height": len(rows) * CHART_ROW + 8,
            "canonical_url": settings.SITE_URL + claimant.get_absolute_url(),
        },
    )


@require_safe
@cached_public_page
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    page = _page(request, _listing(Claim.objects.published().filter(topics=topic)))
    return render(
        request,
        "claims/topic_detail.html",
        {
            "topic": topic,
            "page": page,
            "canonical_url": settings.SITE_URL + topic.get_absolute_url(),
        },
    )


@require_safe
@cached_public_page
def search_page(request: HttpRequest) -> HttpResponse:
    query = search.clean_query(request.GET.get("q"))
    page = None
    if query:
        page = _page(request, search.search_claims(query))
        for claim in page.object_list:
            claim.highlighted = search.highlight(claim, query)
    return render(
        request,
        "claims/search.html",
        {"query": query, "page": page, "filter_query": urlencode({"q": query})},
    )


@require_safe
@cached_public_page
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "claims/about.html", {"ratings": Rating.objects.order_by("-value")})


@require_safe
@cached_public_page
def ratings_css(request: HttpRequest) -> HttpResponse:
    """One class per step of the scale, coloured as editors set it (no inline styles needed)."""
    rules = []
    for rating in Rating.objects.order_by("-value"):
        # Rows written around model validation must not inject CSS: re-check both parts.
        colour = rating.colour if SAFE_COLOUR.fullmatch(rating.colour or "") else "#57606a"
        if SAFE_SLUG.fullmatch(rating.slug or ""):
            rules.append(f".rating-{rating.slug}{{--rating-colour:{colour}}}")
    response = HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
@cached_public_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        # Reading the API is fine; its write paths and auth endpoints are not for crawlers.
        "Disallow: /api/v1/claimreview/import/",
        "Disallow: /api/v1/schema/",
        "Disallow: /api/v1/docs/",
        "Disallow: /api/v1/redoc/",
        "",
        f"Sitemap: {settings.SITE_URL}{reverse('django.contrib.sitemaps.views.sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
