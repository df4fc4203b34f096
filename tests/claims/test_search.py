"""Reader search: finds published claims by words and figures, highlights safely, hides drafts."""

import pytest
from django.db import connection

from claims.search import clean_query, search_claims
from tests.factories import ClaimantFactory, ClaimFactory
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db


def test_search_finds_a_figure_as_written_and_marks_it(anon):
    claim = publish_fact_check()
    publish_fact_check(title="Unrelated energy claim", text="Bills fell by a tenth.")
    html = anon.get("/search/", {"q": "9,400"}).content.decode()
    assert claim.title in html
    assert "Unrelated energy claim" not in html
    assert "<mark>9" in html
    assert "1 result for" in html


def test_search_never_returns_drafts(anon):
    ClaimFactory(title="Secret draft 9,400", text="Secret draft 9,400 text")
    html = anon.get("/search/", {"q": "Secret draft"}).content.decode()
    assert "0 results" in html
    assert "Secret draft 9,400 text" not in html


def test_search_matches_the_claimant_name(anon):
    claim = publish_fact_check(claimant=ClaimantFactory(name="Zebedee Quango"))
    assert claim.title in anon.get("/search/", {"q": "Zebedee"}).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
def test_full_text_search_stems_and_ranks_title_matches_first():
    in_title = publish_fact_check(title="Returns of migrants rose", text="Removals rose in 2024.")
    in_analysis = publish_fact_check(
        title="Budget claim", text="The budget grew.", analysis="Mentions returning people once."
    )
    results = list(search_claims("returned"))
    assert results[:2] == [in_title, in_analysis]


def test_hostile_text_in_results_is_escaped_except_the_marks(anon):
    publish_fact_check(text='Returns <script>alert("s")</script> rose to 9,400')
    html = anon.get("/search/", {"q": "returns"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>" in html.lower()


def test_hostile_query_is_escaped_and_bounded(anon):
    response = anon.get("/search/", {"q": '"><script>alert(1)</script>' + "x" * 500})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in html
    assert len(clean_query("a" * 500)) == 200
    assert clean_query("a\x00b\n c") == "a b c"


def test_empty_search_shows_only_the_form(anon):
    html = anon.get("/search/").content.decode()
    assert 'id="search-q"' in html and "result" not in html.split('id="search-q"')[1][:200]
    assert anon.get("/search/", {"q": "   "}).status_code == 200


def test_search_pagination_keeps_the_query(anon):
    for n in range(22):
        publish_fact_check(title=f"Paged returns claim {n}")
    html = anon.get("/search/", {"q": "returns"}).content.decode()
    assert "q=returns&amp;page=2" in html


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored search document is PostgreSQL's"
)


def _stemmed_match(query: str) -> list:
    """Claims whose stored document matches (no literal fallback)."""
    from django.contrib.postgres.search import SearchQuery

    from claims.models import Claim

    ts_query = SearchQuery(query, search_type="websearch", config="english")
    return list(Claim.objects.filter(search_vector=ts_query).order_by("pk"))


@postgres_only
def test_the_stored_document_follows_edits_of_the_claim():
    claim = publish_fact_check(title="Budget claim", text="The budget grew.")
    assert _stemmed_match("budgets") == [claim]
    claim.analysis = "Deportations were counted twice."
    claim.save(update_fields=["analysis"])
    assert _stemmed_match("deportation") == [claim]
    claim.title = "Energy claim"
    claim.text = "Bills fell."
    claim.save()
    assert _stemmed_match("budgets") == []
    assert _stemmed_match("bill") == [claim]


@postgres_only
def test_renaming_a_claimant_refreshes_the_documents_of_their_claims():
    speaker = ClaimantFactory(name="Zebedee Quango")
    claims = [publish_fact_check(claimant=speaker, title=f"Claim {n}") for n in range(2)]
    other = publish_fact_check(claimant=ClaimantFactory(name="Florence Pink"))
    assert _stemmed_match("Quango") == claims
    speaker.name = "Dougal Roundabout"
    speaker.save()
    assert _stemmed_match("Quango") == []
    assert _stemmed_match("Roundabout") == claims
    assert _stemmed_match("Florence") == [other]


@postgres_only
def test_claims_saved_without_save_are_found_after_a_refresh_and_literally_before():
    from claims.models import Claim
    from claims.search import refresh_search_vectors

    claim = publish_fact_check(title="Returns claim", text="Returns rose to 9,400.")
    Claim.objects.filter(pk=claim.pk).update(search_vector=None, text="Removals doubled.")
    assert list(search_claims("Removals")) == [claim]  # the literal match still finds it
    assert _stemmed_match("removal") == []
    assert refresh_search_vectors() >= 1
    assert _stemmed_match("removal") == [claim]


@postgres_only
def test_reader_and_api_searches_rank_the_same_way():
    from claims.models import Claim
    from claims.search import ranked_claims

    in_title = publish_fact_check(title="Returns of migrants rose", text="Removals rose.")
    in_analysis = publish_fact_check(
        title="Budget claim", text="The budget grew.", analysis="Mentions returning people once."
    )
    api_order = list(ranked_claims(Claim.objects.all(), "returned").order_by("-search_rank"))
    assert api_order == list(search_claims("returned"))[:2] == [in_title, in_analysis]


@postgres_only
def test_the_search_document_has_a_gin_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'claims_claim' "
            "AND indexname = 'claim_search_vector_gin_idx'"
        )
        (definition,) = cursor.fetchone()
    assert "gin (search_vector)" in definition


