"""sources.intake: an article (pasted or fetched safely) becomes drafts citing it as origin."""

from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_httpserver import HTTPServer

from claims.intake import ProposedClaimant, extract_candidates
from claims.models import Claim, ClaimEvent, Figure
from claims.workflow import WorkflowError
from sources.intake import (
    ArticleUnavailable,
    DraftsRefused,
    create_drafts,
    fetch_article_text,
    intake_article,
)
from sources.models import Citation, Source
from tests.factories import ClaimantFactory, UserFactory
from tests.support.builders import SEED_ARTICLE

D = Decimal
ARTICLE_URL = "https://www.gov.uk/government/news/pm-calls-for-international-collaboration"
INTAKE_URL = "admin_claim_intake"
ARTICLE_HTML = """<!doctype html><html><head><title>Returns up</title></head><body>
<nav>Home | News | Contact</nav>
<article><h1>Returns rise again</h1>
<p>According to the Home Office, 9,400 people with no right to remain were returned this year,
a 19% increase from 2023.</p>
<p>The minister thanked the staff involved.</p></article>
<footer>Copyright</footer></body></html>"""


def kept(*fragments):
    candidates = extract_candidates(SEED_ARTICLE, claimants=[])
    return [next(c for c in candidates if fragment in c.sentence) for fragment in fragments]


@pytest.fixture
def site(httpserver: HTTPServer) -> str:
    """A local news site: /article (HTML), /image (PNG bytes); anything else is a 404."""
    httpserver.expect_request("/article").respond_with_data(
        ARTICLE_HTML, content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/image").respond_with_data(
        b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png"
    )
    httpserver.no_handler_status_code = 404
    return httpserver.url_for("").rstrip("/")


# --- fetching the article ------------------------------------------------------------------


def test_article_text_is_the_main_text_of_the_page(site):
    text = fetch_article_text(f"{site}/article")
    assert "9,400 people with no right to remain" in text
    assert "Home | News" not in text


def test_missing_page_is_a_clear_error(site):
    with pytest.raises(ArticleUnavailable, match="could not be fetched"):
        fetch_article_text(f"{site}/gone")


def test_unreadable_content_is_a_clear_error(site):
    with pytest.raises(ArticleUnavailable):
        fetch_article_text(f"{site}/image")


def test_private_address_is_refused_before_any_request():
    with pytest.raises(ArticleUnavailable, match="private or local"):
        fetch_article_text("http://10.0.0.1/article")


# --- drafts and their origin citations -------------------------------------------------------


@pytest.mark.django_db
def test_kept_candidates_become_drafts_with_figures(editor):
    claimant = ClaimantFactory()
    returns, funding = create_drafts(kept("9,400 people", "£75 million"), editor, claimant=claimant)
    assert returns.status == Claim.Status.DRAFT
    assert returns.claimant == claimant
    assert returns.created_by == editor
    assert len(returns.title) <= 75
    assert ClaimEvent.objects.filter(claim=returns, kind=ClaimEvent.Kind.CREATED).exists()
    (figure,) = returns.figures.all()
    assert (figure.value, figure.unit, figure.stated_change_pct, figure.baseline_period) == (
        D(9400),
        Figure.Unit.PEOPLE,
        D(19),
        "2023",
    )
    assert figure.implied_baseline == D("7899.16")
    assert funding.figures.get().value == D(75_000_000)


@pytest.mark.django_db
def test_candidate_without_any_claimant_is_refused_and_nothing_is_created(editor):
    seed = extract_candidates(SEED_ARTICLE, claimants=[])
    with pytest.raises(WorkflowError, match="Choose a claimant"):
        create_drafts(seed[:2], editor)
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_user_without_add_permission_cannot_create_drafts(db):
    seed = extract_candidates(SEED_ARTICLE, claimants=[])
    with pytest.raises(WorkflowError):
        create_drafts(seed[:1], UserFactory(), claimant=ClaimantFactory())
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_drafts_from_an_article_cite_it_as_origin_with_the_exact_excerpt(editor):
    returns, funding = create_drafts(
        kept("9,400 people", "£75 million"),
        editor,
        claimant=ClaimantFactory(),
        source_url=ARTICLE_URL,
        article_text=SEED_ARTICLE,
    )
    source = Source.objects.get()
    assert source.url == ARTICLE_URL
    citation = Citation.objects.get(claim=returns)
    assert citation.source == source
    assert citation.role == Citation.Role.ORIGIN
    assert citation.excerpt in SEED_ARTICLE
    assert citation.excerpt.startswith("According to the government")
    assert citation.cited_figure == "9,400"
    # Context around the excerpt, so monitoring can re-anchor it when the page changes.
    assert SEED_ARTICLE.index(citation.excerpt) == SEED_ARTICLE.index(
        citation.excerpt_prefix + citation.excerpt
    ) + len(citation.excerpt_prefix)
    assert citation.excerpt_suffix.startswith("\nA New Approach")
    assert Citation.objects.get(claim=funding).cited_figure == "£75 million"


