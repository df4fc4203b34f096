"""The stored full-text document of a claim (`Claim.search_vector`, PostgreSQL only).

One definition of the weighted document (title and text A, claimant and verdict B, analysis
C, and the claim's normalised text D: its figures spelled one way, so "9400" finds "9,400" and
"19 per cent" finds "19%"), stemmed with the text-search configuration of the claim's language
('spanish' for a claim in Spanish; `claims.languages.search_config`), shared by the save hooks
of `Claim` and `Claimant`, the migrations that fill it and the reader and API searches
(`claims.search`). Imports no model, so the models can call it without importing the search
service.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import SearchVectorField
from django.db import connections

from claims.languages import SEARCH_CONFIGS, SIMPLE_CONFIG


class SearchDocumentField(SearchVectorField):
    """The `tsvector` column of the stored document, which `bulk_create` can send as arrays.

    Django's PostgreSQL backend bulk-inserts through `UNNEST` (one array parameter per column)
    only when every column has a built-in internal type. A plain SearchVectorField made every
    claim insert fall back to one placeholder per value, about 27 per row, which psycopg and
    PostgreSQL parsed again for each batch of an import. The column type stays `tsvector`;
    the internal type is only what the backend looks up, and no value is ever set from Python
    (the document is computed in SQL).
    """

    def get_internal_type(self) -> str:
        return "TextField"


def search_config_sql(language_column: str) -> str:
    """SQL for the text-search configuration of a language column: 'spanish' for "es",
    'simple' (no stemming) for a language PostgreSQL has no configuration for."""
    whens = " ".join(f"WHEN '{code}' THEN '{config}'" for code, config in SEARCH_CONFIGS.items())
    code = f"split_part(lower({language_column}), '-', 1)"
    return f"(CASE {code} {whens} ELSE '{SIMPLE_CONFIG}' END)::regconfig"


# Each claim's document is stemmed in the claim's own language.
_REFRESH_TEMPLATE = """
UPDATE claims_claim AS c SET search_vector =
    setweight(to_tsvector({config}, coalesce(c.title, '')), 'A')
 || setweight(to_tsvector({config}, coalesce(c.text, '')), 'A')
 || setweight(to_tsvector({config}, coalesce(
        (SELECT p.name FROM claims_claimant AS p WHERE p.id = c.claimant_id), '')), 'B')
 || setweight(to_tsvector({config}, coalesce(c.verdict_summary, '')), 'B')
 || setweight(to_tsvector({config}, coalesce(c.analysis, '')), 'C')
 || setweight(to_tsvector({config}, coalesce(c.normalised_text, '')), 'D')
"""
_REFRESH_SQL = _REFRESH_TEMPLATE.format(config=search_config_sql("c.language"))
# Before claims had a language (migrations 0006 and 0010), every document was English.
_ENGLISH_REFRESH_SQL = _REFRESH_TEMPLATE.format(config="'english'::regconfig")
# Saving a claim with update_fields outside these leaves its document as it is.
SEARCHED_CLAIM_FIELDS = frozenset(
    {"title", "text", "language", "normalised_text", "verdict_summary", "analysis", "claimant"}
)


def refresh_search_vectors(
    *,
    claim_ids: Iterable[int] | None = None,
    claimant_id: int | None = None,
    using: str = "default",
    by_language: bool = True,
) -> int:
    """Recompute the stored search documents of some claims (all when no filter is given), each
    in its language's configuration (`by_language=False`: in English, for the migrations that
    ran before claims had a language).

    A no-op off PostgreSQL, where search matches text with `icontains` instead.
    """
    db = connections[using]
    if db.vendor != "postgresql":
        return 0
    sql, params = (_REFRESH_SQL if by_language else _ENGLISH_REFRESH_SQL), []
    if claim_ids is not None:
        sql, params = sql + " WHERE c.id = ANY(%s)", [list(claim_ids)]
    elif claimant_id is not None:
        sql, params = sql + " WHERE c.claimant_id = %s", [claimant_id]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
