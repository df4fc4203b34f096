"""The API's read paths for claims (list and detail): the representation `ClaimSerializer`
documents, built as plain dicts from narrow rows.

`ClaimSerializer` stays the schema and the write path; here a page of claims costs one query
for the claims (claimant and rating joined) and one per relation, each reading only the columns
the representation shows, and no model instance or per-field serializer dispatch. Every value
is formatted as DRF's field would format it (tests compare the two outputs byte for byte).

On PostgreSQL the four relations come back from one statement compiled once (JSON arrays, one
per relation), and a claim's detail joins it to the claim's row: one query in all.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from decimal import Context, Decimal, getcontext
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from claims.figures import arithmetic
from claims.models import Claim, Correction, Figure, Rating

Row = dict[str, Any]

# Claim columns in the order of ClaimSerializer's fields; "claimant__…" and "rating__…" are
# the nested claimant and rating.
CLAIM_COLUMNS = (
    "id",
    "title",
    "slug",
    "text",
    "language",
    "claimant__id",
    "claimant__name",
    "claimant__slug",
    "claimant__kind",
    "claimant__role",
    "claimant__same_as",
    "stated_on",
    "appearance_url",
    "venue",
    "status",
    "rating__id",
    "rating__label",
    "rating__slug",
    "rating__value",
    "rating__colour",
    "rating__bucket",
    "rating__description",
    "verdict_summary",
    "analysis",
    "published_at",
    "updated_at",
    "needs_attention",
    "attention_reason",
    "review_url",
)
# What cursor pagination may order by (it reads the position from the row) besides the shown
# columns; annotations are added when the queryset has them.
_ORDERING_COLUMNS = ("created_at",)
_ORDERING_ANNOTATIONS = ("publication_date", "search_rank")

_FIGURE_COLUMNS = ("claim_id", "id", *Figure.READER_FIELDS)
_CITATION_COLUMNS = (
    "claim_id",
    "id",
    "role",
    "excerpt",
    "cited_figure",
    "excerpt_state",
    "found_text",
    "found_figure",
    "excerpt_checked_at",
    "source__id",
    "source__url",
    "source__title",
    "source__publisher",
    "source__kind",
    "source__state",
    "source__last_checked_at",
    # Not shown: what the detail's Last-Modified reads.
    "created_at",
    "source__state_changed_at",
)
_CORRECTION_COLUMNS = (
    "claim_id",
    "id",
    "kind",
    "created_at",
    "what_changed",
    "reason",
    "previous_rating__slug",
    "new_rating__slug",
)
_TOPIC_COLUMNS = (
    "claim_id",
    "topic__id",
    "topic__name",
    "topic__slug",
    "topic__description",
)

_RATING_ORDINAL_BUCKETS = frozenset({Rating.Bucket.TRUE, Rating.Bucket.MIXED, Rating.Bucket.FALSE})
# What the `slug` path converter accepts; any other slug goes through reverse() (and fails there).
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_PLACEHOLDER_PK = 987654321012345
_PLACEHOLDER_SLUG = "claim-slug-placeholder"


def claim_rows(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """The claims of `queryset` as rows of the shown columns (plus what ordering may read)."""
    annotations = [name for name in _ORDERING_ANNOTATIONS if name in queryset.query.annotations]
    return queryset.values(*CLAIM_COLUMNS, *_ORDERING_COLUMNS, *annotations)


@dataclass
class ClaimParts:
    """The related rows of some claims, by claim id, in the order they are shown."""

    topics: dict[int, list[Row]]
    figures: dict[int, list[Row]]
    citations: dict[int, list[Row]]
    corrections: dict[int, list[Row]]


def _by_claim(rows: Iterable[Row]) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["claim_id"]].append(row)
    return grouped


@functools.cache
def _part_rows() -> dict[str, QuerySet]:
    """Each relation's rows, ordered as its prefetch would be and narrowed to the shown
    columns; built once (resolving the columns is a good part of a query's cost) and
    filtered by claim for each read."""
    citation_model = Claim._meta.get_field("citations").related_model
    return {
        "topics": Claim.topics.through.objects.order_by("topic__name").values(*_TOPIC_COLUMNS),
        "figures": Figure.objects.order_by("position", "pk").values(*_FIGURE_COLUMNS),
        "citations": citation_model._default_manager.order_by(
            *citation_model._meta.ordering
        ).values(*_CITATION_COLUMNS),
        "corrections": Correction.objects.order_by(*Correction._meta.ordering).values(
            *_CORRECTION_COLUMNS
        ),
    }


def claim_parts(claim_ids: Sequence[int]) -> ClaimParts:
    """Topics, figures, citations (with their source) and corrections of these claims: one
    query for all four on PostgreSQL, one each elsewhere, whatever the number of claims."""
    if not claim_ids:
        return ClaimParts({}, {}, {}, {})
    statement = aggregated_parts_statement(next(iter(_part_rows().values())).db)
    if statement is not None:
        return statement.parts(claim_ids)
    return portable_claim_parts(claim_ids)


def portable_claim_parts(claim_ids: Sequence[int]) -> ClaimParts:
    """claim_parts on any database: one query per relation."""
    grouped = {
        name: _by_claim(rows.filter(claim_id__in=claim_ids)) for name, rows in _part_rows().items()
    }
    return ClaimParts(**grouped)


# How the aggregated statement's JSON gives back the columns JSON has no type for; the others
# (numbers, text, booleans) read as they are.
_JSON_DECODERS: dict[str, Callable[[Any], Any]] = {
    "DateTimeField": datetime.fromisoformat,
    "DateField": date.fromisoformat,
    "DecimalField": Decimal,
}
_JSON_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "ForeignKey",
        "OneToOneField",
        "BooleanField",
        "CharField",
        "TextField",
        "SlugField",
        "URLField",
        "EmailField",
    }
)
# Stands for the claim ids while the statement is compiled.
_SENTINEL_IDS = [_PLACEHOLDER_PK]


@dataclass(frozen=True)
class AggregatedPartsStatement:
    """One PostgreSQL statement answering every relation's rows for an array of claim ids, as
    JSON arrays: one round trip and no query compilation per read."""

    sql: str
    # Per relation: each column's name and how its JSON value is decoded (None: as it is).
    columns: dict[str, tuple[tuple[str, Callable[[Any], Any] | None], ...]]
    alias: str

    def params(self, claim_ids: Sequence[int]) -> list[list[int]]:
        ids = list(claim_ids)
        return [ids] * len(self.columns)

    def parts(self, claim_ids: Sequence[int]) -> ClaimParts:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, self.params(claim_ids))
            values = cursor.fetchone()
        return self.decode(values)

    def decode(self, values: Sequence[str]) -> ClaimParts:
        """The parts from the statement's columns (JSON text, one per relation)."""
        grouped = {}
        for (name, columns), text in zip(self.columns.items(), values, strict=True):
            names = [column for column, _decode in columns]
            decoded = [(column, decode) for column, decode in columns if decode is not None]
            rows = []
            for item in json.loads(text, parse_float=Decimal):
                row = dict(zip(names, item, strict=True))
                for column, decode in decoded:
                    if row[column] is not None:
                        row[column] = decode(row[column])
                rows.append(row)
            grouped[name] = _by_claim(rows)
        return ClaimParts(**grouped)


def _value_names(query) -> list[str]:
    """The keys of a `values()` query's rows, in its columns' order."""
    return [*query.extra_select, *query.values_select, *query.annotation_select]


def _order_expression(name: str):
    return F(name[1:]).desc() if name.startswith("-") else F(name).asc()


@functools.cache
def aggregated_parts_statement(alias: str) -> AggregatedPartsStatement | None:
    """The statement of `claim_parts` on PostgreSQL, compiled once from the relations'
    querysets; None where it does not apply (other databases, naive datetimes, a column
    whose value would need a converter or has no JSON reading here)."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or not settings.USE_TZ:
        return None
    selects, columns = [], {}
    for name, rows in _part_rows().items():
        # The rank keeps each relation's order inside its JSON array.
        ranked = rows.annotate(
            _rank=Window(RowNumber(), order_by=[_order_expression(o) for o in rows.query.order_by])
        ).filter(claim_id__in=_SENTINEL_IDS)
        compiler = ranked.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        names = _value_names(ranked.query)
        fields = [select[0] for select in compiler.select[: compiler.col_count]]
        if (
            list(params) != _SENTINEL_IDS
            or sql.count("IN (%s)") != 1
            or names[-1] != "_rank"
            or len(names) != len(fields)
            or compiler.get_converters(fields[:-1])
        ):
            return None
        decoders = []
        for column, field in zip(names[:-1], fields[:-1], strict=True):
            kind = field.output_field.get_internal_type()
            if kind not in _JSON_DECODERS and kind not in _JSON_PLAIN_TYPES:
                return None
            decoders.append((column, _JSON_DECODERS.get(kind)))
        columns[name] = tuple(decoders)
        aliases = [f"c{i}" for i in range(len(names))]
        values = ", ".join(f"t.{a}" for a in aliases[:-1])
        # Only the ORM's compiled SQL and generated column aliases: the ids are a parameter.
        selects.append(
            f"(SELECT coalesce(json_agg(json_build_array({values}) ORDER BY t.{aliases[-1]}),"  # noqa: S608
            f" '[]')::text FROM ({sql.replace('IN (%s)', '= ANY(%s)')}) AS t({', '.join(aliases)}))"
        )
    return AggregatedPartsStatement("SELECT " + ", ".join(selects), columns, alias)


class _Formats:
    """DRF's output formats for one response, with what they read (time zone, decimal
    context, the claim page address) looked up once."""

    def __init__(self) -> None:
        self.zone: tzinfo | None = timezone.get_current_timezone() if settings.USE_TZ else None
        self.iso_dates = api_settings.DATE_FORMAT.lower() == ISO_8601
        self.iso_datetimes = api_settings.DATETIME_FORMAT.lower() == ISO_8601
        context = getcontext()
        self.value = _DecimalFormat(context, max_digits=20, decimal_places=4)
        self.pct = _DecimalFormat(context, max_digits=9, decimal_places=3)
        self.computed = _DecimalFormat(context, max_digits=24, decimal_places=2)
        self.site_url = settings.SITE_URL
        placeholder = reverse(
            "claims:claim_detail", kwargs={"pk": _PLACEHOLDER_PK, "slug": _PLACEHOLDER_SLUG}
        )
        self.page_prefix, _pk, rest = placeholder.partition(str(_PLACEHOLDER_PK))
        self.page_middle, _slug, self.page_suffix = rest.partition(_PLACEHOLDER_SLUG)
        self._datetime_field = serializers.DateTimeField()
        self._date_field = serializers.DateField()

    def datetime(self, value: datetime | None) -> str | None:
        if not value:
            return None
        if self.zone is None or not self.iso_datetimes or not timezone.is_aware(value):
            return self._datetime_field.to_representation(value)
        text = value.astimezone(self.zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def date(self, value: date | None) -> str | None:
        if not value:
            return None
        if not self.iso_dates:
            return self._date_field.to_representation(value)
        return value.isoformat()

    def page_url(self, pk: int, slug: str) -> str:
        if not _PLAIN_SLUG.fullmatch(slug):
            path = reverse("claims:claim_detail", kwargs={"pk": pk, "slug": slug})
        else:
            path = f"{self.page_prefix}{pk}{self.page_middle}{slug}{self.page_suffix}"
        return self.site_url + path


class _DecimalFormat:
    """serializers.DecimalField(max_digits, decimal_places).to_representation, for non-null
    values, with its quantizing context built once."""

    def __init__(self, context: Context, *, max_digits: int, decimal_places: int) -> None:
        self.context = context.copy()
        self.context.prec = max_digits
        self.exponent = Decimal(".1") ** decimal_places
        self.field = serializers.DecimalField(max_digits=max_digits, decimal_places=decimal_places)
        self.plain = api_settings.COERCE_DECIMAL_TO_STRING and not self.field.localize

    def __call__(self, value: Decimal | None) -> str | None:
        if value is None:
            return None
        if not self.plain or not isinstance(value, Decimal):
            return self.field.to_representation(value)
        return f"{value.quantize(self.exponent, context=self.context):f}"


def _figure(row: Row, formats: _Formats) -> dict:
    value, baseline, stated = row["value"], row["baseline_value"], row["stated_change_pct"]
    # The Figure model's computed properties, on the row's values.
    implied = None if stated is None else arithmetic.implied_baseline(value, stated)
    actual = None if baseline is None else arithmetic.change_pct(baseline, value)
    consistent = (
        None
        if stated is None or baseline is None
        else arithmetic.change_is_consistent(value, baseline, stated)
    )
    return {
        "id": row["id"],
        "label": row["label"],
        "value": formats.value(value),
        "unit": row["unit"],
        "approximation": row["approximation"],
        "period": row["period"],
        "baseline_value": formats.value(baseline),
        "baseline_period": row["baseline_period"],
        "stated_change_pct": formats.pct(stated),
        "position": row["position"],
        "implied_baseline": formats.computed(implied),
        "actual_change_pct": formats.computed(actual),
        "change_is_consistent": consistent,
    }


def _citation(row: Row, formats: _Formats) -> dict:
    return {
        "id": row["id"],
        "role": row["role"],
        "excerpt": row["excerpt"],
        "cited_figure": row["cited_figure"],
        "excerpt_state": row["excerpt_state"],
        "found_text": row["found_text"],
        "found_figure": row["found_figure"],
        "excerpt_checked_at": formats.datetime(row["excerpt_checked_at"]),
        "source": {
            "id": row["source__id"],
            "url": row["source__url"],
            "title": row["source__title"],
            "publisher": row["source__publisher"],
            "kind": row["source__kind"],
            "state": row["source__state"],
            "last_checked_at": formats.datetime(row["source__last_checked_at"]),
        },
    }


def _correction(row: Row, formats: _Formats) -> dict:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "created_at": formats.datetime(row["created_at"]),
        "what_changed": row["what_changed"],
        "reason": row["reason"],
        "previous_rating": row["previous_rating__slug"],
        "new_rating": row["new_rating__slug"],
    }


def _topic(row: Row) -> dict:
    return {
        "id": row["topic__id"],
        "name": row["topic__name"],
        "slug": row["topic__slug"],
        "description": row["topic__description"],
    }


def _rating(row: Row) -> dict | None:
    if row["rating__id"] is None:
        return None
    return {
        "id": row["rating__id"],
        "label": row["rating__label"],
        "slug": row["rating__slug"],
        "value": row["rating__value"],
        "colour": row["rating__colour"],
        "bucket": row["rating__bucket"],
        "description": row["rating__description"],
        "is_ordinal": row["rating__bucket"] in _RATING_ORDINAL_BUCKETS,
    }


def _claim(row: Row, parts: ClaimParts, formats: _Formats) -> dict:
    pk = row["id"]
    return {
        "id": pk,
        "title": row["title"],
        "slug": row["slug"],
        "text": row["text"],
        "language": row["language"],
        "claimant": {
            "id": row["claimant__id"],
            "name": row["claimant__name"],
            "slug": row["claimant__slug"],
            "kind": row["claimant__kind"],
            "role": row["claimant__role"],
            "same_as": row["claimant__same_as"],
        },
        "stated_on": formats.date(row["stated_on"]),
        "appearance_url": row["appearance_url"],
        "venue": row["venue"],
        "topics": [_topic(topic) for topic in parts.topics.get(pk, ())],
        "status": row["status"],
        "rating": _rating(row),
        "verdict_summary": row["verdict_summary"],
        "analysis": row["analysis"],
        "published_at": formats.datetime(row["published_at"]),
        "updated_at": formats.datetime(row["updated_at"]),
        "needs_attention": row["needs_attention"],
        "attention_reason": row["attention_reason"],
        "review_url": row["review_url"],
        "page_url": formats.page_url(pk, row["slug"]),
        "figures": [_figure(figure, formats) for figure in parts.figures.get(pk, ())],
        "citations": [_citation(citation, formats) for citation in parts.citations.get(pk, ())],
        "corrections": [
            _correction(correction, formats) for correction in parts.corrections.get(pk, ())
        ],
    }


def claim_representations(rows: Sequence[Row]) -> list[dict]:
    """ClaimSerializer's representation of these claim rows (from `claim_rows`), in order."""
    parts = claim_parts([row["id"] for row in rows])
    formats = _Formats()
    return [_claim(row, parts, formats) for row in rows]


