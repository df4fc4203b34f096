"""The trained check-worthiness model: scoring, reasons, and its artefact on disk.

The artefact is plain arrays and JSON (no pickle: loading runs no code from the file):
`model.json` holds the feature settings, intercept, cue weights, calibration and threshold;
`weights.npy` one row (column, idf, weight) per n-gram column seen in training, checked
against the SHA-256 recorded in `model.json`. Same data, same settings: same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.utils import murmurhash3_32

from claims.checkworthiness.cues import CUE_NAMES
from claims.checkworthiness.features import (
    FeatureSettings,
    SentenceHasher,
    design_matrix,
    normalise_sentence,
)

FORMAT = "claimwatch-checkworthiness/1"
MODEL_FILE, WEIGHTS_FILE = "model.json", "weights.npy"
WEIGHTS_DTYPE = np.dtype([("column", "<u4"), ("idf", "<f4"), ("weight", "<f4")])


class ArtefactError(Exception):
    """The model's artefact is missing or damaged; the message says which file and how."""


@dataclass(frozen=True)
class Reason:
    """One thing that moved the score: an n-gram word or a cue, and by how much (log-odds)."""

    kind: str  # "word" or "feature"
    label: str
    weight: float

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "weight": round(self.weight, 3)}

    def __str__(self) -> str:
        sign = "+" if self.weight >= 0 else "−"
        return f"{'“' + self.label + '”' if self.kind == 'word' else self.label} {sign}{abs(self.weight):.2f}"


class CheckworthinessModel:
    """A linear model over hashed n-grams and cues, with a calibrated probability."""

    def __init__(
        self,
        *,
        settings: FeatureSettings,
        n_documents: int,
        word_idf: np.ndarray,
        char_idf: np.ndarray,
        coef: np.ndarray,
        intercept: float,
        calibration: tuple[float, float],
        threshold: float,
    ) -> None:
        self.settings = settings
        self.n_documents = n_documents
        self.word_idf, self.char_idf = word_idf, char_idf
        self.coef = coef.astype(np.float32)
        self.intercept = float(intercept)
        self.calibration = calibration
        self.threshold = float(threshold)
        self.hasher = SentenceHasher(settings)

    def decision_values(self, sentences: Sequence[str]) -> np.ndarray:
        """Log-odds-like scores, higher = more check-worthy."""
        if not sentences:
            return np.zeros(0, dtype=np.float64)
        words, chars = self.hasher.counts(sentences)
        matrix = design_matrix(
            words, chars, self.hasher.cues(sentences), self.word_idf, self.char_idf, self.settings
        )
        return (matrix @ self.coef).astype(np.float64) + self.intercept

    def probabilities(self, sentences: Sequence[str]) -> np.ndarray:
        """Calibrated probability that each sentence is check-worthy."""
        return self.probability_of(self.decision_values(sentences))

    def probability_of(self, decision: np.ndarray) -> np.ndarray:
        slope, offset = self.calibration
        return 1.0 / (1.0 + np.exp(-(slope * decision + offset)))

    def explain(self, sentence: str, words: int = 3, cues: int = 2) -> list[Reason]:
        """The `words` words and `cues` cues that moved this sentence's score most, strongest
        first.

        A column's contribution is its weighted value times its weight; character n-grams
        are credited to the word they come from, word bigrams shared by their two words."""
        word_counts, char_counts = self.hasher.counts([sentence])
        row = design_matrix(
            word_counts,
            char_counts,
            self.hasher.cues([sentence]),
            self.word_idf,
            self.char_idf,
            self.settings,
        )
        contribution = dict(
            zip(row.indices.tolist(), (row.data * self.coef[row.indices]).tolist(), strict=True)
        )
        per_word: dict[str, float] = {}
        text = normalise_sentence(sentence)
        word_analyzer = self.hasher.words.build_analyzer()
        char_analyzer = self.hasher.chars.build_analyzer()
        block = self.settings.block_size
        sharers: dict[int, list[str]] = {}
        for token in dict.fromkeys(text.split()):
            for gram in word_analyzer(token):
                sharers.setdefault(_column(gram, block), []).append(gram)
            for gram in char_analyzer(token):
                sharers.setdefault(block + _column(gram, block), []).append(
                    token.strip(".,;:!?\"'()")
                )
        for gram in word_analyzer(text):
            if " " in gram:
                sharers.setdefault(_column(gram, block), []).extend(gram.split())
        for column, owners in sharers.items():
            share = contribution.get(column, 0.0) / len(owners)
            for owner in owners:
                key = owner.lower()
                if key:
                    per_word[key] = per_word.get(key, 0.0) + share
        word_reasons = [Reason("word", w, v) for w, v in per_word.items() if abs(v) >= 0.01]
        first_cue = 2 * block
        cue_reasons = [
            Reason("feature", name, contribution.get(first_cue + n, 0.0))
            for n, name in enumerate(CUE_NAMES)
            if abs(contribution.get(first_cue + n, 0.0)) >= 0.01
        ]
        chosen = (
            sorted(word_reasons, key=_by_weight)[:words]
            + sorted(cue_reasons, key=_by_weight)[:cues]
        )
        return sorted(chosen, key=_by_weight)