@pytest.mark.django_db
def test_an_existing_source_is_reused(editor):
    existing = Source.objects.create(url=ARTICLE_URL, title="Already monitored")
    create_drafts(
        kept("£75 million"),
        editor,
        claimant=ClaimantFactory(),
        source_url=ARTICLE_URL,
        article_text=SEED_ARTICLE,
    )
    assert Source.objects.get() == existing


@pytest.mark.django_db
def test_without_a_url_drafts_have_no_citation(editor):
    create_drafts(kept("£75 million"), editor, claimant=ClaimantFactory())
    assert Claim.objects.count() == 1
    assert Citation.objects.count() == 0


@pytest.mark.django_db
def test_a_refused_source_url_undoes_the_drafts(editor):
    with pytest.raises(ValidationError):
        create_drafts(
            kept("£75 million"),
            editor,
            claimant=ClaimantFactory(),
            source_url="http://10.0.0.1/admin",
            article_text=SEED_ARTICLE,
        )
    assert Claim.objects.count() == 0
    assert Source.objects.count() == 0


# --- intake_article: read, rank, keep ---------------------------------------------------------


def with_figures(ranked):
    return [c for c in ranked if c.figures]


@pytest.mark.django_db
def test_intake_from_a_url_fetches_the_page_and_ranks_its_sentences_without_creating(site):
    read = intake_article(source_url=f"{site}/article")
    assert "9,400 people with no right to remain" in read.article_text
    assert "Home | News" not in read.article_text
    (candidate,) = with_figures(read.candidates)
    assert "a 19% increase from 2023" in candidate.sentence
    assert read.drafts == []
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_intake_from_a_url_keeps_the_chosen_candidates_as_drafts_citing_the_page(site, editor):
    url = f"{site}/article"
    read = intake_article(
        user=editor, source_url=url, choose=with_figures, claimant=ClaimantFactory()
    )
    (draft,) = read.drafts
    (candidate,) = with_figures(read.candidates)
    assert Claim.objects.get() == draft
    assert draft.appearance_url == url
    assert draft.figures.get().value == D(9400)
    citation = draft.citations.get()
    assert (citation.source.url, citation.role) == (url, Citation.Role.ORIGIN)
    assert citation.excerpt == candidate.excerpt
    assert read.article_text.index(citation.excerpt) == len(citation.excerpt_prefix) + (
        read.article_text.index(citation.excerpt_prefix + citation.excerpt)
    )


@pytest.mark.django_db
def test_pasted_text_is_used_as_is_and_the_url_is_not_fetched(httpserver, editor):
    url = httpserver.url_for("/article")  # no handler: a request would fail the test
    read = intake_article(
        user=editor,
        text=f"  \n{SEED_ARTICLE}\n ",
        source_url=url,
        choose=lambda ranked: [c for c in ranked if "£75 million" in c.sentence],
        claimant=ClaimantFactory(),
    )
    assert read.article_text == SEED_ARTICLE.strip()
    assert httpserver.log == []
    (draft,) = read.drafts
    assert draft.citations.get().source.url == url
    assert draft.citations.get().excerpt in SEED_ARTICLE


@pytest.mark.django_db
def test_a_dead_url_is_article_unavailable_and_creates_nothing(site, editor):
    with pytest.raises(ArticleUnavailable, match=r"could not be fetched \(not_found\)"):
        intake_article(user=editor, source_url=f"{site}/gone", choose=lambda ranked: ranked)
    assert Claim.objects.count() == 0
    assert Source.objects.count() == 0


