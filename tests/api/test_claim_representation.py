"""claims/api/representation.py: the claim list's and detail's plain-dict read path gives,
byte for byte, what ClaimSerializer gives for the same claims."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from claims.api import representation
from claims.api.claims import ClaimSerializer, claim_list_queryset, claim_reading_queryset
from claims.models import Claim, Correction
from config.api.conditional import _etag_for
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    FigureFactory,
    PublishedClaimFactory,
    SnapshotFactory,
    SourceFactory,
    TopicFactory,
    rating,
)

pytestmark = pytest.mark.django_db

WINTER = dt.datetime(2025, 1, 15, 9, 30, 12, 345678, tzinfo=dt.UTC)
SUMMER = dt.datetime(2025, 7, 1, 23, 59, 59, tzinfo=dt.UTC)


def varied_claims() -> list[Claim]:
    """Claims with every kind of part and value the representation formats."""
    claimant = ClaimantFactory(
        name="Ministère «de l’Intérieur»",
        same_as=["https://www.wikidata.org/wiki/Q1", "https://example.org/ü"],
    )
    plain = PublishedClaimFactory(published_at=SUMMER, stated_on=dt.date(2024, 2, 29))
    FigureFactory(
        claim=plain,
        value=Decimal("9400"),
        baseline_value=Decimal("7900.5"),
        stated_change_pct=Decimal("19.25"),
    )
    FigureFactory(claim=plain, label="Second", value=Decimal("-0.0001"), position=2)
    FigureFactory(claim=plain, label="No change", value=Decimal("12345678901234.5678"))
    FigureFactory(claim=plain, label="Zero base", value=Decimal("5"), baseline_value=Decimal("0"))
    FigureFactory(
        claim=plain, label="Down all", value=Decimal("10"), stated_change_pct=Decimal("-100")
    )
    plain.topics.add(TopicFactory(name="Zeta"), TopicFactory(name="Alpha"))

    snapshot_source = SourceFactory(
        state="changed", last_checked_at=WINTER, title="Données — “officielles”"
    )
    snapshot_source.current_snapshot = SnapshotFactory(source=snapshot_source)
    snapshot_source.save()
    CitationFactory(
        claim=plain,
        source=snapshot_source,
        excerpt_state="figure_changed",
        found_text="rose to 9,500",
        found_figure="9,500",
        cited_figure="9,400",
        excerpt_checked_at=SUMMER,
    )
    CitationFactory(claim=plain, source=SourceFactory(state="unchecked"), role="origin")

    corrected = PublishedClaimFactory(
        claimant=claimant,
        status=Claim.Status.CORRECTED,
        rating=rating("inaccurate"),
        language="es",
        title="Se duplicó el número de retornos",
        text="El número se duplicó, dijo.\u2028Segunda línea",
        appearance_url="https://news.example/ü?a=1&b=2",
        venue="Radio <Nacional>",
        analysis="**Markdown** <b>kept</b> as written",
        review_url="https://factchecker.example/review/1",
        needs_attention=True,
        attention_reason="Source changed",
    )
    Correction.objects.create(
        claim=corrected,
        kind=Correction.Kind.CORRECTION,
        created_at=WINTER,
        what_changed="Rating",
        reason="New figures",
        previous_rating=rating("accurate"),
        new_rating=rating("inaccurate"),
    )
    Correction.objects.create(
        claim=corrected, kind=Correction.Kind.UPDATE, what_changed="Clarified", reason=""
    )
    CitationFactory(claim=corrected, role="contradicts")

    withdrawn = PublishedClaimFactory(status=Claim.Status.WITHDRAWN, rating=rating("unverifiable"))
    draft = ClaimFactory(rating=None, slug="draft-with_underscore")
    return [plain, corrected, withdrawn, draft]


def drf_request(user=None) -> Request:
    from django.contrib.auth.models import AnonymousUser

    request = Request(RequestFactory().get("/api/v1/claims/"))
    request.user = user or AnonymousUser()
    return request


def serializer_json(claims, request) -> bytes:
    data = ClaimSerializer(claims, many=True, context={"request": request}).data
    return JSONRenderer().render(data)


def fast_json(queryset) -> bytes:
    rows = list(representation.claim_rows(queryset))
    return JSONRenderer().render(representation.claim_representations(rows))


def test_list_representation_is_byte_identical_to_the_serializer(editor):
    varied_claims()
    request = drf_request(editor)
    ordered = claim_list_queryset(request).order_by("pk")
    expected = serializer_json(ordered, request)
    assert fast_json(claim_reading_queryset(request).order_by("pk")) == expected
    assert b'"language":"es"' in expected and b'"status":"withdrawn"' in expected


@pytest.mark.parametrize("zone", ["Europe/London", "America/Sao_Paulo", "UTC"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_representation_follows_the_active_time_zone_and_language(editor, zone, language):
    varied_claims()
    request = drf_request(editor)
    with timezone.override(zoneinfo.ZoneInfo(zone)), translation.override(language):
        expected = serializer_json(claim_list_queryset(request).order_by("pk"), request)
        assert fast_json(claim_reading_queryset(request).order_by("pk")) == expected


def test_detail_reading_matches_the_serializer_and_last_modified(editor):
    claims = varied_claims()
    request = drf_request(editor)
    for claim in claims:
        instance = claim_list_queryset(request).get(pk=claim.pk)
        expected = ClaimSerializer(instance, context={"request": request}).data
        row = representation.claim_rows(claim_reading_queryset(request)).get(pk=claim.pk)
        reading = representation.claim_reading(row)
        assert JSONRenderer().render(reading.data) == JSONRenderer().render(expected)
        stamps = [instance.updated_at]
        for citation in instance.citations.all():
            stamps += [
                citation.excerpt_checked_at,
                citation.created_at,
                citation.source.last_checked_at,
                citation.source.state_changed_at,
            ]
        stamps += [correction.created_at for correction in instance.corrections.all()]
        assert reading.last_modified == max(s for s in stamps if s is not None)


def test_api_list_and_detail_answer_the_serializers_bytes(anon_api):
    claims = varied_claims()
    request = drf_request()
    public = claim_list_queryset(request).order_by("-published_at")
    response = anon_api.get("/api/v1/claims/?page_size=50")
    body = response.content
    expected_results = serializer_json(public, request)
    assert body.endswith(b'"results":' + expected_results + b"}")
    for claim in claims[:2]:
        detail = anon_api.get(f"/api/v1/claims/{claim.pk}/")
        data = ClaimSerializer(public.get(pk=claim.pk), context={"request": request}).data
        expected = JSONRenderer().render(data)
        assert detail.content == expected
        assert detail["ETag"] == _etag_for(expected.decode("utf-8"))


def test_detail_of_a_missing_or_private_claim_is_the_same_404(anon_api):
    draft = ClaimFactory()
    missing = anon_api.get("/api/v1/claims/999999/")
    private = anon_api.get(f"/api/v1/claims/{draft.pk}/")
    assert missing.status_code == private.status_code == 404
    assert missing.json() == private.json()
    assert anon_api.get("/api/v1/claims/not-a-number/").status_code == 404


def test_detail_404_bodies_say_what_get_object_or_404_said(anon_api):
    missing = anon_api.get("/api/v1/claims/999999/")
    assert missing.json()["detail"] == "No Claim matches the given query."
    assert anon_api.get("/api/v1/claims/not-a-number/").json()["detail"] == "Not found."


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the aggregated statement is PostgreSQL's"
)


def portable_json(queryset, monkeypatch) -> bytes:
    with monkeypatch.context() as patched:
        patched.setattr(representation, "aggregated_parts_statement", lambda alias: None)
        return fast_json(queryset)


@on_postgresql
def test_aggregated_parts_read_what_the_query_per_relation_reads(editor):
    claims = varied_claims()
    ids = [claim.pk for claim in claims]
    statement = representation.aggregated_parts_statement(connection.alias)
    assert statement is not None
    with CaptureQueriesContext(connection) as queries:
        aggregated = statement.parts(ids)
    assert len(queries.captured_queries) == 1
    assert aggregated == representation.portable_claim_parts(ids)
    assert aggregated.figures and aggregated.citations and aggregated.corrections
    assert aggregated.topics


@on_postgresql
@pytest.mark.parametrize("zone", ["America/Sao_Paulo", "UTC"])
def test_aggregated_parts_give_the_portable_bytes(editor, zone, monkeypatch):
    varied_claims()
    queryset = claim_reading_queryset(drf_request(editor)).order_by("pk")
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        assert fast_json(queryset) == portable_json(queryset, monkeypatch)


@on_postgresql
def test_aggregated_detail_reading_keeps_the_portable_last_modified(editor, monkeypatch):
    for claim in varied_claims():
        row = representation.claim_rows(claim_reading_queryset(drf_request(editor))).get(
            pk=claim.pk
        )
        aggregated = representation.claim_reading(row)
        with monkeypatch.context() as patched:
            patched.setattr(representation, "aggregated_parts_statement", lambda alias: None)
            portable = representation.claim_reading(row)
        assert JSONRenderer().render(aggregated.data) == JSONRenderer().render(portable.data)
        assert aggregated.last_modified == portable.last_modified


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the portable path's database")
def test_other_databases_read_the_parts_one_query_per_relation():
    claim = PublishedClaimFactory()
    assert representation.aggregated_parts_statement(connection.alias) is None
    with CaptureQueriesContext(connection) as queries:
        representation.claim_parts([claim.pk])
    assert len(queries.captured_queries) == 4


def test_parts_of_no_claims_need_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert representation.claim_parts([]) == representation.ClaimParts({}, {}, {}, {})
    assert not queries.captured_queries


def test_read_claim_gives_the_row_and_reading_of_the_claim_or_none(editor, monkeypatch):
    claims = varied_claims()
    rows = representation.claim_rows(claim_reading_queryset(drf_request(editor)))
    with CaptureQueriesContext(connection) as queries:
        row, reading = representation.read_claim(rows, str(claims[0].pk))
    expected_queries = 1 if connection.vendor == "postgresql" else 5
    assert len(queries.captured_queries) == expected_queries
    with monkeypatch.context() as patched:
        patched.setattr(representation, "aggregated_parts_statement", lambda alias: None)
        portable_row, portable = representation.read_claim(rows, claims[0].pk)
    assert row == portable_row == rows.get(pk=claims[0].pk)
    assert JSONRenderer().render(reading.data) == JSONRenderer().render(portable.data)
    assert reading.last_modified == portable.last_modified
    assert representation.read_claim(rows, 999999) is None
    assert representation.read_claim(rows, 10**23) is None  # beyond the id column's range
    public = representation.claim_rows(claim_reading_queryset(drf_request()))
    assert representation.read_claim(public, claims[-1].pk) is None  # the draft
    with pytest.raises(ValueError):
        representation.read_claim(rows, "not-a-number")


@pytest.mark.parametrize("unpublished", [True, False])
def test_the_compiled_detail_statement_reads_as_read_claim_does(unpublished):
    claims = varied_claims()
    rows = representation.claim_rows(representation.readable_claims(unpublished=unpublished))
    visible = set(rows.values_list("pk", flat=True))
    assert visible and (len(visible) < len(claims)) != unpublished  # drafts only for editors
    for claim in claims:
        expected = representation.read_claim(rows, claim.pk)
        with CaptureQueriesContext(connection) as queries:
            found = representation.read_readable_claim(str(claim.pk), unpublished=unpublished)
        if claim.pk not in visible:
            assert expected is None and found is None
            assert len(queries.captured_queries) == 1
            continue
        assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 5)
        (row, reading), (expected_row, expected_reading) = found, expected
        assert row == expected_row
        assert JSONRenderer().render(reading.data) == JSONRenderer().render(expected_reading.data)
        assert reading.last_modified == expected_reading.last_modified
    for unknown in (999999, 10**23, -(10**23)):
        assert representation.read_readable_claim(unknown, unpublished=unpublished) is None
    with pytest.raises(ValueError):
        representation.read_readable_claim("not-a-number", unpublished=unpublished)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compiled for PostgreSQL only")
def test_the_detail_statement_is_compiled_once_per_visibility():
    claim = PublishedClaimFactory()
    representation.read_readable_claim(claim.pk, unpublished=False)
    statement = representation.claim_row_statement(connection.alias, False)
    assert statement is not None
    assert statement.params.count(claim.pk) == 0  # the id is set per read, not compiled in
    assert representation.claim_row_statement(connection.alias, True) is not statement
    assert "'published'" not in statement.sql  # the statuses stay parameters