def _by_weight(reason: Reason) -> tuple[float, str]:
    return (-abs(reason.weight), reason.label)


def _column(gram: str, block: int) -> int:
    # The column HashingVectorizer gives an n-gram (murmurhash3, seed 0, sign dropped).
    return abs(murmurhash3_32(gram, seed=0)) % block


# --- the artefact ----------------------------------------------------------------------------


def save_artefact(model: CheckworthinessModel, directory: Path) -> list[Path]:
    """Write `model.json` and `weights.npy` into `directory`; byte-identical for equal models."""
    directory.mkdir(parents=True, exist_ok=True)
    block = model.settings.block_size
    seen_words = np.flatnonzero(model.word_idf < _unseen_idf(model.n_documents))
    seen_chars = np.flatnonzero(model.char_idf < _unseen_idf(model.n_documents))
    rows = np.zeros(len(seen_words) + len(seen_chars), dtype=WEIGHTS_DTYPE)
    rows["column"] = np.concatenate([seen_words, block + seen_chars])
    rows["idf"] = np.concatenate([model.word_idf[seen_words], model.char_idf[seen_chars]])
    rows["weight"] = np.concatenate([model.coef[seen_words], model.coef[block + seen_chars]])
    weights_path = directory / WEIGHTS_FILE
    with weights_path.open("wb") as out:
        np.save(out, rows, allow_pickle=False)
    description = {
        "format": FORMAT,
        "features": model.settings.as_dict(),
        "n_documents": model.n_documents,
        "intercept": model.intercept,
        "cue_weights": {name: float(model.coef[2 * block + n]) for n, name in enumerate(CUE_NAMES)},
        "calibration": {"slope": model.calibration[0], "offset": model.calibration[1]},
        "threshold": model.threshold,
        "weights_file": WEIGHTS_FILE,
        "weights_sha256": sha256_of(weights_path),
    }
    model_path = directory / MODEL_FILE
    model_path.write_text(json.dumps(description, indent=2, sort_keys=True) + "\n")
    return [model_path, weights_path]


def load_artefact(directory: Path) -> CheckworthinessModel:
    """The model saved in `directory`; ArtefactError naming the problem if anything is off."""
    model_path, weights_path = directory / MODEL_FILE, directory / WEIGHTS_FILE
    try:
        description = json.loads(model_path.read_text())
    except FileNotFoundError:
        raise ArtefactError(
            f"No check-worthiness model at {model_path}: run `manage.py train_checkworthiness`."
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ArtefactError(f"{model_path} is not a readable model description: {error}") from None
    try:
        return _model_from(description, weights_path)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ArtefactError(f"{model_path} does not describe a usable model: {error!r}") from None


def _model_from(description: dict, weights_path: Path) -> CheckworthinessModel:
    if description.get("format") != FORMAT:
        raise ArtefactError(
            f"Unknown model format {description.get('format')!r}, expected {FORMAT}."
        )
    if not weights_path.is_file():
        raise ArtefactError(f"The model's weights are missing: {weights_path}.")
    if sha256_of(weights_path) != description["weights_sha256"]:
        raise ArtefactError(f"{weights_path} does not match the SHA-256 in {MODEL_FILE}: damaged.")
    settings = FeatureSettings.from_dict(description["features"])
    if list(description["cue_weights"]) != sorted(CUE_NAMES):
        raise ArtefactError("The model was trained on other cues than this code computes: retrain.")
    rows = np.load(weights_path, allow_pickle=False)
    if rows.dtype != WEIGHTS_DTYPE or rows.ndim != 1:
        raise ArtefactError(f"{weights_path} holds {rows.dtype}, not the model's weights.")
    block, n_documents = settings.block_size, int(description["n_documents"])
    if len(rows) and int(rows["column"].max()) >= 2 * block:
        raise ArtefactError(f"{weights_path} has columns beyond the feature space.")
    idf = np.full(2 * block, _unseen_idf(n_documents), dtype=np.float32)
    coef = np.zeros(settings.n_columns, dtype=np.float32)
    idf[rows["column"]] = rows["idf"]
    coef[rows["column"]] = rows["weight"]
    for n, name in enumerate(CUE_NAMES):
        coef[2 * block + n] = description["cue_weights"][name]
    values = [
        description["intercept"],
        description["threshold"],
        *description["calibration"].values(),
    ]
    if not all(math.isfinite(float(v)) for v in values) or not np.isfinite(coef).all():
        raise ArtefactError("The model holds non-finite numbers: damaged.")
    return CheckworthinessModel(
        settings=settings,
        n_documents=n_documents,
        word_idf=idf[:block],
        char_idf=idf[block:],
        coef=coef,
        intercept=float(description["intercept"]),
        calibration=(
            float(description["calibration"]["slope"]),
            float(description["calibration"]["offset"]),
        ),
        threshold=float(description["threshold"]),
    )


def _unseen_idf(n_documents: int) -> np.float32:
    return np.float32(math.log(1.0 + n_documents) + 1.0)


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
