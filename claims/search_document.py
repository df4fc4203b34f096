"""The stored full-text document of a claim (`Claim.search_vector`, PostgreSQL only).

One definition of the weighted document (title and text A, claimant and verdict B, analysis
C, and the claim's normalised text D: its figures spelled one way, so "9400" finds "9,400" and
"19 per cent" finds "19%"), shared by the save hooks of `Claim` and `Claimant`, the migration that fills it and the
reader and API searches (`claims.search`). Imports no project module, so the models can call
it without importing the search service.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections

_REFRESH_SQL = """
UPDATE claims_claim AS c SET search_vector =
    setweight(to_tsvector('english'::regconfig, coalesce(c.title, '')), 'A')
 || setweight(to_tsvector('english'::regconfig, coalesce(c.text, '')), 'A')
 || setweight(to_tsvector('english'::regconfig, coalesce(
        (SELECT p.name FROM claims_claimant AS p WHERE p.id = c.claimant_id), '')), 'B')
 || setweight(to_tsvector('english'::regconfig, coalesce(c.verdict_summary, '')), 'B')
 || setweight(to_tsvector('english'::regconfig, coalesce(c.analysis, '')), 'C')
 || setweight(to_tsvector('english'::regconfig, coalesce(c.normalised_text, '')), 'D')
"""
# Saving a claim with update_fields outside these leaves its document as it is.
SEARCHED_CLAIM_FIELDS = frozenset(
    {"title", "text", "normalised_text", "verdict_summary", "analysis", "claimant"}
)


def refresh_search_vectors(
    *,
    claim_ids: Iterable[int] | None = None,
    claimant_id: int | None = None,
    using: str = "default",
) -> int:
    """Recompute the stored search documents of some claims (all when no filter is given).

    A no-op off PostgreSQL, where search matches text with `icontains` instead.
    """
    db = connections[using]
    if db.vendor != "postgresql":
        return 0
    sql, params = _REFRESH_SQL, []
    if claim_ids is not None:
        sql, params = sql + " WHERE c.id = ANY(%s)", [list(claim_ids)]
    elif claimant_id is not None:
        sql, params = sql + " WHERE c.claimant_id = %s", [claimant_id]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
