"""Exchange and discovery endpoints: the ClaimReview DataFeed, a Fact Check Tools-style
search, and intake (candidate claims from article text).

`/api/v1/claims:search` answers in the shape of Google's Fact Check Tools API `claims:search`
so existing clients can point at Claimwatch. Only published claims ever appear here.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import intake, workflow
from claims.api.languages import LanguageField
from claims.claimreview import claimreview_queryset, data_feed
from claims.figures import primary_language
from claims.models import Claim
from claims.search import ranked_claims
from config.api.errors import WRITE_ERRORS, error_responses


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


FEED_DEFAULT_LIMIT = 500
FEED_MAX_LIMIT = 5000


class FeedParamsSerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=FEED_MAX_LIMIT, default=FEED_DEFAULT_LIMIT
    )


DataFeedSerializer = inline_serializer(
    "ClaimReviewDataFeed",
    {
        "@context": serializers.CharField(),
        "@type": serializers.CharField(),
        "name": serializers.CharField(),
        "url": serializers.URLField(),
        "dateModified": serializers.DateTimeField(),
        "dataFeedElement": serializers.ListField(child=serializers.DictField()),
    },
)


class ClaimReviewFeedView(APIView):
    """All published fact checks as a schema.org DataFeed of ClaimReview, newest first."""

    renderer_classes = [JSONRenderer, JSONLDRenderer]
    permission_classes = [AllowAny]  # read-only view of published claims

    @extend_schema(
        summary="ClaimReview DataFeed of published claims (newest first, capped by `limit`)",
        parameters=[FeedParamsSerializer],
        responses={200: DataFeedSerializer, **error_responses(400, 429)},
    )
    def get(self, request: Request) -> Response:
        params = FeedParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        claims = claimreview_queryset(Claim.objects.published()).order_by("-published_at", "-pk")[
            : params.validated_data["limit"]
        ]
        return Response(data_feed(claims))


# --- claims:search -------------------------------------------------------------------------


class FactCheckSearchParams(serializers.Serializer):
    query = serializers.CharField(required=False, allow_blank=True, max_length=500)
    languageCode = serializers.CharField(required=False, max_length=35)
    pageSize = serializers.IntegerField(required=False, min_value=1, max_value=100, default=10)
    pageToken = serializers.CharField(required=False, max_length=100)
    maxAgeDays = serializers.IntegerField(required=False, min_value=1, max_value=36500)
    reviewPublisherSiteFilter = serializers.CharField(required=False, max_length=255)

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("query", "").strip() and not attrs.get("reviewPublisherSiteFilter"):
            raise serializers.ValidationError(
                {"query": [_("Give a query or a reviewPublisherSiteFilter.")]}
            )
        token = attrs.get("pageToken")
        attrs["offset"] = decode_page_token(token) if token else 0
        return attrs


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_page_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _sep, number = text.partition(":")
        offset = int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise serializers.ValidationError(
            {"pageToken": [_("Not a page token from this API.")]}
        ) from None
    if kind != "o" or not 0 <= offset <= 1_000_000:
        raise serializers.ValidationError({"pageToken": [_("Not a page token from this API.")]})
    return offset


def our_site() -> str:
    return (urlsplit(settings.PUBLISHER_URL).hostname or "").removeprefix("www.")


def review_site(claim: Claim) -> str:
    """The publisher's site: ours, or the imported review's host."""
    if claim.review_url:
        return (urlsplit(claim.review_url).hostname or "").removeprefix("www.")
    return our_site()


def filter_publisher_site(claims: QuerySet[Claim], site: str) -> QuerySet[Claim]:
    site = site.strip().lower().removeprefix("www.").strip("/")
    if not site:
        return claims
    imported = Q()
    for scheme in ("http://", "https://"):
        for prefix in ("", "www."):
            imported |= Q(review_url__istartswith=f"{scheme}{prefix}{site}/")
    ours = Q(review_url__isnull=True) if site == our_site() else Q(pk__in=[])
    return claims.filter(imported | ours)


def fact_check_claim(claim: Claim) -> dict:
    """One claim in the Fact Check Tools `claims:search` shape."""
    review_url = claim.review_url or settings.SITE_URL + claim.get_absolute_url()
    item: dict = {"text": claim.text, "claimant": claim.claimant.name}
    if claim.stated_on:
        item["claimDate"] = f"{claim.stated_on.isoformat()}T00:00:00Z"
    site = review_site(claim)
    item["claimReview"] = [
        {
            "publisher": {
                "name": settings.PUBLISHER_NAME if not claim.review_url else site,
                "site": site,
            },
            "url": review_url,
            "title": claim.title,
            "reviewDate": claim.published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "textualRating": claim.rating.label,
            "languageCode": claim.language,
        }
    ]
    return item


FactCheckSearchResponse = inline_serializer(
    "FactCheckClaimsSearchResponse",
    {
        "claims": serializers.ListField(
            child=inline_serializer(
                "FactCheckClaim",
                {
                    "text": serializers.CharField(),
                    "claimant": serializers.CharField(),
                    "claimDate": serializers.CharField(required=False),
                    "claimReview": serializers.ListField(
                        child=inline_serializer(
                            "FactCheckClaimReview",
                            {
                                "publisher": inline_serializer(
                                    "FactCheckPublisher",
                                    {
                                        "name": serializers.CharField(),
                                        "site": serializers.CharField(),
                                    },
                                ),
                                "url": serializers.CharField(),
                                "title": serializers.CharField(),
                                "reviewDate": serializers.CharField(),
                                "textualRating": serializers.CharField(),
                                "languageCode": serializers.CharField(),
                            },
                        )
                    ),
                },
            )
        ),
        "nextPageToken": serializers.CharField(required=False),
    },
)


class FactCheckSearchView(APIView):
    """Search published fact checks, answering like Google's Fact Check Tools `claims:search`."""

    permission_classes = [AllowAny]  # read-only view of published claims

    @extend_schema(
        operation_id="claims_search_fact_check_tools",
        summary="Fact Check Tools-compatible claims:search",
        parameters=[
            FactCheckSearchParams,
            OpenApiParameter(
                "pageSize", int, description=_("Results per page (1–100, default 10).")
            ),
        ],
        responses={200: FactCheckSearchResponse, **error_responses(400, 429)},
    )
    def get(self, request: Request) -> Response:
        params = FactCheckSearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        claims = Claim.objects.published().select_related("claimant", "rating")
        # Google's BCP 47 code ("es-419"): our claims carry the language subtag.
        language = primary_language(data.get("languageCode", "")) or None
        if language:
            claims = claims.filter(language=language)
        if data.get("maxAgeDays"):
            claims = claims.filter(
                published_at__gte=timezone.now() - timedelta(days=data["maxAgeDays"])
            )
        if data.get("reviewPublisherSiteFilter"):
            claims = filter_publisher_site(claims, data["reviewPublisherSiteFilter"])
        query = data.get("query", "").strip()
        if query:
            claims = ranked_claims(claims, query, language).order_by(
                "-search_rank", "-published_at", "-pk"
            )
        else:
            claims = claims.order_by("-published_at", "-pk")
        offset, size = data["offset"], data["pageSize"]
        page = list(claims[offset : offset + size + 1])
        body: dict = {"claims": [fact_check_claim(claim) for claim in page[:size]]}
        if len(page) > size:
            body["nextPageToken"] = encode_page_token(offset + size)
        return Response(body)


