"""`POST /api/v1/intake/candidates/`: the candidate claims of an article given as text or URL.

The editor's intake screen as an API: the same service (sources.intake.intake_article, which
fetches a URL through sources.fetching), the same ranking, reasons, threshold, figures,
speaker, claimant, place and date. Editorial only: it fetches pages on the caller's behalf.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from claims import workflow
from claims.api.exchange import INTAKE_MAX_CHARS, CandidateSerializer
from claims.checkworthiness import default_model
from config.api.errors import WRITE_ERRORS, error_responses
from config.api.parsers import LimitedJSONParser
from sources import intake


class CandidatesRequestSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=INTAKE_MAX_CHARS,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The article's text. Leave out to fetch `url`.",
    )
    url = serializers.URLField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="The article's address: fetched when `text` is empty, else used for its date.",
    )
    threshold = serializers.FloatField(
        min_value=0.0,
        max_value=1.0,
        required=False,
        allow_null=True,
        help_text="Check-worthiness at or above which a sentence is listed (default: the "
        "model's, chosen by cross-validation; 0 lists every sentence).",
    )
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)

    def validate(self, attrs: dict) -> dict:
        if not (attrs.get("text") or "").strip() and not attrs.get("url"):
            raise serializers.ValidationError(
                {"text": ["Give the article's text or its url."], "url": ["Give one of them."]}
            )
        return attrs


class ArticleSerializer(serializers.Serializer):
    url = serializers.CharField()
    published_on = serializers.DateField(
        allow_null=True, help_text="Meta tags, JSON-LD datePublished, the URL or a dateline."
    )
    place = serializers.CharField(help_text="Where the article sets its statements, if it says.")
    sentences = serializers.IntegerField(help_text="Sentences scored.")


class RankedCandidateSerializer(CandidateSerializer):
    rank = serializers.IntegerField()
    stated_on = serializers.DateField(allow_null=True, help_text="The article's date.")


class CandidatesResponseSerializer(serializers.Serializer):
    article = ArticleSerializer()
    threshold = serializers.FloatField()
    below_threshold = serializers.IntegerField(help_text="Sentences scored below, not listed.")
    candidates = RankedCandidateSerializer(many=True)


class IntakeThrottle(UserRateThrottle):
    # Each call may fetch a page and score thousands of sentences.
    scope = "intake"
    rate = "60/min"


class IntakeCandidatesView(APIView):
    """Check-worthy sentences of an article, best first, with who, when and where (editors)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [LimitedJSONParser]
    throttle_classes = [IntakeThrottle]

    @extend_schema(
        summary="Candidate claims of an article given as text or URL (editors)",
        request=CandidatesRequestSerializer,
        responses={200: CandidatesResponseSerializer, **error_responses(*WRITE_ERRORS)},
        examples=[
            OpenApiExample(
                "Text",
                value={"text": "Returns rose 19% to 9,400 this year, the Home Office said."},
                request_only=True,
            ),
            OpenApiExample(
                "URL",
                value={"url": "https://news.example/article", "threshold": 0.3},
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        if not workflow.can_edit(request.user):
            raise workflow.NotAllowed("Only editors and reviewers can use intake.")
        body = CandidatesRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        asked = body.validated_data
        threshold = asked.get("threshold")
        threshold = default_model().threshold if threshold is None else threshold
        try:
            read = intake.intake_article(
                text=asked.get("text", ""), source_url=asked.get("url", ""), threshold=threshold
            )
        except intake.ArticleUnavailable as error:
            raise serializers.ValidationError({"url": [str(error)]}) from None
        listed = [c for c in read.candidates if c.check_worthy]
        candidates = [
            {**c.as_dict(), "rank": rank, "stated_on": read.published_on}
            for rank, c in enumerate(listed[: asked["limit"]], 1)
        ]
        payload = {
            "article": {
                "url": read.source_url,
                "published_on": read.published_on,
                "place": read.place,
                "sentences": len(read.candidates),
            },
            "threshold": threshold,
            "below_threshold": len(read.candidates) - len(listed),
            "candidates": candidates,
        }
        return Response(CandidatesResponseSerializer(payload).data)
