"""claims.checkworthiness: the trained model, its artefact, its start-up check, its commands."""

import re
import shutil
from io import StringIO

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from claims.checkworthiness import ArtefactError, default_model
from claims.checkworthiness.features import FeatureSettings
from claims.checkworthiness.loading import check_artefact, forget_loaded_models
from claims.checkworthiness.manifest import build_artefact
from claims.checkworthiness.model import load_artefact, sha256_of
from claims.checkworthiness.training import (
    TrainingSettings,
    best_f1_threshold,
    class_scores,
    evaluate,
    evaluate_rule_scorer,
    read_labelled,
)
from tests.support.environment import require_shared

CORPUS = "corpus/checkworthiness"
TRAIN, DEV = "CT24_checkworthy_english_train.tsv", "CT24_checkworthy_english_dev.tsv"
# Small enough to train in seconds: hash space, grid and folds cut down, same code path.
QUICK = TrainingSettings(features=FeatureSettings(hash_bits=12), c_grid=(0.5, 1.0), folds=3)


@pytest.fixture(scope="module")
def dev():
    return read_labelled(require_shared(CORPUS) / DEV)


@pytest.fixture
def small_train(tmp_path):
    """The first 600 training rows as their own TSV file."""
    lines = (require_shared(CORPUS) / TRAIN).read_text(encoding="utf-8").splitlines(True)
    path = tmp_path / "small.tsv"
    path.write_text("".join(lines[:601]), encoding="utf-8")
    return path


@pytest.fixture
def deployed_copy(tmp_path):
    """A copy of the committed artefact that a test may damage."""
    copy = tmp_path / "artefact"
    shutil.copytree(settings.CHECKWORTHINESS_ARTEFACT_DIR, copy)
    yield copy
    forget_loaded_models()


# --- the committed model ----------------------------------------------------------------------


def test_trained_model_beats_the_hand_set_scorer_on_dev_by_a_clear_margin(dev):
    model_scores = evaluate(default_model(), dev)
    rule_scores = evaluate_rule_scorer(dev)
    assert model_scores.f1 >= rule_scores.f1 + 0.15
    assert model_scores.f1 >= 0.85
    # The hand-set scorer missed most claims without a number: the model must not.
    assert model_scores.recall >= rule_scores.recall + 0.25


def test_committed_artefact_was_trained_on_the_shared_training_file():
    import json

    manifest = json.loads((settings.CHECKWORTHINESS_ARTEFACT_DIR / "MANIFEST.json").read_text())
    assert manifest["data"]["train"]["sha256"] == sha256_of(require_shared(CORPUS) / TRAIN)
    assert manifest["training"]["chosen_c"] in manifest["training"]["c_grid"]


def test_the_model_is_loaded_once_per_process():
    assert default_model() is default_model()


def test_a_claim_without_a_number_scores_above_small_talk():
    model = default_model()
    claim, talk = model.probabilities(
        [
            "They're able to charge women more for the same exact procedure a man gets.",
            "Thank you all very much for being here tonight.",
        ]
    )
    assert claim > model.threshold > talk


def test_reasons_name_the_words_and_cues_that_raised_the_score():
    reasons = default_model().explain("Unemployment rose to 9.4 percent last year.")
    labels = {r.label for r in reasons}
    assert "percent" in labels or "unemployment" in labels
    assert [r.kind for r in reasons].count("word") == 3
    assert any(r.kind == "feature" and r.weight > 0 for r in reasons)
    assert reasons == sorted(reasons, key=lambda r: -abs(r.weight))


# --- training ---------------------------------------------------------------------------------


