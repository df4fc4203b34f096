from pathlib import Path

import pytest
from django.core.management import call_command

from claims.models import Claim, Claimant, ClaimEvent, Figure, Topic
from sources.demo import ARTICLE_TEXT
from sources.models import Citation, Snapshot, Source

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed-article.txt"


def row_counts() -> dict[str, int]:
    models = [Claim, ClaimEvent, Claimant, Figure, Topic, Citation, Snapshot, Source]
    return {m.__name__: m.objects.count() for m in models}


def test_loaddemo_twice_gives_the_same_rows():
    call_command("loaddemo")
    first = row_counts()
    snapshot_of_values = sorted(Claim.objects.values_list("slug", "status", "rating__slug"))
    call_command("loaddemo")
    assert row_counts() == first
    assert sorted(Claim.objects.values_list("slug", "status", "rating__slug")) == snapshot_of_values
    assert first["Claim"] >= 5 and first["Claimant"] == 3


def test_demo_returns_claim_has_the_structured_figure():
    call_command("loaddemo")
    claim = Claim.objects.get(text__contains="9,400")
    figure = claim.figures.get()
    assert figure.value == 9400
    assert figure.baseline_period == "2023"
    assert figure.stated_change_pct == 19
    assert round(figure.implied_baseline) == 7899
    assert claim.status == Claim.Status.PUBLISHED and claim.rating is not None


def test_demo_covers_the_seed_claims_and_a_mix_of_statuses():
    call_command("loaddemo")
    texts = " ".join(Claim.objects.values_list("text", flat=True))
    for phrase in ["£75 million", "nearly 100,000", "Serbia, North Macedonia", "9,400"]:
        assert phrase in texts
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert {"published", "in_review", "draft"} <= statuses
    names = set(Claimant.objects.values_list("role", flat=True))
    assert "Prime Minister of the United Kingdom" in names and "Home Secretary" in names


def test_demo_excerpts_are_exact_quotes_of_the_seed_article():
    call_command("loaddemo")
    if SEED.exists():
        assert SEED.read_text(encoding="utf-8") == ARTICLE_TEXT
    citations = Citation.objects.all()
    assert citations.count() == Claim.objects.count()
    for citation in citations:
        assert citation.excerpt in ARTICLE_TEXT
        assert citation.role == Citation.Role.ORIGIN
        assert ARTICLE_TEXT.index(citation.excerpt) >= 0
        assert (citation.excerpt_prefix + citation.excerpt) in ARTICLE_TEXT
