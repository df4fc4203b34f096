"""Training and measuring the check-worthiness model on CheckThat!-format TSV files.

`train_model` chooses the regularisation by stratified cross-validation on the training
file only, takes the decision threshold that maximises F1 on the pooled out-of-fold scores,
calibrates probabilities on those same scores (Platt), then fits on the whole file. A dev
file is only ever scored (`evaluate`), never used to choose anything. Everything is seeded
and single-threaded: the same file and settings give the same artefact, byte for byte.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from claims.checkworthiness.cues import rule_score
from claims.checkworthiness.features import (
    FeatureSettings,
    SentenceHasher,
    design_matrix,
    document_frequencies,
    inverse_document_frequency,
)
from claims.checkworthiness.model import CheckworthinessModel

POSITIVE, NEGATIVE = "Yes", "No"
RULE_THRESHOLD = 0.5  # the hand-set scorer's own threshold


class LabelledDataError(Exception):
    """A labelled file cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class LabelledSentences:
    """Sentences with their check-worthy labels, read from one TSV file."""

    texts: list[str]
    labels: np.ndarray  # bool, True = check-worthy
    skipped: int = 0  # malformed rows left out


@dataclass(frozen=True)
class TrainingSettings:
    """What training may vary (the grid is searched by cross-validation) and its seed."""

    features: FeatureSettings = field(default_factory=FeatureSettings)
    c_grid: tuple[float, ...] = (0.5, 1.0, 2.0)
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True)
class ClassScores:
    """Precision, recall and F1 on the check-worthy class, at one threshold."""

    precision: float
    recall: float
    f1: float
    n: int

    def line(self, name: str) -> str:
        """The one-line form scripts read: `model f1=0.734 precision=0.710 recall=0.760 n=341`."""
        return (
            f"{name} f1={self.f1:.3f} precision={self.precision:.3f} "
            f"recall={self.recall:.3f} n={self.n}"
        )

    def as_dict(self) -> dict:
        return {
            "f1": round(self.f1, 4),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "n": self.n,
        }


@dataclass(frozen=True)
class TrainingResult:
    """The fitted model and how cross-validation chose it."""

    model: CheckworthinessModel
    chosen_c: float
    cv_f1_by_c: dict[float, float]
    cv_scores: ClassScores  # pooled out-of-fold, at the chosen threshold
    settings: TrainingSettings


def read_labelled(path: Path) -> LabelledSentences:
    """Sentences and labels of a CheckThat! TSV (`Sentence_id`, `Text`, `class_label`)."""
    texts, labels, skipped = [], [], 0
    try:
        with Path(path).open(newline="", encoding="utf-8") as stream:
            reader = csv.reader(stream, delimiter="\t")
            header = next(reader, None)
            if header is None or "Text" not in header or "class_label" not in header:
                raise LabelledDataError(f"{path}: expected a header with Text and class_label.")
            text_at, label_at = header.index("Text"), header.index("class_label")
            for row in reader:
                label = row[label_at].strip() if len(row) == len(header) else ""
                if label not in (POSITIVE, NEGATIVE) or not row[text_at].strip():
                    skipped += 1
                    continue
                texts.append(row[text_at])
                labels.append(label == POSITIVE)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LabelledDataError(f"{path}: {error}") from None
    if not texts:
        raise LabelledDataError(f"{path}: no labelled sentences.")
    return LabelledSentences(texts, np.asarray(labels, dtype=bool), skipped)