@pytest.mark.django_db
def test_refused_drafts_keep_the_ranked_candidates_and_create_nothing(site, editor):
    with pytest.raises(DraftsRefused, match="Choose a claimant") as refused:
        intake_article(user=editor, source_url=f"{site}/article", choose=with_figures)
    assert "9,400 people" in refused.value.intake.article_text
    assert with_figures(refused.value.intake.candidates)
    assert refused.value.intake.drafts == []
    assert Claim.objects.count() == 0
    assert Source.objects.count() == 0


@pytest.mark.django_db
def test_a_refused_source_url_is_drafts_refused_with_its_reason(editor):
    with pytest.raises(DraftsRefused, match="private or local"):
        intake_article(
            user=editor,
            text=SEED_ARTICLE,
            source_url="http://10.0.0.1/article",
            choose=lambda ranked: ranked[:1],
            claimant=ClaimantFactory(),
        )
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_drafts_without_a_user_are_refused(db):
    with pytest.raises(DraftsRefused, match="cannot add claims"):
        intake_article(
            text=SEED_ARTICLE, choose=lambda ranked: ranked[:1], claimant=ClaimantFactory()
        )
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_no_text_and_no_url_is_no_candidates():
    assert intake_article(text="  \n").candidates == []


# --- the admin screen, from a URL and with a source URL ----------------------------------------


@pytest.mark.django_db
def test_admin_intake_from_url_shows_the_fetched_text_and_creates_cited_drafts(site, editor_client):
    claimant = ClaimantFactory()
    url = f"{site}/article"
    intake_url = reverse(INTAKE_URL)
    page = editor_client.post(intake_url, {"text": "", "source_url": url, "analyse": "1"})
    assert page.status_code == 200
    assert "9,400 people" in page.context["form"]["text"].value()
    (candidate,) = [r["candidate"] for r in page.context["rows"] if r["candidate"].figures]
    response = editor_client.post(
        intake_url,
        {
            "text": page.context["form"]["text"].value(),
            "source_url": url,
            "claimant": claimant.pk,
            "keep": [candidate.start],
            "create": "1",
        },
    )
    assert response.status_code == 302
    citation = Claim.objects.get().citations.get()
    assert citation.excerpt == candidate.excerpt
    assert citation.source.url == url


@pytest.mark.django_db
def test_admin_intake_from_a_dead_url_shows_the_reason(site, editor_client):
    page = editor_client.post(reverse(INTAKE_URL), {"source_url": f"{site}/gone", "analyse": "1"})
    assert page.status_code == 200
    assert "could not be fetched" in page.content.decode()
    assert page.context["rows"] == []


