"""Public pages. Readers only ever see published (and corrected) claims; views stay thin: the
reads they share with feeds, sitemaps and the API are in claims.selectors."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from claims import embeds, fragments, search, selectors, share_images
from claims.caching import cached_public_page
from claims.claimreview import claim_review, json_ld_script_text
from claims.figures import primary_language
from claims.languages import claim_languages
from claims.models import Claim, Claimant, ClaimEvent, Rating, Topic
from claims.widgets import QuickSelect

PAGE_SIZE = 20
# Columns no public page shows (search and similarity documents, the editors' note): not
# fetched for the claim page, nor for the claim a page links to as a repeat.
UNSHOWN_FIELDS = (
    "search_vector",
    "normalised_text",
    "attention_reason",
    "repeat_of__search_vector",
    "repeat_of__normalised_text",
    "repeat_of__attention_reason",
    "repeat_of__analysis",
    "repeat_of__text",
)
SAFE_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
SAFE_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


def _page(request: HttpRequest, queryset: QuerySet, size: int = PAGE_SIZE) -> Page:
    """A lenient page: a bad or out-of-range ?page= shows the nearest real page, not a 500."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


@require_safe
@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    latest = list(selectors.card_listing()[:12])
    topics = selectors.topics_by_public_claims(8)
    return render(
        request,
        "claims/home.html",
        {"lead": latest[:1], "latest": latest[1:], "topics": topics},
    )


class RatingChoiceField(forms.ModelChoiceField):
    """Steps of the scale named in the reader's language (Rating.shown_label)."""

    def label_from_instance(self, obj: Rating) -> str:
        return obj.shown_label


