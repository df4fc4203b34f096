"""claims.matching: normalised text and similar-claim search on PostgreSQL and SQLite."""

import random
from decimal import Decimal

import pytest
from django.db import connection

from claims.matching import find_similar_claims, normalise_claim_text, trigram_similarity
from claims.models import Claim, Claimant, Figure
from tests.factories import ClaimantFactory, ClaimFactory, PublishedClaimFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram index search runs on PostgreSQL"
)

# The demo claim (demo/seed.py) and a reworded repeat of it, as another outlet wrote it.
DEMO_TEXT = (
    "These intensified efforts have already led to the return of 9,400 people with no "
    "right to remain in the UK this year—a 19% increase from 2023."
)
REWORDED = (
    "The government says 9400 people who had no right to remain in Britain were returned "
    "this year, a rise of 19 per cent on 2023."
)

TEMPLATES = [
    "{who} said {n:,} people with no right to remain were returned in {year}, up {p}% on {prev}.",
    "{who} announced £{m} million for border security in {year}.",
    "{who} claimed {n:,} migrants crossed the Channel in small boats in {year}.",
    "Nearly {n:,} migrants passed through the Central Mediterranean in {year}, {who} said.",
    "{who} said the return of {n:,} foreign offenders in {year} was a {p}% increase on {prev}.",
    "More than {n:,} asylum seekers were housed in hotels in {year}, according to {who}.",
    "{who} said {n:,} illegal working arrests were made in {year}, up {p}% from {prev}.",
    "{who} confirmed an extra £{m} million for the NHS in {year}, a {p}% rise on {prev}.",
    "{who} said knife crime fell by {p}% in {year} compared with {prev}.",
    "{who} said {n:,} new homes were built in {year}, the most since {prev}.",
    "{who} said net migration reached {n:,} in the year to June {year}.",
    "Waiting lists fell to {w} million in {year}, {who} said.",
]
SPEAKERS = ["The Home Office", "The government", "Ministers", "The Prime Minister", "Labour"]