def test_training_twice_on_the_same_data_writes_the_same_bytes(small_train, tmp_path):
    first = build_artefact(small_train, tmp_path / "a", settings=QUICK)
    second = build_artefact(small_train, tmp_path / "b", settings=QUICK)
    assert first == second
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["MANIFEST.json", "README.md", "model.json", "weights.npy"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_different_seed_is_a_different_cross_validation(small_train, tmp_path):
    other = TrainingSettings(features=QUICK.features, c_grid=QUICK.c_grid, folds=3, seed=7)
    first = build_artefact(small_train, tmp_path / "a", settings=QUICK)
    second = build_artefact(small_train, tmp_path / "b", settings=other)
    assert first["cross_validation"] != second["cross_validation"]


def test_best_threshold_maximises_f1_and_keeps_ties_together():
    scores = np.array([0.9, 0.8, 0.8, 0.3, 0.1])
    labels = np.array([True, True, False, False, True])
    cut = best_f1_threshold(scores, labels)
    assert cut in (0.8, 0.1)
    best = max(class_scores(scores >= t, labels).f1 for t in scores)
    assert class_scores(scores >= cut, labels).f1 == best


def test_malformed_rows_are_skipped_and_counted(tmp_path):
    path = tmp_path / "odd.tsv"
    path.write_text(
        "Sentence_id\tText\tclass_label\n1\tTaxes rose.\tYes\n2\tGlued\tNo3\tx\tNo\n4\tHi.\tNo\n"
    )
    data = read_labelled(path)
    assert data.texts == ["Taxes rose.", "Hi."]
    assert data.labels.tolist() == [True, False]
    assert data.skipped == 1


# --- a damaged or missing artefact ------------------------------------------------------------


def test_missing_artefact_is_a_clear_error_and_fails_the_start_up_check(tmp_path):
    with pytest.raises(ArtefactError, match="train_checkworthiness"):
        load_artefact(tmp_path / "nowhere")
    with override_settings(CHECKWORTHINESS_ARTEFACT_DIR=tmp_path / "nowhere"):
        (error,) = check_artefact()
    forget_loaded_models()
    assert error.id == "claims.E101"
    assert "No check-worthiness model" in error.msg


def test_a_changed_weight_is_detected_not_scored(deployed_copy):
    weights = deployed_copy / "weights.npy"
    damaged = bytearray(weights.read_bytes())
    damaged[-3] ^= 0xFF
    weights.write_bytes(bytes(damaged))
    with pytest.raises(ArtefactError, match="SHA-256"):
        load_artefact(deployed_copy)
    with override_settings(CHECKWORTHINESS_ARTEFACT_DIR=deployed_copy):
        assert [e.id for e in check_artefact()] == ["claims.E101"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],
        lambda text: text.replace('"claimwatch-checkworthiness/1"', '"other/9"'),
        lambda text: text.replace('"intercept":', '"intercept_gone":'),
        lambda text: re.sub(r'"threshold": [0-9.]+', '"threshold": NaN', text),
    ],
    ids=["truncated", "unknown-format", "missing-key", "not-finite"],
)
def test_a_damaged_description_is_a_clear_error(deployed_copy, damage):
    description = deployed_copy / "model.json"
    description.write_text(damage(description.read_text()))
    with pytest.raises(ArtefactError):
        load_artefact(deployed_copy)


def test_the_committed_artefact_passes_the_start_up_check():
    assert check_artefact() == []


# --- commands ---------------------------------------------------------------------------------


def test_evaluate_command_ends_with_the_models_scores_in_the_scripts_format(dev):
    out = StringIO()
    call_command("evaluate_checkworthiness", str(require_shared(CORPUS) / DEV), stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    match = re.fullmatch(
        r"model f1=(\d\.\d{3}) precision=(\d\.\d{3}) recall=(\d\.\d{3}) n=(\d+)", last
    )
    assert match, last
    expected = evaluate(default_model(), dev)
    assert match.groups() == (
        f"{expected.f1:.3f}",
        f"{expected.precision:.3f}",
        f"{expected.recall:.3f}",
        str(len(dev.texts)),
    )
    assert "rule_scorer f1=" in out.getvalue()


def test_evaluate_command_uses_the_threshold_given(dev):
    out = StringIO()
    call_command(
        "evaluate_checkworthiness", str(require_shared(CORPUS) / DEV), threshold=0.99, stdout=out
    )
    recall = float(re.search(r"recall=(\S+)", out.getvalue().splitlines()[-1]).group(1))
    assert recall < evaluate(default_model(), dev).recall


def test_train_command_writes_an_artefact_that_loads(small_train, tmp_path):
    out = StringIO()
    call_command(
        "train_checkworthiness",
        train=small_train,
        dev=small_train,
        output=tmp_path / "model",
        c_grid="1",
        folds=2,
        hash_bits=12,
        stdout=out,
    )
    model = load_artefact(tmp_path / "model")
    assert 0.0 < model.threshold < 1.0
    assert "dev model f1=" in out.getvalue()
