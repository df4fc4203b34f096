import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.models import Claim, Claimant, ClaimEvent, Figure, Topic
from demo.seed import ARTICLE_TEXT, CLAIMS, PUBLISHED_AT, STATED_ON
from sources.models import Citation, Snapshot, Source
from tests.support.environment import missing_dependency

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
    citations = Citation.objects.filter(locator_kind=Citation.LocatorKind.TEXT)
    assert citations.count() == Claim.objects.count()
    for citation in citations:
        assert citation.role == Citation.Role.ORIGIN
        # Quoted once, so the citation points at one place in the article...
        assert ARTICLE_TEXT.count(citation.excerpt) == 1
        start = ARTICLE_TEXT.index(citation.excerpt)
        end = start + len(citation.excerpt)
        # ...and the context stored around it is the article's own text on either side.
        assert citation.excerpt_prefix and citation.excerpt_suffix
        assert ARTICLE_TEXT[:start].endswith(citation.excerpt_prefix)
        assert ARTICLE_TEXT[end:].startswith(citation.excerpt_suffix)
        assert citation.found_text == citation.excerpt


def test_demo_article_is_the_shared_seed_article():
    if not SEED.exists():
        missing_dependency(f"the shared seed article is not at {SEED}")
    assert SEED.read_text(encoding="utf-8") == ARTICLE_TEXT


def test_demo_claims_go_through_the_workflow_with_its_history():
    call_command("loaddemo")
    for spec in CLAIMS:
        claim = Claim.objects.get(slug=spec.slug)
        assert claim.status == spec.status
        assert claim.stated_on == STATED_ON
        events = list(claim.events.values_list("kind", "from_status", "to_status"))
        steps = [("created", "", "draft")]
        if spec.status in ("in_review", "published"):
            steps.append(("status", "draft", "in_review"))
        if spec.status == "published":
            steps.append(("status", "in_review", "published"))
        assert events == steps, spec.slug
        created = claim.events.get(kind="created")
        # The demo editor wrote every claim; only a reviewer published.
        assert claim.created_by == created.actor
        assert created.actor.username == "demo-editor"
        assert created.actor.has_perm("claims.add_claim")
        assert not created.actor.has_perm("claims.publish_claim")
        assert not created.actor.has_usable_password()
        if spec.status == "published":
            assert claim.published_at == PUBLISHED_AT
            assert claim.reviewer.username == "demo-reviewer"
            assert claim.reviewer.has_perm("claims.publish_claim")
            published = claim.events.get(to_status="published")
            assert published.actor == claim.reviewer
            assert published.at == PUBLISHED_AT
            assert published.to_rating == claim.rating
            # The drafting happened before publication, on the article's dates.
            assert created.at == PUBLISHED_AT - dt.timedelta(days=3)
        else:
            assert claim.published_at is None and claim.reviewer is None


def test_loaddemo_keeps_what_the_desk_did_with_a_demo_claim(django_user_model):
    call_command("loaddemo")
    draft = Claim.objects.get(slug="western-balkans-partners-absolutely-key")
    draft.title = "Edited by an editor"
    draft.save()
    in_review = Claim.objects.get(slug="75-million-for-border-security-command")
    Claim.objects.filter(pk=in_review.pk).update(status=Claim.Status.DRAFT)
    events = ClaimEvent.objects.count()

    call_command("loaddemo")
    draft.refresh_from_db()
    in_review.refresh_from_db()
    # The wording comes back from the demo data; the status the desk set stays.
    assert draft.title == "Work with Western Balkans partners is “absolutely key”"
    assert in_review.status == Claim.Status.DRAFT
    assert ClaimEvent.objects.count() == events
    assert django_user_model.objects.filter(username__startswith="demo-").count() == 2


def test_demo_fact_check_page_shows_its_verdict_history_on_the_article_dates(client):
    call_command("loaddemo")
    claim = Claim.objects.get(slug="9400-returns-up-19-percent-on-2023")
    html = client.get(claim.get_absolute_url()).content.decode()
    assert '<time datetime="2024-11-12T09:30:00+00:00">12 Nov 2024</time>' in html
    assert "published as Mostly accurate" in html
    assert "demo-editor" not in html and "demo-reviewer" not in html


def test_demo_returns_figure_also_cites_the_official_returns_table():
    call_command("loaddemo")
    call_command("loaddemo")  # idempotent: still one dataset citation
    cells = Citation.objects.filter(locator_kind=Citation.LocatorKind.DATASET_CELL)
    assert cells.count() == 1
    cell = cells.get()
    assert cell.claim.slug == "9400-returns-up-19-percent-on-2023"
    assert cell.sheet and cell.row_labels and cell.column_labels
    assert cell.expected_value.replace(",", "").startswith("9400")
    assert cell.source.current_snapshot is not None
    assert "9,400" in cell.source.current_snapshot.main_text


def test_demo_has_a_spanish_fact_check_of_the_9400_claim_with_figures_read_in_spanish():
    call_command("loaddemo")
    claim = Claim.objects.get(slug="9400-retornos-un-19-por-ciento-mas-que-en-2023")
    assert claim.language == "es" and claim.status == Claim.Status.PUBLISHED
    assert "9.400 personas" in claim.text
    (figure,) = claim.figures.all()
    assert (figure.value, figure.unit, figure.stated_change_pct) == (9400, "people", 19)
    assert (figure.period, figure.baseline_period) == ("este año", "2023")
    assert round(figure.implied_baseline) == 7899
    # Through the workflow: drafted, sent to review, published, each recorded.
    statuses = list(claim.events.filter(kind="status").values_list("to_status", flat=True))
    assert statuses == ["in_review", "published"]
    # It cites the English original, whose "9,400" is read in English.
    citation = claim.citations.get()
    assert citation.cited_figure == "9,400" and citation.excerpt in ARTICLE_TEXT