def synthetic_texts(count: int, seed: int = 7) -> list[str]:
    """Claims on the same topics and in the same words as the demo claim, numbers varied."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        year = rng.randrange(2010, 2026)
        n = rng.randrange(1000, 120_000, 100)
        if n == 9400:
            n += 100  # the demo claim's number stays unique to it
        texts.append(
            rng.choice(TEMPLATES).format(
                who=rng.choice(SPEAKERS),
                n=n,
                m=rng.randrange(5, 900),
                p=rng.randrange(2, 60),
                w=round(rng.uniform(5, 8), 1),
                year=year,
                prev=year - 1,
            )
        )
    return texts


def bulk_claims(texts: list[str], claimant: Claimant) -> None:
    """bulk_create skips save(): set what it would (slug, normalised text)."""
    Claim.objects.bulk_create(
        (
            Claim(
                text=text,
                title=text[:75],
                slug=f"synthetic-{n}",
                claimant=claimant,
                normalised_text=normalise_claim_text(text),
            )
            for n, text in enumerate(texts)
        ),
        batch_size=2000,
    )


# --- normalised text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("£75m for the command", "£75 million for the command"),
        ("up 19% on 2023", "up 19 per cent on 2023"),
        ("9,400 people", "9400 people"),
        ("Almost 100,000 migrants", "nearly 100,000 migrants"),
        ("“The UK’s borders”", '"The UK\'s borders"'),
    ],
)
def test_spellings_of_the_same_claim_normalise_alike(a, b):
    assert normalise_claim_text(a) == normalise_claim_text(b)


def test_normalised_text_drops_filler_words_and_case():
    assert normalise_claim_text("The return of 9,400 People to the UK") == "return 9400 people uk"


def test_different_numbers_stay_different():
    assert normalise_claim_text("£75m") != normalise_claim_text("£57m")


def test_python_trigram_similarity_has_pg_trgm_bounds():
    assert trigram_similarity("returned 9400 people", "returned 9400 people") == 1.0
    assert trigram_similarity("returned", "") == 0.0
    assert 0 < trigram_similarity("returned 9400 people", "returns 9400 migrants") < 1


@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("return 9400 people no right remain", "returned 9400 people uk"),
        ("nearly 100000 migrants western balkans", "almost 100000 migrants balkans route"),
        ("75000000 gbp border security command", "75000000 gbp command unit"),
    ],
)
def test_python_trigram_similarity_matches_postgresql(a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [a, b])
        (expected,) = cursor.fetchone()
    assert trigram_similarity(a, b) == pytest.approx(expected, abs=1e-6)


@pytest.mark.django_db
def test_saving_a_claim_keeps_its_normalised_text_current():
    claim = ClaimFactory(text="£75m for the Border Security Command")
    assert claim.normalised_text == "75000000 gbp border security command"
    claim.text = "£80m for the Border Security Command"
    claim.save(update_fields=["text"])
    claim.refresh_from_db()
    assert claim.normalised_text.startswith("80000000 gbp")


# --- search ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reworded_repeat_is_found_with_reasons():
    government = ClaimantFactory(name="UK Government")
    original = ClaimFactory(text=DEMO_TEXT, claimant=government)
    ClaimFactory(text="The Prime Minister announced fresh agreements with Serbia and Kosovo.")
    (match,) = find_similar_claims(REWORDED, claimant_id=government.pk)
    assert match.claim == original
    assert match.score > 0.5
    assert any(r.startswith("wording") for r in match.reasons)
    assert "same figures: 9,400, +19%" in match.reasons
    assert "same claimant: UK Government" in match.reasons


@pytest.mark.django_db
def test_same_figures_and_claimant_break_ties_between_similar_wording():
    minister = ClaimantFactory()
    other = ClaimFactory(text="The minister said 8,100 people were returned in 2022.")
    same = ClaimFactory(text="The minister said 9,400 people were returned in 2024.")
    found = find_similar_claims("The minister said 9,400 people were returned in 2024.")
    assert [s.claim for s in found][:2] == [same, other]
    same.claimant = minister
    same.text = "The minister said 9,400 people had been returned in 2024."
    same.save()
    found = find_similar_claims(
        "The minister said 9,400 people were returned in 2024.", claimant_id=minister.pk
    )
    assert found[0].claim == same
    assert found[0].shared_figures == ["9,400"]


@pytest.mark.django_db
def test_figure_rows_count_as_the_claims_figures():
    claim = ClaimFactory(text="Returns were up again, the minister said.")
    Figure.objects.create(claim=claim, label="returns", value=Decimal(9400), unit="people")
    (match,) = find_similar_claims("Returns were up again to 9,400, the minister said.")
    assert match.claim == claim
    assert match.shared_figures == ["9,400"]


@pytest.mark.django_db
def test_exclude_id_and_queryset_narrow_the_search():
    draft = ClaimFactory(text=DEMO_TEXT)
    published = PublishedClaimFactory(text=DEMO_TEXT)
    assert {s.claim for s in find_similar_claims(REWORDED)} == {draft, published}
    assert [s.claim for s in find_similar_claims(REWORDED, exclude_id=draft.pk)] == [published]
    public = find_similar_claims(REWORDED, queryset=Claim.objects.published())
    assert [s.claim for s in public] == [published]


@pytest.mark.django_db
def test_unrelated_claims_are_not_returned():
    ClaimFactory(text="The council opened three new libraries in Leeds.")
    assert find_similar_claims(REWORDED) == []
    assert find_similar_claims("") == []
    assert find_similar_claims("   ") == []


@pytest.mark.django_db
def test_limit_caps_the_results():
    for n in range(5):
        ClaimFactory(text=f"{DEMO_TEXT} Version {n}.")
    assert len(find_similar_claims(REWORDED, limit=3)) == 3


@pytest.mark.django_db
def test_repeat_of_links_a_repeat_to_the_fact_check():
    original = PublishedClaimFactory(text=DEMO_TEXT)
    repeat = ClaimFactory(text=REWORDED, repeat_of=original)
    assert list(original.repeats.all()) == [repeat]
    (match,) = find_similar_claims(REWORDED, exclude_id=original.pk)
    assert "already linked as a repeat" in match.reasons


def _assert_demo_claim_first_among(count: int) -> None:
    government = Claimant.objects.create(name="UK Government", kind="government")
    bulk_claims(synthetic_texts(count), ClaimantFactory())
    demo = ClaimFactory(text=DEMO_TEXT, claimant=government)
    assert Claim.objects.count() == count + 1
    found = find_similar_claims(REWORDED)
    assert found[0].claim == demo
    assert found[0].score > found[1].score


@on_postgresql
@pytest.mark.django_db
def test_reworded_repeat_of_demo_claim_is_first_among_ten_thousand_claims():
    _assert_demo_claim_first_among(10_000)


@pytest.mark.django_db
def test_python_fallback_finds_reworded_repeat_first_among_a_thousand_claims(monkeypatch):
    # On PostgreSQL too: force the fallback path so both are tested on every back end.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    _assert_demo_claim_first_among(1_000)


@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("index", "opclass"),
    [
        ("claim_normalised_text_trgm_idx", "gin_trgm_ops"),
        ("claim_normalised_text_gist_idx", "gist_trgm_ops"),
    ],
)
def test_trigram_indexes_exist_on_postgresql(index, opclass):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])
        (definition,) = cursor.fetchone()
    assert opclass in definition
