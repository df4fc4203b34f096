"""Reader search over published fact checks.

PostgreSQL: full-text search (websearch syntax) ranked by field weight, with `ts_headline`
excerpts. Each claim's document is stemmed in its own language (`claims.languages`); a query
filtered to one language is stemmed in that language's configuration, an unfiltered one in
each configured language's, any of which may match. Each claim's weighted document is stored in `Claim.search_vector`
(GIN-indexed, migration 0006; defined in `claims.search_document`) and refreshed when the
claim or its claimant is saved, so a query does not compute a tsvector for every published
claim. Other databases (SQLite in development): a plain `icontains` match, highlighted in
Python. Either way the excerpt is HTML-escaped except for the <mark>
elements this module adds.
"""

from __future__ import annotations

import functools
import re
import secrets

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claims.claim_text import normalise_claim_text
from claims.figures import primary_language
from claims.languages import claim_languages, default_language, search_config
from claims.models import Claim

# The stored document is defined in claims.search_document, so the models' save hooks refresh
# it without importing this module; callers of the search service find it here as well.
from claims.search_document import (  # noqa: F401
    SEARCHED_CLAIM_FIELDS,
    refresh_search_vectors,
    search_config_sql,
)
from claims.text import one_line

MAX_QUERY_LENGTH = 200
# What a result shows (claims/search.html; the text when there is no headline, its language
# for the literal highlight): nothing else is read. Topics are not shown.
RESULT_FIELDS = (
    "id",
    "slug",
    "title",
    "text",
    "language",
    "status",
    "needs_attention",
    "published_at",
    "claimant__name",
    "rating__slug",
    "rating__label",
)
# Markers that cannot come from the database: ts_headline's output is escaped as a whole,
# then only these become <mark> elements.
_START = f"\x1e{secrets.token_hex(4)}\x1e"
_STOP = f"\x1f{secrets.token_hex(4)}\x1f"


def clean_query(raw: str | None) -> str:
    """The reader's query on one line, without control characters, at most 200 characters."""
    return one_line(raw or "", MAX_QUERY_LENGTH)


def search_claims(query: str, language: str | None = None) -> QuerySet[Claim]:
    """Published claims matching `query` (in `language` only, if given), best first (annotated
    `headline_raw` on PostgreSQL)."""
    published = Claim.objects.published().select_related("claimant", "rating").only(*RESULT_FIELDS)
    if language:
        published = published.filter(language=primary_language(language))
    if connection.vendor != "postgresql":
        return published.filter(
            _literal_match(query, language)
            | Q(verdict_summary__icontains=query)
            | Q(claimant__name__icontains=query)
        ).order_by("-published_at", "-pk")

    ts_query, match_query = prepared_queries(query, language)
    # Written as SQL with the prepared tsqueries as parameters: the same statement the
    # SearchRank, SearchQuery lookup and SearchHeadline expressions compile to, without
    # resolving and compiling those expression trees on every search.
    table = Claim._meta.db_table
    document = f'"{table}"."search_vector"'
    return (
        published.annotate(
            rank=RawSQL(  # noqa: S611 - constants only; the query is a parameter
                f"ts_rank({document}, %s::tsquery)", (ts_query,), output_field=FloatField()
            )
        )
        .filter(_indexed_match(query, match_query))
        .annotate(
            headline_raw=RawSQL(  # noqa: S611 - constants only; the query is a parameter
                # Each claim's own configuration.
                f"ts_headline({search_config_sql(f'{table}.language')}, "
                f'"{table}"."text", %s::tsquery, %s)',
                (ts_query, _headline_options()),
                output_field=TextField(),
            )
        )
        .order_by(F("rank").desc(nulls_last=True), "-published_at", "-pk")
    )


# pg_trgm finds no trigram in a LIKE pattern shorter than this, so its index would be read whole.
TRIGRAM_LENGTH = 3