@pytest.mark.django_db
def test_admin_intake_with_source_url_creates_origin_citations(editor_client):
    claimant = ClaimantFactory()
    (candidate,) = kept("100,000 migrants")
    response = editor_client.post(
        reverse(INTAKE_URL),
        {
            "text": SEED_ARTICLE,
            "source_url": ARTICLE_URL,
            "claimant": claimant.pk,
            "keep": [candidate.start],
            "create": "1",
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.appearance_url == ARTICLE_URL
    assert claim.citations.get().excerpt == candidate.excerpt


@pytest.mark.django_db
def test_admin_intake_with_a_private_url_shows_the_error_and_creates_nothing(editor_client):
    (candidate,) = kept("100,000 migrants")
    response = editor_client.post(
        reverse(INTAKE_URL),
        {
            "text": SEED_ARTICLE,
            "source_url": "http://10.0.0.1/article",
            "claimant": ClaimantFactory().pk,
            "keep": [candidate.start],
            "create": "1",
        },
    )
    assert response.status_code == 200
    assert "No drafts were created" in response.content.decode()
    assert Claim.objects.count() == 0


def test_pasted_text_with_a_nul_is_a_field_error_on_text():
    with pytest.raises(ValidationError) as raised:
        intake_article(text="The minister said 9,400\x00 people were returned.")
    assert raised.value.message_dict == {"text": ["Null characters are not allowed."]}


@pytest.mark.django_db
def test_pasted_text_is_cleaned_of_control_characters_before_ranking():
    read = intake_article(text=SEED_ARTICLE.replace("9,400", "9,400\x1b", 1) + "\x07")
    assert "\x1b" not in read.article_text and "\x07" not in read.article_text
    assert all("\x1b" not in candidate.sentence for candidate in read.candidates)


def test_drafts_from_a_spanish_article_are_spanish_claims_with_spanish_figures(editor):
    text = (
        "Según el Gobierno, estos esfuerzos ya han permitido el retorno de 9.400 personas sin "
        "derecho a permanecer en el Reino Unido este año, un 19 % más que en 2023."
    )
    read = intake_article(
        user=editor,
        text=text,
        choose=lambda ranked: [c for c in ranked if c.figures],
        claimant=ClaimantFactory(),
    )
    (draft,) = read.drafts
    assert draft.language == "es"
    figure = draft.figures.get()
    assert (figure.value, figure.stated_change_pct, figure.baseline_period) == (
        D(9400),
        D(19),
        "2023",
    )


# --- who and when, on real news pages (hand-checked expectations) -----------------------------


def served_corpus_page(httpserver: HTTPServer, corpus: list[dict], page_id: str) -> str:
    """Serve a corpus page at its original path (some sites date articles in the path)."""
    page = next(p for p in corpus if p["id"].startswith(page_id))
    path = urlsplit(page["url"]).path or "/"
    httpserver.expect_request(path).respond_with_data(
        page["raw"], content_type="text/html; charset=utf-8"
    )
    return httpserver.url_for(path)


def intake_candidate(read, fragment):
    found = [c for c in read.candidates if fragment in c.sentence]
    assert found, f"no candidate contains {fragment!r}"
    return found[0]


@pytest.mark.django_db
def test_usatoday_page_is_dated_by_its_url_when_its_json_ld_holds_a_placeholder(httpserver, corpus):
    read = intake_article(source_url=served_corpus_page(httpserver, corpus, "776a1c046798"))
    assert read.published_on == date(2019, 11, 19)  # JSON-LD says 0001-01-01
    noem = intake_candidate(read, "This is our problem")
    assert noem.speaker == "Noem"
    assert noem.proposed_claimant == ProposedClaimant(name="Kristi Noem", role="Gov.")


@pytest.mark.django_db
def test_cbs_hearing_page_names_each_witness_with_his_full_name(httpserver, corpus):
    read = intake_article(source_url=served_corpus_page(httpserver, corpus, "7a664e40d256"))
    assert read.published_on == date(2019, 11, 20)  # JSON-LD datePublished
    volker = intake_candidate(read, "self-serving and not credible")
    assert volker.speaker == "Volker"
    assert volker.proposed_claimant == ProposedClaimant(name="Kurt Volker")
    morrison = intake_candidate(read, "I feared at the time of the call")
    assert morrison.proposed_claimant == ProposedClaimant(name="Tim Morrison")


@pytest.mark.django_db
def test_albawaba_page_splits_roles_from_names(httpserver, corpus):
    read = intake_article(source_url=served_corpus_page(httpserver, corpus, "833caf3bdba5"))
    assert read.published_on == date(2019, 11, 20)
    netanyahu = intake_candidate(read, "very moved")
    assert netanyahu.proposed_claimant == ProposedClaimant(
        name="Benjamin Netanyahu", role="Israeli Prime Minister"
    )
    pompeo = intake_candidate(read, "after legal consultation")
    assert pompeo.proposed_claimant == ProposedClaimant(
        name="Mike Pompeo", role="US Secretary of State"
    )


@pytest.mark.django_db
def test_ctpost_page_matches_a_known_claimant_and_reads_its_meta_date(httpserver, corpus):
    patrick = ClaimantFactory(name="Deval Patrick", role="")
    read = intake_article(source_url=served_corpus_page(httpserver, corpus, "a6968f427cdb"))
    assert read.published_on == date(2019, 11, 20)  # article:published_time
    running = intake_candidate(read, "running for president")
    assert running.claimant_id == patrick.pk and running.proposed_claimant is None
    assert intake_candidate(read, "He has me thinking now").speaker == "Sowers"


@pytest.mark.django_db
def test_seed_article_drafts_get_the_place_of_their_statement(editor):
    read = intake_article(
        user=editor,
        text=SEED_ARTICLE,
        claimant=ClaimantFactory(),
        choose=lambda ranked: [
            c for c in ranked if "fresh agreements" in c.sentence or "9,400" in c.sentence
        ],
    )
    assert read.place == "at the European Political Community (EPC) meeting in Budapest"
    venues = {d.text[:20]: d.venue for d in read.drafts}
    assert sorted(venues.values()) == sorted(["in Budapest", read.place])