@dataclass
class ClaimReading:
    """One claim's representation and the newest time it depends on (its Last-Modified)."""

    data: dict
    last_modified: datetime


def claim_reading(row: Row, parts: ClaimParts | None = None) -> ClaimReading:
    """ClaimSerializer's representation of one claim row, with its Last-Modified: the newest of
    the claim's, its citations' and sources' and its corrections' times."""
    if parts is None:
        parts = claim_parts([row["id"]])
    data = _claim(row, parts, _Formats())
    stamps = [row["updated_at"]]
    for citation in parts.citations.get(row["id"], ()):
        stamps += [
            citation["excerpt_checked_at"],
            citation["created_at"],
            citation["source__last_checked_at"],
            citation["source__state_changed_at"],
        ]
    stamps += [correction["created_at"] for correction in parts.corrections.get(row["id"], ())]
    return ClaimReading(data, max(stamp for stamp in stamps if stamp is not None))


def read_claim(rows: QuerySet[Claim], pk: Any) -> tuple[Row, ClaimReading] | None:
    """The row of claim `pk` among `rows` (from `claim_rows`) and its reading, or None when
    `rows` does not hold it: on PostgreSQL one statement for the row and its parts.

    An unusable `pk` raises what `rows.filter(pk=pk)` raises (ValueError, ValidationError).
    """
    one = rows.filter(pk=pk).order_by()
    parts = aggregated_parts_statement(one.db)
    if parts is None:
        found = list(one[:1])
        return (found[0], claim_reading(found[0])) if found else None
    try:
        statement = ClaimRowStatement.of(one, parts)
    except EmptyResultSet:
        return None  # a pk no row can have (out of the column's range)
    return statement.read(statement.params, Claim._meta.pk.get_prep_value(pk))