def _indexed_match(query: str, match_query: str) -> Q:
    """Claims whose stored document matches `match_query` (a tsquery literal) or whose title
    or text holds `query` as typed: the document match and `_literal_match`, written so that
    PostgreSQL reads each part's index (GIN on the document, trigram GIN on UPPER(title) and
    UPPER(text)). Written as one OR, the planner scans every public claim and evaluates all
    three tests on each row, whatever the statistics say."""
    table = Claim._meta.db_table
    if len(query) < TRIGRAM_LENGTH:
        return Q(
            RawSQL(  # noqa: S611 - constants only; the query is a parameter
                f'"{table}"."search_vector" @@ %s::tsquery',
                (match_query,),
                output_field=BooleanField(),
            )
        ) | _literal_match(query, with_figures=False)
    # The LIKE pattern as Django's icontains writes it (wildcards in the query escaped).
    pattern = f"%{connection.ops.prep_for_like_query(query)}%"
    matching_ids = RawSQL(  # noqa: S611 - constants only; the query is a parameter
        f'SELECT "id" FROM "{table}" WHERE "search_vector" @@ %s::tsquery '  # noqa: S608
        f'UNION SELECT "id" FROM "{table}" WHERE UPPER("title"::text) LIKE UPPER(%s) '
        f'UNION SELECT "id" FROM "{table}" WHERE UPPER("text"::text) LIKE UPPER(%s)',
        (match_query, pattern, pattern),
    )
    return Q(pk__in=matching_ids)


@functools.cache
def _headline_options() -> str:
    """ts_headline's options, spelled as SearchHeadline spells them."""
    options = {
        "StartSel": _START,
        "StopSel": _STOP,
        "MaxWords": 40,
        "MinWords": 20,
        "HighlightAll": True,
    }
    return ", ".join(
        connection.ops.compose_sql(f"{option}=%s", [value]) for option, value in options.items()
    )


def language_query(query: str, language: str | None, search_type: str = "websearch"):
    """`query` as a tsquery stemmed for `language`, or (no language) for each configured
    claim language, any of which may match: "retornos" finds a Spanish claim, "returns" an
    English one."""
    combined = None
    for config in _configs(language):
        one = SearchQuery(query, search_type=search_type, config=config)
        combined = one if combined is None else combined | one
    return combined


def _configs(language: str | None) -> list[str]:
    if language:
        return [search_config(language)]
    return list(dict.fromkeys(search_config(code) for code in claim_languages()))


def prepared_queries(query: str, language: str | None = None) -> tuple[str, str]:
    """The text of `language_query(query, language)` as evaluated (what ranks and highlights),
    and the same ORed with the figures' plain query, as `postgresql_match` adds it (what
    matches): computed in one round trip, the parts that several configurations stem alike
    written once (an OR of equal parts matches, ranks and highlights the same), and the match
    one tsquery, so each claim's stored document is read once rather than once per query."""
    figures_query = normalise_claim_text(query, language or default_language())
    if not figures_query or figures_query == query:
        figures_query = None
    return _stemmed(query, figures_query, tuple(_configs(language)))


# The same words stem the same way until the text search configurations change (an upgrade,
# which restarts the processes): readers' frequent searches skip the round trip.
@functools.lru_cache(maxsize=512)
def _stemmed(query: str, figures_query: str | None, configs: tuple[str, ...]) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery(c::regconfig, %s)::text, "
            "plainto_tsquery(c::regconfig, %s)::text "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS t(c, n) ORDER BY n",
            [query, figures_query, list(configs)],
        )
        rows = cursor.fetchall()
    words = [row[0] for row in rows]
    figures = [] if figures_query is None else [row[1] for row in rows]
    return _any_of(words), _any_of(words + figures)