# --- Intake: candidate claims from article text ---------------------------------------------

INTAKE_MAX_CHARS = 200_000


class IntakeRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=INTAKE_MAX_CHARS, help_text=_("Article text."))
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)
    language = LanguageField(
        required=False,
        help_text="The article's language (ISO 639-1); detected from the text when not given.",
    )


class CandidateFigureSerializer(serializers.Serializer):
    text = serializers.CharField()
    value = serializers.DecimalField(max_digits=40, decimal_places=6, coerce_to_string=True)
    unit = serializers.CharField()
    approximation = serializers.CharField()
    period = serializers.CharField()
    stated_change_pct = serializers.DecimalField(
        max_digits=40, decimal_places=6, allow_null=True, coerce_to_string=True
    )
    baseline_period = serializers.CharField()
    baseline_value = serializers.DecimalField(
        max_digits=40, decimal_places=6, allow_null=True, coerce_to_string=True
    )


class ProposedClaimantSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()


class CandidateSerializer(serializers.Serializer):
    sentence = serializers.CharField()
    score = serializers.FloatField(help_text="Check-worthiness probability, 0–1 (calibrated).")
    check_worthy = serializers.BooleanField(help_text="The score reaches the threshold used.")
    speaker = serializers.CharField(help_text="Who the sentence attributes it to, as written.")
    excerpt = serializers.CharField()
    start = serializers.IntegerField(help_text="Offset of the excerpt in the article text.")
    end = serializers.IntegerField()
    claimant_id = serializers.IntegerField(allow_null=True, help_text="A known claimant.")
    claimant_name = serializers.CharField()
    proposed_claimant = ProposedClaimantSerializer(
        allow_null=True, help_text="No known claimant: who the article names, to create."
    )
    place = serializers.CharField(help_text="Where the sentence says it was stated.")
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="The words and features that moved the score most (log-odds), then context.",
    )
    language = serializers.CharField(help_text="The language its figures were read in.")
    figures = CandidateFigureSerializer(many=True)


class IntakeView(APIView):
    """Candidate claims in an article, best first (editors and reviewers)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Extract candidate claims from article text (editors)",
        request=IntakeRequestSerializer,
        responses={200: CandidateSerializer(many=True), **error_responses(*WRITE_ERRORS)},
    )
    def post(self, request: Request) -> Response:
        if not workflow.can_edit(request.user):
            raise workflow.NotAllowed(_("Only editors and reviewers can use intake."))
        body = IntakeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        candidates = intake.extract_candidates(
            body.validated_data["text"],
            limit=body.validated_data["limit"],
            language=body.validated_data.get("language"),
        )
        return Response(CandidateSerializer(candidates, many=True).data)