def readable_claims(*, unpublished: bool) -> QuerySet[Claim]:
    """The claims of one visibility (`Claim.objects.with_visibility`), annotated for ordering;
    the reads join what they show."""
    return Claim.objects.with_visibility(unpublished=unpublished).annotate(
        publication_date=Coalesce("published_at", "created_at")
    )


@dataclass(frozen=True)
class ClaimRowStatement:
    """One claim's row (a `claim_rows` query narrowed to one id) joined to its parts, compiled:
    one round trip for a detail. Compiled once for a visibility (`claim_row_statement`), the
    id is the parameter at `pk_index`: building and compiling the row's query was most of a
    detail's cost in Django."""

    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...]
    width: int
    # values()'s converters by column (the claimant's same_as is JSON), with their expressions.
    converters: dict[int, tuple[list[Callable], Any]]
    parts: AggregatedPartsStatement
    pk_index: int | None = None

    @classmethod
    def of(cls, one: QuerySet[Claim], parts: AggregatedPartsStatement) -> ClaimRowStatement:
        """The statement of `one`; raises EmptyResultSet when no row can match."""
        compiler = one.query.get_compiler(using=parts.alias)
        row_sql, row_params = compiler.as_sql()
        fields = [select[0] for select in compiler.select[: compiler.col_count]]
        return cls(
            sql=f"SELECT * FROM ({row_sql}) AS claim CROSS JOIN ({parts.sql}) AS parts",  # noqa: S608
            params=tuple(row_params),
            names=tuple(_value_names(one.query)),
            width=compiler.col_count,
            converters=compiler.get_converters(fields),
            parts=parts,
        )

    def read(self, params: Sequence[Any], pk: int) -> tuple[Row, ClaimReading] | None:
        """The row and reading, with the row's `params`, of claim `pk` (a prepared id)."""
        connection = connections[self.parts.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [*params, *self.parts.params([pk])])
            fetched = cursor.fetchone()
        if fetched is None:
            return None
        values = list(fetched[: self.width])
        for position, (converters, expression) in self.converters.items():
            for converter in converters:
                values[position] = converter(values[position], expression, connection)
        row = dict(zip(self.names, values, strict=True))
        return row, claim_reading(row, self.parts.decode(fetched[self.width :]))

    def read_id(self, pk: Any) -> tuple[Row, ClaimReading] | None:
        """`read` of claim `pk` as given (a URL's text), set at `pk_index`."""
        if self.pk_index is None:
            raise TypeError("This statement was compiled for one id, not as a parameter.")
        pk_field = Claim._meta.pk
        value = pk_field.get_prep_value(pk)  # raises what `filter(pk=pk)` raises
        ops = connections[self.parts.alias].ops
        low, high = ops.integer_field_range(pk_field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            return None  # a pk no row can have, as the ORM's empty result
        params = list(self.params)
        params[self.pk_index] = value
        return self.read(params, value)


@functools.cache
def claim_row_statement(alias: str, unpublished: bool) -> ClaimRowStatement | None:
    """The compiled `read_claim` statement of `readable_claims(unpublished=…)`, or None where
    `read_claim` has no single statement (other databases) or the compiled query does not
    take the id as one parameter."""
    parts = aggregated_parts_statement(alias)
    if parts is None:
        return None
    one = claim_rows(readable_claims(unpublished=unpublished)).filter(pk=_PLACEHOLDER_PK).order_by()
    statement = ClaimRowStatement.of(one, parts)
    if statement.params.count(_PLACEHOLDER_PK) != 1:
        return None
    return replace(statement, pk_index=statement.params.index(_PLACEHOLDER_PK))


def read_readable_claim(pk: Any, *, unpublished: bool) -> tuple[Row, ClaimReading] | None:
    """`read_claim(claim_rows(readable_claims(unpublished=…)), pk)`, from the statement
    compiled once for that visibility where there is one."""
    statement = claim_row_statement(Claim.objects.db, unpublished)
    if statement is None:
        return read_claim(claim_rows(readable_claims(unpublished=unpublished)), pk)
    return statement.read_id(pk)
