"""Sentences as feature vectors: hashed word and character n-grams, plus the scorer's cues.

Hashing needs no vocabulary (nothing to store, nothing to pickle) and maps an n-gram to the
same column in every process. Counts are weighted like TF-IDF (sublinear term frequency
times inverse document frequency, each block scaled to unit length) with our own arithmetic,
so that training and the loaded artefact compute exactly the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from claims.checkworthiness.cues import CUE_NAMES, cue_vector

# Quotes, dashes and apostrophes as debate transcripts and news copy both write them.
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_SPACES_RE = re.compile(r"\s+")
WORD_PATTERN = r"(?u)\b\w+\b"  # one-letter words too: "I", "a" matter in debates


@dataclass(frozen=True)
class FeatureSettings:
    """How a sentence becomes a vector; stored in the artefact so loading rebuilds it exactly."""

    hash_bits: int = 18  # columns per n-gram block: 2**hash_bits
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    cue_scale: float = 1.0  # weight of the cue block next to the two unit-length blocks

    def as_dict(self) -> dict:
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> FeatureSettings:
        return cls(
            hash_bits=int(values["hash_bits"]),
            word_ngrams=tuple(int(n) for n in values["word_ngrams"]),
            char_ngrams=tuple(int(n) for n in values["char_ngrams"]),
            cue_scale=float(values["cue_scale"]),
        )

    @property
    def block_size(self) -> int:
        return 2**self.hash_bits

    @property
    def n_columns(self) -> int:
        return 2 * self.block_size + len(CUE_NAMES)


def normalise_sentence(sentence: str) -> str:
    """One spelling of quotes, dashes and spaces, so news copy reads like the transcripts."""
    return _SPACES_RE.sub(" ", sentence.translate(_TYPOGRAPHY)).strip()


class SentenceHasher:
    """Hashed n-gram counts and cue values of sentences (no weighting yet)."""

    def __init__(self, settings: FeatureSettings) -> None:
        self.settings = settings
        common = {
            "n_features": settings.block_size,
            "alternate_sign": False,
            "norm": None,
            "dtype": np.float32,
        }
        self.words = HashingVectorizer(
            ngram_range=settings.word_ngrams, token_pattern=WORD_PATTERN, **common
        )
        self.chars = HashingVectorizer(
            analyzer="char_wb", ngram_range=settings.char_ngrams, **common
        )

    def counts(self, sentences: Sequence[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """Word and character n-gram counts, one row per sentence."""
        texts = [normalise_sentence(s) for s in sentences]
        return self.words.transform(texts), self.chars.transform(texts)

    def cues(self, sentences: Sequence[str]) -> np.ndarray:
        """The cue block: one row per sentence, CUE_NAMES columns."""
        rows = [cue_vector(normalise_sentence(s)) for s in sentences]
        return np.asarray(rows, dtype=np.float32).reshape(len(rows), len(CUE_NAMES))


def document_frequencies(counts: sparse.csr_matrix) -> np.ndarray:
    """In how many rows each column is non-zero."""
    return np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)


def inverse_document_frequency(df: np.ndarray, n_documents: int) -> np.ndarray:
    """Smoothed IDF (as scikit-learn computes it): unseen columns get the largest weight."""
    return (np.log((1.0 + n_documents) / (1.0 + df)) + 1.0).astype(np.float32)


def weighted(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear TF times IDF, each row scaled to unit length (empty rows stay empty)."""
    matrix = counts.astype(np.float32, copy=True)
    matrix.data = (1.0 + np.log(matrix.data)) * idf[matrix.indices]
    squares = matrix.multiply(matrix).sum(axis=1).A1
    norms = np.sqrt(squares, dtype=np.float64)
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags((1.0 / norms).astype(np.float32)) @ matrix)


def design_matrix(
    word_counts: sparse.csr_matrix,
    char_counts: sparse.csr_matrix,
    cues: np.ndarray,
    word_idf: np.ndarray,
    char_idf: np.ndarray,
    settings: FeatureSettings,
) -> sparse.csr_matrix:
    """The model's input: [weighted words | weighted characters | scaled cues]."""
    return sparse.hstack(
        [
            weighted(word_counts, word_idf),
            weighted(char_counts, char_idf),
            sparse.csr_matrix(cues * np.float32(settings.cue_scale)),
        ],
        format="csr",
        dtype=np.float32,
    )