class ClaimFilterForm(forms.Form):
    rating = RatingChoiceField(
        Rating.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any rating"),
        label=_("Rating"),
        widget=QuickSelect,
    )
    # Only claimants and topics with something public: the lists must not reveal what is being
    # checked. Built once here: each form copies the querysets (cheaper than building them).
    claimant = forms.ModelChoiceField(
        Claimant.objects.with_public_claims(),
        to_field_name="slug",
        required=False,
        empty_label=_("Anyone"),
        label=_("Claimant"),
        widget=QuickSelect,
    )
    topic = forms.ModelChoiceField(
        Topic.objects.with_public_claims(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any topic"),
        label=_("Topic"),
        widget=QuickSelect,
    )
    published_from = forms.DateField(
        required=False, label=_("Published from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    published_to = forms.DateField(
        required=False, label=_("Published to"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
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
    query = request.GET.copy()
    query.pop("page", None)
    filter_query = query.urlencode()
    paginator = Paginator(selectors.card_listing(form.filter(Claim.objects.all())), PAGE_SIZE)
    number = request.GET.get("page")
    # The page read first: its cards and the list's cached parts are then looked up together.
    page = _page_before_count(paginator, number)
    page_lookup = None
    if page is not None:
        page_lookup = fragments.look_up_list_page(filter_query, page.object_list, CARD_LEVEL)
        lookup = page_lookup.parts if page_lookup is not None else None
    else:
        lookup = fragments.look_up_list_parts(filter_query)
    stored = lookup.stored if lookup is not None else None
    if stored is not None:
        paginator.count = stored["count"]  # the cached_property, read from the cache instead
        fields = mark_safe(stored["fields"])  # noqa: S308 - a rendered template
    else:
        fields = fragments.render_filter_fields(form)
    if page is None or page.number > paginator.num_pages:
        page, page_lookup = paginator.get_page(number), None
    if lookup is not None and stored is None:
        fragments.store_list_parts(lookup, paginator.count, fields)
    if page_lookup is not None:
        cards = page_lookup.cards()
    else:
        cards = fragments.claim_cards(page.object_list, CARD_LEVEL)
    return render(
        request,
        "claims/claim_list.html",
        {
            "form": form,
            "filter_fields": fields,
            "page": page,
            "cards": cards,
            "filter_query": filter_query,
        },
    )


CARD_LEVEL = "2"  # the list's cards are headed <h2>
PLAIN_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


def _page_before_count(paginator: Paginator, number: str | None) -> Page | None:
    """Page `number` (?page=) read before `paginator` knows its count, when it is a plain
    number and that page has claims (or is the first); None for the rest, which
    `Paginator.get_page` answers once the count is known."""
    if number is not None and not PLAIN_PAGE_NUMBER.fullmatch(number):
        return None
    index = int(number or 1)
    bottom = (index - 1) * paginator.per_page
    rows = list(paginator.object_list[bottom : bottom + paginator.per_page])
    if not rows and index > 1:
        return None
    return Page(rows, index, paginator)


@require_safe
@cached_public_page(claim_kwarg="pk")
def claim_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    lookup = fragments.look_up_claim_page(pk)
    if lookup is not None and lookup.stored is not None:
        stamp = selectors.claim_page_stamp(pk)
        if stamp is None:  # missing, or not public: a draft's id answers like a missing one
            raise Http404("No such fact check.")
        if stamp.slug != slug:
            return redirect("claims:claim_detail", pk=pk, slug=stamp.slug, permanent=True)
        if stamp.status != Claim.Status.WITHDRAWN:
            blocks = fragments.claim_page_from_cache(lookup, stamp.repeat_of_id, stamp.checked_at)
            if blocks is not None:
                return _claim_page_from_blocks(request, pk, stamp.slug, blocks)
    claim = selectors.claim_page_row(pk, Claim.objects.with_public_page().defer(*UNSHOWN_FIELDS))
    if claim is None:
        raise Http404("No such fact check.")
    if claim.slug != slug:
        return redirect(claim, permanent=True)
    if claim.status == Claim.Status.WITHDRAWN:
        selectors.claim_page_relations(claim)
        return _withdrawn(request, claim)
    context = claim_page_context(claim)
    blocks = None if lookup is None else fragments.store_claim_page(request, lookup, context)
    if blocks is None:  # fragments off, or the cache is down
        return render(request, fragments.CLAIM_PAGE_TEMPLATE, context)
    return _claim_page_from_blocks(request, pk, claim.slug, blocks)


def _claim_page_from_blocks(request: HttpRequest, pk: int, slug: str, blocks: dict) -> HttpResponse:
    path = reverse("claims:claim_detail", kwargs={"pk": pk, "slug": slug})
    return render(
        request,
        fragments.CLAIM_PAGE_SHELL,
        {"blocks": blocks, "canonical_url": settings.SITE_URL + path},
    )


def claim_page_context(claim: Claim) -> dict:
    """What claims/claim_detail.html shows of `claim` (from `selectors.claim_page_row`; the
    rest of the claim page is read here)."""
    selectors.claim_page_relations(claim)
    scale = None if claim.scale_worst is None else (claim.scale_worst, claim.scale_best)
    review = claim_review(claim, scale=scale)
    return {
        "claim": claim,
        "canonical_url": settings.SITE_URL + claim.get_absolute_url(),
        "json_ld": json_ld_script_text(review),
        "embed_code": embeds.embed_snippet(claim),
        "oembed_url": embeds.oembed_discovery_url(claim),
        "share_image": {
            "url": share_images.share_image_url(claim),
            "width": share_images.WIDTH,
            "height": share_images.HEIGHT,
            "alt": share_images.share_image_alt(claim),
        },
        "history": selectors.public_history(claim),
        "citations": list(claim.citations.all()),
        **public_log(claim),
    }


@require_safe
@embeds.frameable
@cached_public_page(claim_kwarg="pk")
def claim_embed(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """The verdict card other sites frame: published claims only, no script."""
    claim = selectors.published_card(pk)
    if claim is None:
        raise Http404("No such fact check.")
    if claim.slug != slug:
        return redirect("claims:claim_embed", pk=claim.pk, slug=claim.slug, permanent=True)
    context = {
        "claim": claim,
        "canonical_url": settings.SITE_URL + claim.get_absolute_url(),
        **embeds.card_colours(claim),
    }
    return render(request, "claims/embed.html", context)


@require_safe
@cached_public_page
def oembed(request: HttpRequest) -> HttpResponse:
    """oEmbed 1.0 provider (JSON) for this site's fact checks."""
    try:
        document = embeds.oembed_for_request(request.GET, request_host=request.get_host())
    except embeds.OEmbedError as error:
        return HttpResponse(
            error.message + "\n", status=error.status, content_type="text/plain; charset=utf-8"
        )
    return JsonResponse(document)


SHARE_IMAGE_MAX_AGE = 300  # the stable address; with the current ?v= it never changes


@require_safe
def claim_share_image(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """The claim's share picture (og:image), drawn on demand if the task has not run yet."""
    claim = selectors.published_card(pk)
    if claim is None:
        raise Http404("No such fact check.")
    if claim.slug != slug:
        path = reverse("claims:claim_share_image", kwargs={"pk": claim.pk, "slug": claim.slug})
        query = request.GET.urlencode()
        return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)
    try:
        width = int(request.GET.get("width") or share_images.WIDTH)
    except ValueError:
        raise Http404("No picture of that size.") from None
    if width not in share_images.SCALED_WIDTHS:
        raise Http404("No picture of that size.")
    fingerprint = share_images.share_image_fingerprint(claim)
    etag = f'"{fingerprint[:32]}-{width}"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        share_images.share_image_png(claim, width), content_type="image/png"
    )
    response["ETag"] = etag
    current = request.GET.get("v") == fingerprint[:16]
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable"
        if current
        else f"public, max-age={SHARE_IMAGE_MAX_AGE}"
    )
    return response


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


def scorecard_chart(claimant: Claimant) -> list[dict]:
    """The claimant's scorecard (`selectors.scorecard`) with the geometry of each bar of the SVG
    chart (the template only places numbers)."""
    rows = [{"rating": s.rating, "count": s.count} for s in selectors.scorecard(claimant)]
    top = max((row["count"] for row in rows), default=0) or 1
    for i, row in enumerate(rows):
        row["y"] = i * CHART_ROW
        row["bar"] = round(row["count"] / top * CHART_BAR_MAX)
        row["count_x"] = CHART_BAR_X + row["bar"] + 8
    return rows


@require_safe
@cached_public_page
def claimant_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # A claimant with nothing published is not public (drafts must not reveal who we check).
    claimant = get_object_or_404(Claimant.objects.with_public_claims(), slug=slug)
    page = _page(request, selectors.card_listing(Claim.objects.by_claimant(claimant)))
    rows = scorecard_chart(claimant)
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
    topic = get_object_or_404(Topic.objects.with_public_claims(), slug=slug)
    page = _page(request, selectors.card_listing(Claim.objects.filter(topics=topic)))
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
    # `languageCode`, as Google's Fact Check Tools name it; a code we do not publish in is no
    # filter rather than an error page.
    language = primary_language(request.GET.get("languageCode", "")[:35])
    language = language if language in claim_languages() else ""
    page = None
    filters = {"q": query, **({"languageCode": language} if language else {})}
    if query:
        results = search.search_claims(query, language or None)
        paginator = Paginator(results, PAGE_SIZE)
        # The count is a second full-text query: kept with the lists' versions, like the lists'.
        lookup = fragments.look_up_list_parts(urlencode(filters), kind="search")
        if lookup is not None and lookup.stored is not None:
            paginator.count = lookup.stored["count"]
        page = paginator.get_page(request.GET.get("page"))
        if lookup is not None and lookup.stored is None:
            fragments.store_list_parts(lookup, paginator.count)
        for claim in page.object_list:
            claim.highlighted = search.highlight(claim, query)
    return render(
        request,
        "claims/search.html",
        {"query": query, "page": page, "filter_query": urlencode(filters)},
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
def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request, not at import: the hashed static name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


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
