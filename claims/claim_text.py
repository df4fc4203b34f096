"""What `Claim.normalised_text` holds: a claim's words as similar-claim search compares them.

Lower case, figures spelled one way ("£75m" and "£75 million" both read "75000000 gbp"),
filler words dropped. `Claim.save()` stores it and `claims.matching` searches it, so it lives
here, beside the text folding (`claims.text`) and the figure parser (`claims.figures`) it is
built from, and imports neither the models nor any service.
"""

from __future__ import annotations

import re

from claims import figures
from claims.text import compatibility_form

# Words that every claim shares: they add trigrams without telling claims apart.
FILLER_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "but",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "their",
        "there",
        "than",
        "which",
        "who",
        "will",
        "would",
    ]
)
_UNIT_WORDS = {"GBP": "gbp", "EUR": "eur", "USD": "usd", "percent": "percent"}


def figure_token(parsed: figures.ParsedFigure) -> str:
    """A figure as it appears in normalised text: "75000000 gbp", "19 percent", "9400"."""
    number = format(parsed.value, "f")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    unit = _UNIT_WORDS.get(parsed.unit)
    return f"{number} {unit}" if unit else number


def normalise_claim_text(text: str, language: str | None = "en") -> str:
    """Text as similar-claim search compares it: "£75m" and "£75 million" read the same (and
    "9.400" is 9400 in a Spanish claim)."""
    if not text:
        return ""
    text = compatibility_form(text)
    pieces, pos = [], 0
    for parsed in figures.parse_figures(text, language):
        pieces.append(text[pos : parsed.start])
        # The approximation stays, spelled one way ("almost" → "nearly"): it is part of the claim.
        approx = "" if parsed.approximation == "exact" else parsed.approximation.replace("_", " ")
        pieces.append(f" {approx} {figure_token(parsed)} ")
        pos = parsed.end
    pieces.append(text[pos:])
    joined = "".join(pieces)
    # Numbers the parser folded into another figure ("a 19% increase", "from 7,000").
    joined = re.sub(
        r"(?<=\d)\s?(?:%|per\s?cent\b|por\s+ciento\b|prozent\b)",
        " percent",
        joined,
        flags=re.IGNORECASE,
    )
    joined = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", joined)
    words = re.findall(r"[\w.]+", joined.casefold())
    return " ".join(w.strip(".") for w in words if w.strip(".") and w not in FILLER_WORDS)