@postgres_only
def test_every_part_of_the_reader_search_match_has_an_index():
    from django.contrib.postgres.search import SearchQuery

    from claims.models import Claim
    from claims.search import postgresql_match

    publish_fact_check()
    query = "returned 9,400"
    ts_query = SearchQuery(query, search_type="websearch", config="english")
    matching = Claim.objects.filter(postgresql_match(query, ts_query))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
        plan = matching.explain()
    assert "BitmapOr" in plan
    for index in (
        "claim_search_vector_gin_idx",
        "claim_title_upper_trgm_idx",
        "claim_text_upper_trgm_idx",
    ):
        assert index in plan
    assert "Seq Scan on claims_claim" not in plan


# --- Claims in their own language -------------------------------------------------------------

SPANISH_CLAIM = dict(
    language="es",
    title="9.400 personas devueltas este año",
    text="Hemos devuelto a 9.400 personas sin derecho a permanecer, un 19 % más que en 2023.",
    verdict_summary="El aumento supone unas 7.900 devoluciones en 2023.",
    analysis="Cifras del Gobierno.",
)


def test_search_filtered_to_a_language_finds_only_claims_in_it():
    spanish = publish_fact_check(**SPANISH_CLAIM)
    english = publish_fact_check()
    assert list(search_claims("9.400", language="es")) == [spanish]
    assert list(search_claims("9,400", language="en")) == [english]
    assert list(search_claims("9,400", language="es")) == []


def test_a_spanish_claims_figures_are_searchable_in_one_spelling():
    spanish = publish_fact_check(**SPANISH_CLAIM)
    # "9.400" in a Spanish claim is stored as 9400, so the plain number finds it.
    assert spanish in search_claims("9400", language="es")


@postgres_only
def test_a_spanish_claim_is_stemmed_in_spanish():
    spanish = publish_fact_check(**SPANISH_CLAIM)
    # "devolución" is not in the claim's words as written; Spanish stemming makes it one
    # word with the verdict's "devoluciones".
    assert spanish in search_claims("devolución", language="es")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM claims_claim WHERE id = %s", [spanish.pk])
        (document,) = cursor.fetchone()
    assert "'devolu'" in document  # the Spanish stem, not the English "devolucion"


@postgres_only
def test_an_unfiltered_search_matches_a_claim_in_any_configured_language():
    spanish = publish_fact_check(**SPANISH_CLAIM)
    english = publish_fact_check(title="Returns rose", text="We returned more people than ever.")
    assert spanish in search_claims("devolución")
    assert english in search_claims("returning")


@postgres_only
def test_changing_a_claims_language_restems_its_document():
    claim = publish_fact_check(**SPANISH_CLAIM)
    claim.language = "en"
    claim.save(update_fields=["language"])
    assert claim not in search_claims("devolución", language="en")
    claim.language = "es"
    claim.save(update_fields=["language"])
    assert claim in search_claims("devolución", language="es")


def test_reader_search_takes_a_language_code_and_ignores_an_unknown_one(anon):
    spanish = publish_fact_check(**SPANISH_CLAIM)
    english = publish_fact_check(title="Returns up", text="9400 people were returned.")
    html = anon.get("/search/", {"q": "9400", "languageCode": "es-ES"}).content.decode()
    assert spanish.title in html and english.title not in html
    assert "1 result for" in html
    unknown = anon.get("/search/", {"q": "9400", "languageCode": "xx"})
    assert unknown.status_code == 200
    html = unknown.content.decode()
    assert spanish.title in html and english.title in html


def _search_as_built_per_configuration(query: str, language: str | None = None):
    """The reader search with each configuration's tsquery built by Django (SearchQuery ORed
    per configuration), as the prepared literal must evaluate."""
    from django.contrib.postgres.search import SearchHeadline, SearchRank
    from django.db.models import F
    from django.db.models.expressions import RawSQL

    from claims.models import Claim
    from claims.search import _START, _STOP, language_query, postgresql_match, search_config_sql

    ts_query = language_query(query, language)
    published = Claim.objects.published()
    if language:
        published = published.filter(language=language)
    return list(
        published.annotate(rank=SearchRank(F("search_vector"), ts_query))
        .filter(postgresql_match(query, ts_query, language))
        .annotate(
            headline_raw=SearchHeadline(
                "text",
                ts_query,
                config=RawSQL(search_config_sql("claims_claim.language"), ()),
                start_sel=_START,
                stop_sel=_STOP,
                max_words=40,
                min_words=20,
                highlight_all=True,
            )
        )
        .order_by(F("rank").desc(nulls_last=True), "-published_at", "-pk")
        .values_list("pk", "rank", "headline_raw")
    )


@postgres_only
@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("returned 9,400", None),
        ("returns", None),
        ("returning people", "en"),
        ('"people returned" -budget', None),
        ("people -budget", None),  # alike in every configuration: ranked as their OR
        ("people -budget", "en"),
        ("19%_", None),
        ("returns or removals", None),
        ("19 per cent", None),
        ("the", None),  # only stop words in most configurations
        ("devoluciones 9.400", "es"),
        ("devolución", None),
        ("O'Brien's 2023", None),
        ("zzz", None),
    ],
)
def test_the_prepared_query_finds_ranks_and_highlights_as_the_per_language_one(query, language):
    publish_fact_check()
    publish_fact_check(title="Returns of migrants rose", text="Removals rose 19% in 2024.")
    publish_fact_check(
        title="Budget claim", text="The budget grew.", analysis="Mentions returning people once."
    )
    publish_fact_check(title="O'Brien's figure", text="O'Brien's 2023 figure was wrong.")
    publish_fact_check(
        title="Devoluciones", text="Se devolvieron 9.400 personas, un 19 % más.", language="es"
    )
    found = list(search_claims(query, language).values_list("pk", "rank", "headline_raw"))
    assert found == _search_as_built_per_configuration(query, language)
    if query in {"returned 9,400", "returns", "devolución", "people -budget"}:
        assert found  # the comparison is not between two empty lists
