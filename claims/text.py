"""Text normalisation: folding what changes without changing meaning, in one place.

Unicode compatibility forms, typographic quotes, dashes and runs of white space; for matching,
also case, thousands separators and the spellings of "per cent". Similar-claim search, reader
search, ClaimReview text, snapshot hashes and excerpt search all fold text with these
functions, so two spellings of one passage compare equal everywhere.

Plain Python with no import from the project, so any module (models included) may use it.
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "′": "'",
    }
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A thousands separator between digit groups: 9,400 / 9 400 / 9 400 (NBSP, thin space) / 9'400.
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f\u2009' ](?=\d{3}(?!\d))")
# "19 per cent", "19 percent", "19 pc" -> "19%".
_PER_CENT = re.compile(r"(?<=\d)\s?(?:per\s?cent|percent|pc)\b|(?<=\d)\s%", re.IGNORECASE)


def compatibility_form(text: str) -> str:
    """Unicode NFKC: full-width digits, ligatures and no-break spaces as their plain forms."""
    return unicodedata.normalize("NFKC", text)


def squeeze_spaces(text: str) -> str:
    """Every run of white space (newlines, tabs, no-break spaces) as one space, trimmed."""
    return " ".join(text.split())


def one_line(text: str, limit: int | None = None) -> str:
    """`text` on one line without control characters, at most `limit` characters."""
    folded = squeeze_spaces(_CONTROL.sub(" ", text))
    return folded if limit is None else folded[:limit]


def normalise_text(text: str) -> str:
    """Fold what changes without changing meaning: Unicode forms, quotes, dashes, spacing."""
    text = compatibility_form(text).translate(_QUOTES)
    text = _DASHES.sub("-", text)
    return _SPACES.sub(" ", text).strip()


def fold_char(ch: str) -> str:
    """One character folded as the matching form folds it (quotes, dashes, case)."""
    folded = compatibility_form(ch).translate(_QUOTES)
    return _DASHES.sub("-", folded).casefold()


def normalise_for_matching(text: str) -> tuple[str, list[int]]:
    """Normalised text for excerpt search, with the offset in `text` of every output character.

    Beyond `normalise_text`: case folded, thousands separators dropped (9,400 / 9 400 -> 9400)
    and "per cent" written "%", so two spellings of the same passage compare equal. The
    offsets let a match in the folded text be reported as the words on the page.
    """
    rewrites: dict[int, tuple[int, str]] = {}
    for match in _THOUSANDS.finditer(text):
        rewrites[match.start()] = (match.end(), "")
    for match in _PER_CENT.finditer(text):
        rewrites[match.start()] = (match.end(), "%")
    out: list[str] = []
    offsets: list[int] = []
    pending_space = False
    index, length = 0, len(text)
    while index < length:
        if index in rewrites:
            end, replacement = rewrites[index]
            if replacement:
                out.append(replacement)
                offsets.append(index)
                pending_space = False
            index = end
            continue
        ch = text[index]
        folded = ch.lower() if ch.isascii() else fold_char(ch)
        for piece in folded:
            if piece.isspace():
                pending_space = bool(out)
                continue
            if pending_space:
                out.append(" ")
                offsets.append(index)
                pending_space = False
            out.append(piece)
            offsets.append(index)
        index += 1
    return "".join(out), offsets


def matching_form(text: str) -> str:
    """Only the folded text of `normalise_for_matching`."""
    return normalise_for_matching(text)[0]