def _any_of(parts: list[str]) -> str:
    """The parts ORed, each once, as `||` combines them: empty parts (only stop words in that
    language) drop out. When several parts were alike, the OR stays on top (the part twice):
    ts_rank ranks an OR by its distinct words and an AND by its own rules, so one copy alone
    would rank otherwise (e.g. "people -budget")."""
    present = [part for part in parts if part]
    distinct = list(dict.fromkeys(present))
    if len(distinct) == 1 and len(present) > 1:
        distinct *= 2
    return " | ".join(f"( {part} )" for part in distinct)


def postgresql_match(query: str, ts_query: SearchQuery, language: str | None = None) -> Q:
    """The stored document matches, or the words appear literally in the title or text (what
    stemming misses: parts of words, odd spellings), as one OR of ORM lookups: the definition
    the reader search's match is compared with in tests. Each part has its own index (GIN on
    the document, trigram GIN on UPPER(title) and UPPER(text), migrations 0006 and 0008), but
    written as an OR the planner scans every claim; `search_claims` matches through a UNION of
    the parts instead (`_indexed_match`)."""
    match = Q(search_vector=ts_query) | _literal_match(query, language, with_figures=False)
    figures_query = normalise_claim_text(query, language or default_language())
    if figures_query and figures_query != query:
        # "19 per cent" is '19' & 'per' & 'cent' to PostgreSQL; the document's normalised
        # part holds "19 percent" (and "9400" for "9,400"), so the figures need no unindexed
        # match on normalised_text here.
        match |= Q(search_vector=language_query(figures_query, language, search_type="plain"))
    return match


def _literal_match(query: str, language: str | None = None, *, with_figures: bool = True) -> Q:
    """The words as typed in the title or text, or (`with_figures`) the figures of the query
    spelled as `Claim.normalised_text` spells them ("9400" finds "9,400", "19 per cent" finds
    "19%"): what the stored document does on PostgreSQL."""
    match = Q(title__icontains=query) | Q(text__icontains=query)
    figures_query = (
        normalise_claim_text(query, language or default_language()) if with_figures else ""
    )
    if figures_query:
        match |= Q(normalised_text__icontains=figures_query)
    return match


def highlight(claim: Claim, query: str) -> SafeString:
    """The claim text with the matches marked; everything else escaped."""
    raw = getattr(claim, "headline_raw", None)
    if raw and _START in raw:
        marked = str(escape(raw)).replace(_START, "<mark>").replace(_STOP, "</mark>")
        return mark_safe(marked)  # noqa: S308 - escaped above; only our markers become tags
    return _highlight_literal(claim.text, query)


def _highlight_literal(text: str, query: str) -> SafeString:
    terms = [t for t in {query, *query.split()} if len(t) >= 2]
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.I)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


def ranked_claims(
    queryset: QuerySet[Claim], query: str, language: str | None = None
) -> QuerySet[Claim]:
    """Claims of `queryset` matching `query`, annotated with an integer `search_rank` (higher =
    better) that API cursor pagination can order by; `language` stems the query in that
    language's configuration (the caller filters the claims to it), else in every claim
    language's.

    PostgreSQL: full-text search over the stored document (title, text, claimant, verdict,
    analysis) ranked as the reader search ranks; elsewhere (SQLite) a plain `icontains` on
    title, text, verdict and claimant with rank 0.
    """
    query = query.strip()[:200]
    if not query:
        return queryset.annotate(search_rank=Value(0))
    if connection.vendor == "postgresql":
        search_query = language_query(query, language)
        # An integer rank, so cursor pagination compares exact values, not rounded floats.
        rank = Cast(
            SearchRank(F("search_vector"), search_query) * 1_000_000, output_field=IntegerField()
        )
        figures_query = normalise_claim_text(query, language or default_language())
        match = Q(search_vector=search_query)
        if figures_query and figures_query != query:
            match |= Q(search_vector=language_query(figures_query, language, search_type="plain"))
        return queryset.annotate(search_rank=rank).filter(match)
    matches = (
        _literal_match(query, language)
        | Q(verdict_summary__icontains=query)
        | Q(claimant__name__icontains=query)
    )
    return queryset.filter(matches).annotate(search_rank=Value(0))
