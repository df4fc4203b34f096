"""Text from fetched documents, and the normalisation used to compare versions."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "′": "'"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Fold what changes without changing meaning: Unicode forms, quotes, dashes, spacing."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _DASHES.sub("-", text)
    return _SPACES.sub(" ", text).strip()


def text_hash(text: str) -> str:
    """SHA-256 of the normalised text: equal hashes mean "the page did not change"."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()
