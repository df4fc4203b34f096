"""claims.intake: candidate claims from article text, and the admin intake screen.

Keeping candidates as drafts (sources.intake) is tested in tests/sources/test_intake.py.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from claims.intake import (
    ProposedClaimant,
    article_place,
    extract_candidates,
    find_place,
    find_speaker,
    propose_claimant,
    split_sentences,
)
from claims.models import Claim
from tests.factories import ClaimantFactory, ClaimFactory
from tests.support.builders import SEED_ARTICLE

D = Decimal
ARTICLES = Path(__file__).parent / "articles"
NO_CLAIMANTS: list = []


def candidate_with(candidates, fragment):
    found = [c for c in candidates if fragment in c.sentence]
    assert found, f"no candidate contains {fragment!r}"
    return found[0]


def rank_of(candidates, fragment):
    return candidates.index(candidate_with(candidates, fragment))


def figure_facts(figure):
    return (
        figure.value,
        figure.unit,
        figure.approximation,
        figure.period,
        figure.stated_change_pct,
        figure.baseline_period,
    )


# --- the seed article -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_candidates():
    return extract_candidates(SEED_ARTICLE, claimants=NO_CLAIMANTS)


def test_seed_article_proposes_the_9400_returns_with_19_percent_rise_on_2023(seed_candidates):
    candidate = candidate_with(seed_candidates, "9,400 people")
    (figure,) = candidate.figures
    assert figure_facts(figure) == (D(9400), "people", "exact", "this year", D(19), "2023")
    assert candidate.speaker == "the government"
    assert "stated change" in candidate.reasons


def test_seed_article_proposes_the_75_million_funding(seed_candidates):
    candidate = candidate_with(seed_candidates, "£75 million")
    assert [(f.value, f.unit) for f in candidate.figures] == [(D(75_000_000), "GBP")]


def test_seed_article_proposes_nearly_100000_migrants_last_year(seed_candidates):
    candidate = candidate_with(seed_candidates, "100,000 migrants")
    (figure,) = candidate.figures
    assert figure_facts(figure) == (D(100_000), "people", "nearly", "last year", None, "")


def test_seed_article_ranks_checkable_sentences_above_empty_ones(seed_candidates):
    empty = rank_of(seed_candidates, "wasn’t solely about migration")
    for fragment in ("9,400 people", "£75 million", "100,000 migrants"):
        assert rank_of(seed_candidates, fragment) < empty
    top_three = {c.figures[0].value for c in seed_candidates[:3] if c.figures}
    assert D(9400) in top_three
    assert seed_candidates[rank_of(seed_candidates, "wasn’t solely")].figures == []


def test_seed_article_leaves_out_headings_and_table_rows(seed_candidates):
    sentences = [c.sentence for c in seed_candidates]
    assert not any("|" in s for s in sentences)
    assert "A United Front Against Smuggling Networks" not in sentences
    assert "UK Partnerships in the Western Balkans" not in sentences


def test_seed_article_date_is_not_a_figure(seed_candidates):
    candidate = candidate_with(seed_candidates, "on 7 November")
    assert candidate.figures == []


def test_excerpt_is_the_exact_substring_of_the_input(seed_candidates):
    for candidate in seed_candidates:
        assert SEED_ARTICLE[candidate.start : candidate.end] == candidate.excerpt
        for figure in candidate.figures:
            assert candidate.excerpt[figure.start : figure.end] == figure.text


def test_quote_introduced_on_previous_line_is_one_candidate_with_its_speaker(seed_candidates):
    candidate = candidate_with(seed_candidates, "criminal empire")
    assert candidate.sentence.startswith("According to the PM, “There is a criminal empire")
    assert candidate.speaker == "the PM"


def test_quote_followed_by_name_said_gives_the_speaker(seed_candidates):
    assert candidate_with(seed_candidates, "absolutely key").speaker == "Cooper"


def test_he_added_refers_to_the_last_named_speaker(seed_candidates):
    assert candidate_with(seed_candidates, "further and faster").speaker == "the PM"


def test_the_prime_minister_announced_gives_the_speaker(seed_candidates):
    assert candidate_with(seed_candidates, "fresh agreements").speaker == "the Prime Minister"


# --- sentences and speakers -------------------------------------------------------------------


def sentences_of(text):
    return [text[s.start : s.end] for s in split_sentences(text) if s.kind == "sentence"]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Mr. Smith met Dr. J. Jones at 10 a.m. on Monday. They agreed, e.g. on funding."
    assert sentences_of(text) == [
        "Mr. Smith met Dr. J. Jones at 10 a.m. on Monday.",
        "They agreed, e.g. on funding.",
    ]


def test_sentences_inside_a_quote_stay_with_their_attribution():
    text = "“We acted. We delivered,” Cooper said. Figures follow."
    assert sentences_of(text) == ["“We acted. We delivered,” Cooper said.", "Figures follow."]


def test_decimal_numbers_do_not_split_sentences():
    assert sentences_of("It rose 2.5% to £1.2bn. Then it fell.") == [
        "It rose 2.5% to £1.2bn.",
        "Then it fell.",
    ]


def test_bullet_markers_are_not_part_of_the_excerpt():
    text = "Results:\n- Spending rose to £4bn in 2024.\n"
    (candidate,) = [c for c in extract_candidates(text, claimants=NO_CLAIMANTS) if c.figures]
    assert candidate.excerpt == "Spending rose to £4bn in 2024."


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("According to the government, returns rose.", "the government"),
        ("According to Home Office figures, 9,400 people were returned.", "Home Office"),
        ("“It works,” Cooper said.", "Cooper"),
        ("“It works,” said the Home Secretary.", "the Home Secretary"),
        ("In Budapest, the Prime Minister announced new deals.", "the Prime Minister"),
        ("Keir Starmer told MPs that 9,400 people were returned.", "Keir Starmer"),
        ("The Home Secretary, Yvette Cooper, said returns were up.", "the Home Secretary"),
        ("Returns rose by 19% in 2024.", ""),
    ],
)
def test_speaker_is_found_in_common_attributions(sentence, speaker):
    assert find_speaker(sentence) == speaker


def test_questions_rank_below_the_same_statement():
    text = "Did returns rise by 19% to 9,400 in 2024? Returns rose by 19% to 9,400 in 2024."
    first, second = extract_candidates(text, claimants=NO_CLAIMANTS)
    assert first.sentence.startswith("Returns rose")
    assert "question" in second.reasons


def test_empty_text_gives_no_candidates():
    assert extract_candidates("", claimants=NO_CLAIMANTS) == []
    assert extract_candidates("   \n\n ", claimants=NO_CLAIMANTS) == []


# --- more articles, written in the style of government press releases ---------------------

ARTICLE_EXPECTATIONS = {
    "nhs-nurses.txt": [
        ("370,000 nurses", [(D(370_000), "people", "more_than", "", D("5.8"), "last year")]),
        ("7.4 million", [(D(7_400_000), "count", "exact", "June", None, "March")]),
        ("1 in 5 nurses", [(D(20), "percent", "about", "last year", None, "")]),
        ("£1.5 billion", [(D(1_500_000_000), "GBP", "exact", "", None, "")]),
    ],
    "flood-defences.txt": [
        ("£2.4 billion", [(D(2_400_000_000), "GBP", "exact", "2024/25", None, "")]),
        (
            "Some 52 schemes",
            [
                (D(52), "count", "about", "this year", None, ""),
                (D(200), "count", "nearly", "2026", None, ""),
            ],
        ),
        ("5.2 million properties", [(D(5_200_000), "count", "exact", "", None, "")]),
    ],
    "illegal-working.txt": [
        (
            "5,424 arrests",
            [
                (
                    D(5424),
                    "count",
                    "exact",
                    "between July and January",
                    D(51),
                    "the same period a year earlier",
                )
            ],
        ),
        ("6,784", [(D(6784), "count", "exact", "", None, "a year before")]),
        ("£60,000", [(D(60_000), "GBP", "up_to", "", None, "")]),
        ("24,000 people", [(D(24_000), "people", "more_than", "", None, "")]),
    ],
}


@pytest.mark.parametrize("name", sorted(ARTICLE_EXPECTATIONS))
def test_article_candidates_carry_the_expected_figures(name):
    text = (ARTICLES / name).read_text(encoding="utf-8")
    candidates = extract_candidates(text, claimants=NO_CLAIMANTS)
    for fragment, expected in ARTICLE_EXPECTATIONS[name]:
        candidate = candidate_with(candidates, fragment)
        assert [figure_facts(f) for f in candidate.figures] == expected, fragment


@pytest.mark.parametrize("name", sorted(ARTICLE_EXPECTATIONS))
def test_article_sentences_with_figures_are_check_worthy_and_outrank_the_rest(name):
    # A claim without a figure may rank among them (the model keeps those), but every
    # sentence with a figure reaches the threshold and beats every one that does not.
    text = (ARTICLES / name).read_text(encoding="utf-8")
    candidates = extract_candidates(text, claimants=NO_CLAIMANTS)
    with_figures = [n for n, c in enumerate(candidates) if c.figures]
    not_worthy = [n for n, c in enumerate(candidates) if not c.check_worthy]
    assert with_figures and not_worthy
    assert all(candidates[n].check_worthy for n in with_figures)
    assert max(with_figures) < min(not_worthy)
    assert candidates[0].figures


def test_headline_with_a_figure_is_a_candidate_ranked_below_the_body_sentence():
    text = (ARTICLES / "flood-defences.txt").read_text(encoding="utf-8")
    candidates = extract_candidates(text, claimants=NO_CLAIMANTS)
    headline = candidate_with(candidates, "66,500 homes")
    assert "heading" in headline.reasons
    assert headline.figures[0].value == 66_500
    assert rank_of(candidates, "66,500 homes") > rank_of(candidates, "£2.4 billion")


def test_article_table_rows_are_not_candidates():
    text = (ARTICLES / "flood-defences.txt").read_text(encoding="utf-8")
    sentences = [c.sentence for c in extract_candidates(text, claimants=NO_CLAIMANTS)]
    assert not any("12,400" in s or "Region" in s for s in sentences)


def test_baseline_value_in_article_gives_the_arithmetic():
    text = (ARTICLES / "nhs-nurses.txt").read_text(encoding="utf-8")
    candidate = candidate_with(extract_candidates(text, claimants=NO_CLAIMANTS), "7.4 million")
    assert candidate.figures[0].baseline_value == D(7_600_000)


# --- claimants ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_named_claimant_is_matched_by_surname_and_by_role():
    cooper = ClaimantFactory(name="Yvette Cooper", role="Home Secretary")
    starmer = ClaimantFactory(name="Keir Starmer", role="Prime Minister of the United Kingdom")
    candidates = extract_candidates(SEED_ARTICLE)
    assert candidate_with(candidates, "absolutely key").claimant_id == cooper.pk
    assert candidate_with(candidates, "fresh agreements").claimant_id == starmer.pk
    assert candidate_with(candidates, "criminal empire").claimant_id == starmer.pk  # "the PM"
    assert "names claimant" in " ".join(candidate_with(candidates, "absolutely key").reasons)


@pytest.mark.django_db
def test_naming_a_claimant_raises_the_score():
    text = "Home Secretary Yvette Cooper said returns were key to the plan."
    before = extract_candidates(text)[0].score
    ClaimantFactory(name="Yvette Cooper", role="Home Secretary")
    assert extract_candidates(text)[0].score > before


# --- the admin screen -------------------------------------------------------------------------

INTAKE_URL = "admin_claim_intake"  # sources.admin.claim_intake_view, see config/urls.py


@pytest.mark.django_db
def test_editor_pastes_text_ticks_two_candidates_and_gets_two_drafts(editor_client):
    claimant = ClaimantFactory(name="UK Government", kind="government", role="")
    url = reverse(INTAKE_URL)
    page = editor_client.post(url, {"text": SEED_ARTICLE, "analyse": "1"})
    assert page.status_code == 200
    rows = page.context["rows"]
    assert len(rows) > 10
    body = page.content.decode()
    assert "9,400 people" in body and "implies about 7,899 in 2023" in body
    starts = {
        "returns": candidate_with([r["candidate"] for r in rows], "9,400 people").start,
        "funding": candidate_with([r["candidate"] for r in rows], "£75 million").start,
    }
    assert f'value="{starts["returns"]}"' in body

    response = editor_client.post(
        url,
        {
            "text": SEED_ARTICLE,
            "claimant": claimant.pk,
            "keep": [starts["returns"], starts["funding"]],
            "create": "1",
        },
    )
    assert response.status_code == 302
    drafts = Claim.objects.order_by("pk")
    assert drafts.count() == 2
    assert {c.status for c in drafts} == {Claim.Status.DRAFT}
    assert [f.value for c in drafts for f in c.figures.all()] == [D(9400), D(75_000_000)]
    assert drafts[0].figures.get().stated_change_pct == D(19)


@pytest.mark.django_db
def test_intake_screen_with_nothing_ticked_creates_nothing_and_keeps_the_text(editor_client):
    ClaimantFactory()
    response = editor_client.post(
        reverse(INTAKE_URL), {"text": SEED_ARTICLE, "create": "1"}, follow=True
    )
    assert response.status_code == 200
    assert Claim.objects.count() == 0
    assert "Tick at least one candidate" in response.content.decode()
    assert response.context["form"]["text"].value().startswith("The UK Prime Minister")


@pytest.mark.django_db
def test_intake_screen_reports_a_missing_claimant_without_losing_the_selection(editor_client):
    seed = extract_candidates(SEED_ARTICLE, claimants=NO_CLAIMANTS)
    start = candidate_with(seed, "£75 million").start
    response = editor_client.post(
        reverse(INTAKE_URL), {"text": SEED_ARTICLE, "keep": [start], "create": "1"}
    )
    assert response.status_code == 200
    assert Claim.objects.count() == 0
    body = response.content.decode()
    assert "No drafts were created" in body
    assert f'value="{start}" id="keep-{start}" checked' in body


@pytest.mark.django_db
def test_intake_screen_needs_text_or_url(editor_client):
    response = editor_client.post(reverse(INTAKE_URL), {"text": "  "})
    assert response.status_code == 200
    assert "Paste the article text or give its URL" in response.content.decode()


@pytest.mark.django_db
def test_intake_screen_is_refused_without_add_permission(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse(INTAKE_URL)).status_code == 403


@pytest.mark.django_db
def test_intake_screen_shows_similar_existing_claims(editor_client):
    ClaimFactory(
        title="9,400 returned",
        text="The government returned 9,400 people with no right to remain, up 19% on 2023.",
    )
    page = editor_client.post(reverse(INTAKE_URL), {"text": SEED_ARTICLE, "analyse": "1"})
    row = next(r for r in page.context["rows"] if "9,400 people" in r["candidate"].sentence)
    assert "9,400 returned" in row["similar"]


@pytest.mark.django_db
def test_claim_changelist_links_to_intake(editor_client):
    page = editor_client.get(reverse("admin:claims_claim_changelist"))
    assert reverse(INTAKE_URL) in page.content.decode()


@pytest.mark.django_db
def test_claim_change_page_shows_similar_claims_and_saves_repeat_of(editor_client):
    original = ClaimFactory(
        title="Original check", text="Nearly 100,000 migrants crossed the Western Balkans in 2023."
    )
    repeat = ClaimFactory(
        title="Repeat",
        text="Almost 100,000 migrants passed through the Western Balkans last year.",
    )
    url = reverse("admin:claims_claim_change", args=[repeat.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Similar claims" in body and "Original check" in body
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "topics"}
    data.update({"claimant": repeat.claimant_id, "repeat_of": original.pk})
    for inline in page.context["inline_admin_formsets"]:  # other apps add inlines too
        data[f"{inline.formset.prefix}-TOTAL_FORMS"] = 0
        data[f"{inline.formset.prefix}-INITIAL_FORMS"] = 0
    response = editor_client.post(url, data)
    assert response.status_code == 302
    repeat.refresh_from_db()
    assert repeat.repeat_of == original


def test_candidate_as_dict_is_json_ready(seed_candidates):
    import json

    data = json.loads(json.dumps(candidate_with(seed_candidates, "9,400 people").as_dict()))
    assert data["speaker"] == "the government"
    (figure,) = data["figures"]
    assert (figure["value"], figure["unit"], figure["stated_change_pct"]) == (
        "9400",
        "people",
        "19",
    )
    assert data["excerpt"][figure["start"] : figure["end"]] == "9,400"


@pytest.mark.django_db
def test_adding_a_claim_that_repeats_one_already_checked_warns_the_editor(editor_client):
    original = ClaimFactory(
        title="9,400 returned",
        text="The government returned 9,400 people with no right to remain, up 19% on 2023.",
    )
    add_url = reverse("admin:claims_claim_add")
    page = editor_client.get(add_url)
    data = {
        "title": "Returns up 19%",
        "text": "9,400 people with no right to remain were returned, up 19 per cent on 2023.",
        "claimant": original.claimant_id,
    }
    for inline in page.context["inline_admin_formsets"]:
        data[f"{inline.formset.prefix}-TOTAL_FORMS"] = 0
        data[f"{inline.formset.prefix}-INITIAL_FORMS"] = 0
    response = editor_client.post(add_url, data, follow=True)
    assert Claim.objects.count() == 2
    shown = [str(m) for m in response.context["messages"]]
    assert any("may repeat one already" in m and "9,400 returned" in m for m in shown), shown


@pytest.mark.django_db
def test_adding_an_unrelated_claim_gives_no_repeat_warning(editor_client):
    ClaimFactory(text="The council opened three new libraries in Leeds.")
    add_url = reverse("admin:claims_claim_add")
    page = editor_client.get(add_url)
    data = {
        "title": "Funding",
        "text": "£75m for the Border Security Command.",
        "claimant": ClaimantFactory().pk,
    }
    for inline in page.context["inline_admin_formsets"]:
        data[f"{inline.formset.prefix}-TOTAL_FORMS"] = 0
        data[f"{inline.formset.prefix}-INITIAL_FORMS"] = 0
    response = editor_client.post(add_url, data, follow=True)
    assert Claim.objects.count() == 2
    assert not any("may repeat" in str(m) for m in response.context["messages"])


# --- articles in other languages ------------------------------------------------------------


def test_spanish_article_is_read_in_spanish_and_proposes_the_9400_returns():
    text = (ARTICLES / "retornos-balcanes-es.txt").read_text(encoding="utf-8")
    candidates = extract_candidates(text, claimants=NO_CLAIMANTS)
    assert {c.language for c in candidates} == {"es"}
    returns = candidate_with(candidates, "9.400 personas")
    assert [figure_facts(f) for f in returns.figures] == [
        (D(9400), "people", "exact", "este año", D(19), "2023")
    ]
    assert rank_of(candidates, "9.400 personas") < rank_of(candidates, "no se centró solo")


def test_spanish_article_figures_use_spanish_number_formats():
    text = (ARTICLES / "retornos-balcanes-es.txt").read_text(encoding="utf-8")
    candidates = extract_candidates(text, claimants=NO_CLAIMANTS)
    migrants = candidate_with(candidates, "casi 100.000 migrantes")
    assert [figure_facts(f) for f in migrants.figures] == [
        (D(100_000), "people", "nearly", "año pasado", None, "")
    ]
    funding = candidate_with(candidates, "75 millones de libras")
    assert [(f.value, f.unit) for f in funding.figures] == [(D(75_000_000), "GBP")]
    forced = candidate_with(candidates, "devoluciones forzosas")
    assert [(f.value, f.stated_change_pct) for f in forced.figures] == [(D(2580), D(25))]
    # The date is not a figure.
    dated = candidate_with(candidates, "7 de noviembre")
    assert dated.figures == []


def test_an_article_in_english_read_as_spanish_gives_other_numbers():
    as_english = extract_candidates("Returns rose to 9.400 this year.", claimants=NO_CLAIMANTS)
    as_spanish = extract_candidates(
        "Returns rose to 9.400 this year.", claimants=NO_CLAIMANTS, language="es"
    )
    assert as_english[0].language == "en" and as_english[0].figures[0].value == D("9.4")
    assert as_spanish[0].language == "es" and as_spanish[0].figures[0].value == D(9400)


# --- the check-worthiness model in intake -----------------------------------------------------


def test_seed_articles_three_figures_rank_in_the_top_four(seed_candidates):
    top_four = [c.sentence for c in seed_candidates[:4]]
    for fragment in ("9,400 people", "£75 million", "100,000 migrants"):
        assert any(fragment in sentence for sentence in top_four), (fragment, top_four)


def test_reasons_name_the_strongest_words_and_features(seed_candidates):
    reasons = candidate_with(seed_candidates, "9,400 people").reasons
    assert re.search(r"[+−]\d\.\d\d$", reasons[0])  # the model's strongest, with its weight
    assert "1 figure" in reasons and "stated change" in reasons
    words = candidate_with(seed_candidates, "fresh agreements").reasons
    assert any(reason.startswith("“") for reason in words)  # a word, with its weight


def test_a_check_worthy_sentence_without_figures_is_kept():
    text = (
        "Thank you all for coming tonight.\n"
        "They're able to charge women more for the same exact procedure a man gets."
    )
    candidates = extract_candidates(text, claimants=NO_CLAIMANTS)
    claim = candidate_with(candidates, "charge women more")
    assert claim.figures == [] and claim.check_worthy
    assert not candidate_with(candidates, "Thank you").check_worthy


def test_the_threshold_decides_which_candidates_are_check_worthy(seed_candidates):
    everything = extract_candidates(SEED_ARTICLE, claimants=NO_CLAIMANTS, threshold=0.0)
    nothing = extract_candidates(SEED_ARTICLE, claimants=NO_CLAIMANTS, threshold=1.0)
    assert all(c.check_worthy for c in everything)
    assert not any(c.check_worthy for c in nothing)
    assert [c.sentence for c in everything] == [c.sentence for c in seed_candidates]
    worthy = [c for c in seed_candidates if c.check_worthy]
    assert 3 <= len(worthy) < len(seed_candidates)


# --- who and where -----------------------------------------------------------------------------


def test_seed_article_places_the_statements_at_the_epc_meeting_in_budapest(seed_candidates):
    assert article_place(SEED_ARTICLE) == (
        "at the European Political Community (EPC) meeting in Budapest"
    )
    assert candidate_with(seed_candidates, "fresh agreements").place == "in Budapest"
    assert candidate_with(seed_candidates, "Interpol Conference").place == (
        "at the Interpol Conference in Glasgow"
    )
    assert candidate_with(seed_candidates, "9,400 people").place == ""


@pytest.mark.parametrize(
    ("sentence", "place"),
    [
        ("He said it at a rally in Des Moines on Tuesday.", "at a rally in Des Moines"),
        ("At the hearing, Volker said he had no knowledge.", "at the hearing"),
        ("During the debate, she said taxes rose.", "during the debate"),
        ("In London, the mayor said fares would fall.", "in London"),
        ("In addition, taxes rose by 3%.", ""),
        ("Taxes are at a record high.", ""),
        ("We met at the White House.", ""),
    ],
)
def test_place_is_read_only_where_the_sentence_states_one(sentence, place):
    assert find_place(sentence) == place


def test_unknown_speaker_is_proposed_as_a_new_claimant_with_the_articles_fullest_name(
    seed_candidates,
):
    cooper = candidate_with(seed_candidates, "absolutely key")
    assert cooper.claimant_id is None
    assert cooper.proposed_claimant == ProposedClaimant(name="Yvette Cooper", role="Home Secretary")
    assert cooper.as_dict()["proposed_claimant"] == {
        "name": "Yvette Cooper",
        "role": "Home Secretary",
    }


@pytest.mark.django_db
def test_known_claimant_is_matched_not_proposed():
    ClaimantFactory(name="Yvette Cooper", role="Home Secretary")
    cooper = candidate_with(extract_candidates(SEED_ARTICLE), "absolutely key")
    assert cooper.claimant_name == "Yvette Cooper"
    assert cooper.proposed_claimant is None


def test_a_pronoun_or_nobody_proposes_no_claimant():
    assert propose_claimant("he", SEED_ARTICLE) is None
    assert propose_claimant("", SEED_ARTICLE) is None
    assert propose_claimant("the government", SEED_ARTICLE) is None


@pytest.mark.django_db
def test_intake_screen_threshold_moves_which_sentences_are_listed(editor_client):
    url = reverse(INTAKE_URL)
    default = editor_client.post(url, {"text": SEED_ARTICLE, "analyse": "1"})
    strict = editor_client.post(url, {"text": SEED_ARTICLE, "analyse": "1", "threshold": "0.9"})
    everything = editor_client.post(url, {"text": SEED_ARTICLE, "analyse": "1", "threshold": "0"})
    counts = [len(page.context["rows"]) for page in (strict, default, everything)]
    assert counts[0] < counts[1] < counts[2]
    assert all(r["candidate"].score >= 0.9 for r in strict.context["rows"])
    assert everything.context["below_threshold"] == 0
    assert "scored below it: lower the threshold" in strict.content.decode()
    # Kept without a figure when check-worthy: "fresh agreements" has none.
    listed = [r["candidate"] for r in default.context["rows"]]
    assert not candidate_with(listed, "fresh agreements").figures


@pytest.mark.django_db
def test_intake_screen_refuses_a_threshold_outside_0_to_1(editor_client):
    response = editor_client.post(
        reverse(INTAKE_URL), {"text": SEED_ARTICLE, "analyse": "1", "threshold": "1.5"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["threshold"]
    assert response.context["rows"] == []


@pytest.mark.django_db
def test_intake_screen_shows_proposed_claimants_and_places(editor_client):
    page = editor_client.post(reverse(INTAKE_URL), {"text": SEED_ARTICLE, "threshold": "0"})
    body = page.content.decode()
    assert "new claimant? Yvette Cooper (Home Secretary)" in body
    assert "at the Interpol Conference in Glasgow" in body
