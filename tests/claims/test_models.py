import ast
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

import claims.models
from claims.models import Claim, Claimant, ClaimEvent, Rating, Topic
from claims.workflow import WorkflowError
from tests.factories import (
    ClaimantFactory,
    ClaimFactory,
    FigureFactory,
    PublishedClaimFactory,
    rating,
)

pytestmark = pytest.mark.django_db


def test_default_rating_scale_is_installed_by_migration():
    labels = list(Rating.objects.values_list("label", flat=True))
    assert labels == [
        "Accurate",
        "Mostly accurate",
        "Mixed",
        "Misleading",
        "Inaccurate",
        "Unverifiable",
    ]
    assert Rating.objects.get(slug="unverifiable").bucket == Rating.Bucket.UNVERIFIABLE
    assert all(r.colour.startswith("#") and r.description for r in Rating.objects.all())


def test_claimant_slug_is_unique_in_the_database():
    ClaimantFactory(name="Yvette Cooper", slug="yvette-cooper")
    with pytest.raises(IntegrityError), transaction.atomic():
        Claimant.objects.create(name="Another", slug="yvette-cooper")


def test_slugs_are_generated_without_collisions():
    first = ClaimantFactory(name="Keir Starmer")
    second = ClaimantFactory(name="Keir Starmer")
    assert first.slug == "keir-starmer"
    assert second.slug == "keir-starmer-2"


def test_topic_slug_is_unique():
    Topic.objects.create(name="Migration")
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(name="Migration 2", slug="migration")


def test_rating_value_is_unique():
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(label="Also accurate", slug="also-accurate", value=5, bucket="true")


def test_rating_colour_must_be_hex():
    bad = Rating(label="Odd", slug="odd", value=9, bucket="true", colour="green")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "colour" in error.value.message_dict


def test_published_claim_without_rating_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(status=Claim.Status.PUBLISHED, rating=None, published_at=timezone.now())


def test_published_claim_without_published_at_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(status=Claim.Status.PUBLISHED, rating=rating(), published_at=None)


def test_unknown_status_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(status="lost")


def test_title_over_75_characters_fails_validation():
    claim = ClaimFactory.build(title="x" * 76, claimant=ClaimantFactory())
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert "title" in error.value.message_dict


def test_claimant_same_as_must_hold_urls():
    claimant = ClaimantFactory.build(same_as=["not a url"])
    with pytest.raises(ValidationError) as error:
        claimant.full_clean()
    assert "same_as" in error.value.message_dict


def test_published_claims_are_never_deleted():
    claim = PublishedClaimFactory()
    with pytest.raises(WorkflowError):
        claim.delete()
    with pytest.raises(WorkflowError):
        Claim.objects.filter(pk=claim.pk).delete()
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_drafts_can_be_deleted():
    claim = ClaimFactory()
    claim.delete()
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_published_queryset_excludes_drafts_review_and_withdrawn():
    public = PublishedClaimFactory()
    corrected = PublishedClaimFactory(status=Claim.Status.CORRECTED)
    ClaimFactory()
    ClaimFactory(status=Claim.Status.IN_REVIEW)
    PublishedClaimFactory(status=Claim.Status.WITHDRAWN)
    assert set(Claim.objects.published()) == {public, corrected}


def test_claim_history_is_append_only():
    claim = ClaimFactory()
    event = ClaimEvent.objects.create(claim=claim, kind=ClaimEvent.Kind.CREATED)
    event.note = "rewritten"
    with pytest.raises(ValidationError):
        event.save()


def test_figure_computes_implied_baseline_and_consistency():
    figure = FigureFactory(value=Decimal("9400"), stated_change_pct=Decimal("19"))
    assert figure.implied_baseline.quantize(1) == 7899
    assert figure.change_is_consistent is None
    figure.baseline_value = Decimal("7900")
    assert figure.change_is_consistent is True
    figure.baseline_value = Decimal("7000")
    assert figure.change_is_consistent is False


def test_figure_value_must_be_numeric():
    figure = FigureFactory.build(claim=ClaimFactory(), value="nine thousand")
    with pytest.raises(ValidationError) as error:
        figure.full_clean()
    assert "value" in error.value.message_dict


def test_str_of_each_model_is_readable():
    figure = FigureFactory(value=Decimal("75000000"), unit="GBP", label="Funding")
    assert str(figure) == "Funding: £75,000,000"
    assert str(figure.claim) == figure.claim.title
    assert str(rating("mixed")) == "Mixed"


def test_the_models_import_no_service_module():
    """Services import the models; the models' save hooks use leaf modules only."""
    tree = ast.parse(Path(claims.models.__file__).read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("claims")
    }
    imported |= {
        f"claims.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "claims"
        for alias in node.names
    }
    leaves = {
        "claims",
        "claims.figures",
        "claims.text",
        "claims.claim_text",
        "claims.exceptions",
        "claims.hygiene",
        "claims.languages",
        "claims.search_document",
        "claims.quantities",  # figures in the active language: claims.figures + gettext
    }
    assert imported <= leaves, imported


def test_the_default_rating_scale_reads_in_the_readers_language_until_an_editor_renames_it():
    import importlib

    from django.utils import translation

    from claims.models import Rating
    from claims.rating_scale import DEFAULT_SCALE_WORDS

    scale = importlib.import_module("claims.migrations.0002_default_scale_and_roles").DEFAULT_SCALE
    # Every word the migration installs is in the catalogues' list (they must not drift).
    assert {w for label, *_rest, description in scale for w in (label, description)} <= set(
        DEFAULT_SCALE_WORDS
    )
    rating = Rating.objects.get(slug="mostly-accurate")
    with translation.override("es"):
        assert rating.shown_label == "Mayormente exacto"
        rating.label = "Casi exacto"  # the desk's own wording is shown as written
        assert rating.shown_label == "Casi exacto"
    with translation.override("en"):
        assert Rating.objects.get(slug="mostly-accurate").shown_label == "Mostly accurate"