def class_scores(predicted: np.ndarray, labels: np.ndarray) -> ClassScores:
    """P/R/F1 of boolean predictions on the positive class."""
    predicted, labels = np.asarray(predicted, bool), np.asarray(labels, bool)
    tp = int(np.sum(predicted & labels))
    precision = tp / max(int(predicted.sum()), 1)
    recall = tp / max(int(labels.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ClassScores(precision, recall, f1, len(labels))


def best_f1_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The score at or above which predicting check-worthy gives the highest F1 (ties: the
    higher threshold)."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], labels[order].astype(np.int64)
    true_positives = np.cumsum(hits)
    predicted = np.arange(1, len(ranked) + 1)
    f1 = 2 * true_positives / (predicted + hits.sum())
    # Only cut where the next score differs: equal scores get the same prediction.
    cuttable = np.append(ranked[1:] != ranked[:-1], True)
    f1[~cuttable] = -1.0
    return float(ranked[int(np.argmax(f1))])


class HashedTrainingSet:
    """Hashed counts and cues of the training sentences, computed once for every fold."""

    def __init__(self, texts: Sequence[str], settings: FeatureSettings) -> None:
        self.settings = settings
        hasher = SentenceHasher(settings)
        self.words, self.chars = hasher.counts(texts)
        self.cues = hasher.cues(texts)

    def idf_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(rows)
        return (
            inverse_document_frequency(document_frequencies(self.words[rows]), n),
            inverse_document_frequency(document_frequencies(self.chars[rows]), n),
        )

    def matrix(self, rows: np.ndarray, idf: tuple[np.ndarray, np.ndarray]) -> sparse.csr_matrix:
        return design_matrix(
            self.words[rows], self.chars[rows], self.cues[rows], idf[0], idf[1], self.settings
        )


def _fit(matrix: sparse.csr_matrix, labels: np.ndarray, c: float, seed: int) -> LogisticRegression:
    # liblinear: single-threaded and seeded, so the weights are the same on every run.
    return LogisticRegression(C=c, solver="liblinear", random_state=seed, max_iter=1000).fit(
        matrix, labels
    )


def out_of_fold_scores(
    design: HashedTrainingSet, labels: np.ndarray, c: float, settings: TrainingSettings
) -> np.ndarray:
    """Decision values of each training sentence from a model fitted without its fold."""
    scores = np.zeros(len(labels), dtype=np.float64)
    folds = StratifiedKFold(settings.folds, shuffle=True, random_state=settings.seed)
    for train_rows, held_rows in folds.split(np.zeros(len(labels)), labels):
        idf = design.idf_of(train_rows)
        fitted = _fit(design.matrix(train_rows, idf), labels[train_rows], c, settings.seed)
        scores[held_rows] = fitted.decision_function(design.matrix(held_rows, idf))
    return scores


def _platt(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    fitted = LogisticRegression(C=1e6, solver="lbfgs").fit(scores.reshape(-1, 1), labels)
    return float(fitted.coef_[0, 0]), float(fitted.intercept_[0])


def train_model(
    data: LabelledSentences, settings: TrainingSettings | None = None
) -> TrainingResult:
    """Choose C by cross-validation on `data`, calibrate, and fit the model on all of it."""
    settings = settings or TrainingSettings()
    labels = data.labels
    design = HashedTrainingSet(data.texts, settings.features)
    cv_f1_by_c, oof_by_c = {}, {}
    for c in settings.c_grid:
        oof = out_of_fold_scores(design, labels, c, settings)
        cv_f1_by_c[c] = class_scores(oof >= best_f1_threshold(oof, labels), labels).f1
        oof_by_c[c] = oof
    # Ties go to the smaller C: the more regularised model generalises better.
    chosen_c = max(sorted(settings.c_grid), key=lambda c: (round(cv_f1_by_c[c], 4), -c))
    oof = oof_by_c[chosen_c]
    cut = best_f1_threshold(oof, labels)
    calibration = _platt(oof, labels)
    everything = np.arange(len(labels))
    idf = design.idf_of(everything)
    fitted = _fit(design.matrix(everything, idf), labels, chosen_c, settings.seed)
    model = CheckworthinessModel(
        settings=settings.features,
        n_documents=len(labels),
        word_idf=idf[0],
        char_idf=idf[1],
        coef=fitted.coef_[0].astype(np.float32),
        intercept=float(fitted.intercept_[0]),
        calibration=calibration,
        threshold=0.0,
    )
    threshold = float(model.probability_of(np.array([cut]))[0])
    model.threshold = round(threshold, 6)
    return TrainingResult(
        model=model,
        chosen_c=chosen_c,
        cv_f1_by_c=cv_f1_by_c,
        cv_scores=class_scores(oof >= cut, labels),
        settings=settings,
    )


def evaluate(
    model: CheckworthinessModel, data: LabelledSentences, threshold: float | None = None
) -> ClassScores:
    """The model's P/R/F1 on `data` at `threshold` (a probability; default: the model's)."""
    cut = model.threshold if threshold is None else threshold
    return class_scores(model.probabilities(data.texts) >= cut, data.labels)


def evaluate_rule_scorer(data: LabelledSentences) -> ClassScores:
    """The hand-set scorer's P/R/F1 on `data` at its own threshold."""
    predicted = np.array([rule_score(text) >= RULE_THRESHOLD for text in data.texts])
    return class_scores(predicted, data.labels)
