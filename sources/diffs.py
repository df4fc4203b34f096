"""Word-level comparison of texts: a cited excerpt against the passage found on the page now,
and two snapshots of a source, with every digit run treated as a watched token.

Texts are cut into tokens: words (compared without case, quote, dash, soft-hyphen, entity or
spacing differences) and number tokens. A number token is either a quantity ("9,400",
"9 400", "£75 million", "£75m", "19 per cent", "2.5%"), compared by value, currency and percent
sign, or any other run of characters holding a digit ("10:30", "RS-25", "72W", "x100",
"2023-24"), compared by its spelling with thousands separators dropped.
Punctuation between tokens is not compared. The token sequences are aligned with difflib, so a
change is reported as the words (or numbers) it replaced.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from claims.figures import grammar_for
from claims.text import fold_char

# Characters that vanish without changing the words: soft hyphen, zero-width spaces and joiners.
INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_CHUNK = re.compile(r"\S+")
# A quantity as written in (case-folded) prose: currency, number with thousands separators
# (comma or space) and decimals, a scale glued or spelled out, a percent sign or "per cent".
# Glued to letters or to ":", "/", "-" (times, model names, ranges) or to a fraction slash
# ("½" is folded to "1⁄2"), it is not a quantity.
_QUANTITY = re.compile(
    r"(?<![\w.,:/\u2044-])"
    r"(?P<currency>[£$€¥])?"
    r"(?P<number>\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<glued>k|m|bn|tn|thousand|million|billion|trillion)"
    r"|\s?(?P<scale>thousand|million|billion|trillion|bn))?"
    r"(?:\s?(?P<percent>%|per\s?cent|percent|pc))?"
    r"(?![\w:/\u2044-]|[.,]\d)"
)
_SCALES = {
    "k": 3, "thousand": 3, "m": 6, "million": 6, "bn": 9, "billion": 9, "tn": 12, "trillion": 12,
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")
_LEADING_PUNCTUATION = re.compile(r"^[^\w£$€¥#+-]+")
_TRAILING_PUNCTUATION = re.compile(r"[^\w%]+$")
_DIGIT = re.compile(r"\d")
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[,'](?=\d)")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Token:
    key: str  # what is compared
    start: int  # offsets of the token's spelling in the original text
    end: int
    is_number: bool


@dataclass(frozen=True)
class DiffOp:
    """One step of a word-level diff: equal, replace, delete (only in the old text) or insert."""

    op: str
    old: str = ""
    new: str = ""

    def as_dict(self) -> dict:
        return {"op": self.op, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class FigureChange:
    """A number as the excerpt spelled it and as the page spells it now ("" = none)."""

    old: str
    new: str

    def as_dict(self) -> dict:
        return {"old": self.old, "new": self.new}

    def __str__(self) -> str:
        return f"{self.old or '(none)'} → {self.new or '(none)'}"


@dataclass
class PassageComparison:
    """How the passage found on the page differs from the cited excerpt."""

    ops: list[DiffOp] = field(default_factory=list)
    figure_changes: list[FigureChange] = field(default_factory=list)
    start: int = 0  # the passage's span in the text it was found in
    end: int = 0
    changed_tokens: int = 0  # tokens of either side outside the equal runs

    @property
    def reworded(self) -> bool:
        return any(op.op != "equal" for op in self.ops)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The text with cosmetic differences folded (case, quotes, dashes, compatibility forms,
    HTML entities, soft hyphens), and the offset in `text` of every folded character."""
    out: list[str] = []
    offsets: list[int] = []
    index, length = 0, len(text)
    while index < length:
        ch = text[index]
        if ch == "&":
            entity = _ENTITY.match(text, index)
            if entity:
                for piece in html.unescape(entity.group()):
                    if piece not in INVISIBLE:
                        for folded in fold_char(piece):
                            out.append(folded)
                            offsets.append(index)
                index = entity.end()
                continue
        if ch not in INVISIBLE:
            for folded in fold_char(ch):
                out.append(folded)
                offsets.append(index)
        index += 1
    return "".join(out), offsets


@dataclass(frozen=True)
class _Quantities:
    """How one language writes the quantities a passage's numbers are compared by."""

    pattern: re.Pattern
    decimal: str
    scales: dict[str, int]  # multiplier word -> power of ten


_ENGLISH_QUANTITIES = _Quantities(_QUANTITY, ".", _SCALES)


@lru_cache(maxsize=16)
def _quantities(language: str | None) -> _Quantities:
    """English's quantity pattern, or one with the language's decimal comma ("9.400" = 9400 in
    Spanish) and multiplier words ("millones", "Mio.")."""
    grammar = grammar_for(language)
    if grammar.decimal_symbol == ".":
        return _ENGLISH_QUANTITIES
    decimal = re.escape(grammar.decimal_symbol)
    scales = {
        word: grammar.multipliers[word].adjusted() for word in grammar.multipliers if word.isalpha()
    }
    scale_words = "|".join(sorted((re.escape(w) for w in scales), key=len, reverse=True))
    scale = rf"\s?(?P<scale>(?:{scale_words})\.?)" if scale_words else r"(?P<scale>(?!))"
    pattern = re.compile(
        r"(?<![\w.,:/\u2044-])"
        r"(?P<currency>[£$€¥])?"
        rf"(?P<number>\d{{1,3}}(?:[. \u00a0\u202f]\d{{3}})+(?:{decimal}\d+)?|\d+(?:{decimal}\d+)?)"
        rf"(?P<glued>(?!))?(?:{scale})?"
        r"(?:\s?(?P<percent>%|por\s+ciento|prozent|pour\s+cent|per\s+cento))?"
        r"(?![\w:/\u2044-]|[.,]\d)"
    )
    return _Quantities(pattern, grammar.decimal_symbol, scales)


def _quantity_key(match: re.Match, quantities: _Quantities = _ENGLISH_QUANTITIES) -> str:
    number = match["number"]
    if quantities.decimal == ".":
        number = number.replace(",", "").replace(" ", "")
    else:
        number = re.sub(r"[.\s]", "", number).replace(quantities.decimal, ".")
    word = (match["glued"] or match["scale"] or "").rstrip(".")
    try:
        value = Decimal(number).scaleb(quantities.scales.get(word, 0))
    except InvalidOperation:
        return "r:" + match.group()
    unit = (match["currency"] or "") + ("%" if match["percent"] else "")
    return f"n:{value.normalize():f}:{unit}"


def _number_key(spelling: str) -> str:
    spelling = _DIGIT_SEPARATOR.sub("", spelling.replace(" ", ""))
    if _PLAIN_NUMBER.fullmatch(spelling):
        return f"n:{Decimal(spelling).normalize():f}:"
    return "r:" + spelling


def tokenise(text: str, language: str | None = "en") -> list[Token]:
    """The text's word and number tokens, in order, with their spans in `text`; quantities as
    `language` writes them ("9.400" is 9400 in Spanish, 9.4 in English)."""
    folded, offsets = fold_with_offsets(text)
    if not folded:
        return []
    quantities = _quantities(language)
    tokens: list[tuple[int, int, str, bool]] = []  # folded start, end, key, is_number
    taken: list[tuple[int, int]] = []
    for match in quantities.pattern.finditer(folded):
        tokens.append((match.start(), match.end(), _quantity_key(match, quantities), True))
        taken.append((match.start(), match.end()))
    for chunk in _CHUNK.finditer(folded):
        for start, end in _outside(chunk.start(), chunk.end(), taken):
            tokens.extend(_chunk_tokens(folded, start, end))
    tokens.sort()

    def original(start: int, end: int) -> tuple[int, int]:
        return offsets[start], offsets[end - 1] + 1

    return [Token(key, *original(start, end), is_number) for start, end, key, is_number in tokens]


def _outside(start: int, end: int, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) not covered by the (sorted) taken spans."""
    pieces = []
    for taken_start, taken_end in taken:
        if taken_end <= start or taken_start >= end:
            continue
        if taken_start > start:
            pieces.append((start, taken_start))
        start = max(start, taken_end)
    if start < end:
        pieces.append((start, end))
    return pieces


def _chunk_tokens(folded: str, start: int, end: int) -> list[tuple[int, int, str, bool]]:
    piece = folded[start:end]
    if _DIGIT.search(piece):
        lead = _LEADING_PUNCTUATION.search(piece)
        trail = _TRAILING_PUNCTUATION.search(piece)
        start += lead.end() if lead else 0
        end -= len(trail.group()) if trail else 0
        if start < end and _DIGIT.search(folded[start:end]):
            return [(start, end, _number_key(folded[start:end]), True)]
    return [
        (start + word.start(), start + word.end(), "w:" + word.group(), False)
        for word in _WORD.finditer(folded[start:end])
    ]


def _spelling(text: str, tokens: list[Token], i: int, j: int) -> str:
    """The original words of tokens[i:j], punctuation between them included."""
    if i >= j:
        return ""
    return " ".join(text[tokens[i].start : tokens[j - 1].end].split())


def _run(text: str, tokens: list[Token], i: int, j: int) -> str:
    """tokens[i:j] as a reader sees them: with the punctuation that follows, up to the next
    token (so the pieces of a diff put together read as the text)."""
    if i >= j:
        return ""
    end = tokens[j].start if j < len(tokens) else len(text)
    return " ".join(text[tokens[i].start : end].split())


def _trim_edges(opcodes: list, a_len: int) -> list:
    """Drop what the page has beyond the excerpt's first and last words: the passage was looked
    for with some surrounding text, which is not part of it."""
    if not opcodes or all(tag != "equal" for tag, *_ in opcodes):
        return opcodes
    opcodes = list(opcodes)
    tag, i1, i2, j1, j2 = opcodes[0]
    if tag == "insert":
        opcodes.pop(0)
    elif tag == "replace" and j2 - j1 > i2 - i1:
        opcodes[0] = (tag, i1, i2, j2 - (i2 - i1), j2)
    tag, i1, i2, j1, j2 = opcodes[-1]
    if tag == "insert":
        opcodes.pop()
    elif tag == "replace" and j2 - j1 > i2 - i1:
        opcodes[-1] = (tag, i1, i2, j1, j1 + (i2 - i1))
    return opcodes


def compare_passage(
    excerpt: str,
    text: str,
    start: int = 0,
    end: int | None = None,
    language: str | None = "en",
) -> PassageComparison:
    """Align the excerpt's tokens with those of text[start:end] (the passage with some text
    around it); the passage is what aligns with the excerpt, trimmed at its edges. Numbers are
    read as `language` writes them."""
    end = len(text) if end is None else end
    old_tokens = tokenise(excerpt, language)
    region = text[start:end]
    new_tokens = tokenise(region, language)
    matcher = difflib.SequenceMatcher(
        None, [t.key for t in old_tokens], [t.key for t in new_tokens], autojunk=False
    )
    opcodes = _trim_edges(matcher.get_opcodes(), len(old_tokens))
    comparison = PassageComparison()
    kept = [(j1, j2) for _tag, _i1, _i2, j1, j2 in opcodes if j2 > j1]
    if kept:
        comparison.start = start + new_tokens[kept[0][0]].start
        comparison.end = start + new_tokens[kept[-1][1] - 1].end
    else:
        comparison.start = comparison.end = start
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal":
            comparison.changed_tokens += (i2 - i1) + (j2 - j1)
        old = _spelling(excerpt, old_tokens, i1, i2)
        new = _spelling(region, new_tokens, j1, j2)
        if tag == "equal":
            comparison.ops.append(DiffOp("equal", new=new))
            continue
        comparison.ops.append(DiffOp(tag, old=old, new=new))
        old_numbers = [(t.start, t.end) for t in old_tokens[i1:i2] if t.is_number]
        new_numbers = [(t.start, t.end) for t in new_tokens[j1:j2] if t.is_number]
        for index in range(max(len(old_numbers), len(new_numbers))):
            before = excerpt[slice(*old_numbers[index])] if index < len(old_numbers) else ""
            after = region[slice(*new_numbers[index])] if index < len(new_numbers) else ""
            comparison.figure_changes.append(FigureChange(before.strip(), after.strip()))
    return comparison


@dataclass(frozen=True)
class DiffSegment:
    """A run of the newer text's words (or of the older one's, for a deletion)."""

    op: str  # equal, insert, delete
    text: str
    cited: bool = False  # inside a passage a citation quotes

    def as_dict(self) -> dict:
        return {"op": self.op, "text": self.text, "cited": self.cited}


def word_diff(
    older: str, newer: str, cited_spans: list[tuple[str, int, int]] | None = None
) -> list[DiffSegment]:
    """Word-level diff of two texts; segments of the newer text that fall inside a cited span
    (which, start, end in whichever text the segment comes from) are marked `cited`."""
    old_tokens, new_tokens = tokenise(older), tokenise(newer)
    matcher = difflib.SequenceMatcher(
        None, [t.key for t in old_tokens], [t.key for t in new_tokens], autojunk=False
    )
    spans = cited_spans or []

    def cited(which: str, tokens: list[Token], i: int, j: int) -> list[tuple[int, int, bool]]:
        """Split tokens[i:j] into runs inside / outside the cited spans of that text."""
        runs: list[tuple[int, int, bool]] = []
        for k in range(i, j):
            inside = any(
                w == which and s < tokens[k].end and tokens[k].start < e for w, s, e in spans
            )
            if runs and runs[-1][2] == inside:
                runs[-1] = (runs[-1][0], k + 1, inside)
            else:
                runs.append((k, k + 1, inside))
        return runs

    segments: list[DiffSegment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            for a, b, inside in cited("old", old_tokens, i1, i2):
                segments.append(DiffSegment("delete", _spelling(older, old_tokens, a, b), inside))
        if tag in ("replace", "insert", "equal"):
            op = "equal" if tag == "equal" else "insert"
            for a, b, inside in cited("new", new_tokens, j1, j2):
                spell = _run if op == "equal" else _spelling
                segments.append(DiffSegment(op, spell(newer, new_tokens, a, b), inside))
    return segments


# Unchanged text between two changes is shown with this many words on each side.
CONTEXT_WORDS = 12


@dataclass
class SnapshotDiff:
    """What changed between two versions of a source's main text, word by word."""

    older_id: int
    newer_id: int
    identical: bool
    segments: list[DiffSegment]
    changed_words: int  # words inserted or deleted

    def as_dict(self) -> dict:
        return {
            "from_snapshot": self.older_id,
            "to_snapshot": self.newer_id,
            "identical": self.identical,
            "changed_words": self.changed_words,
            "segments": [segment.as_dict() for segment in self.segments],
        }


def cited_spans(which: str, text: str, passages: Iterable[str]) -> list[tuple[str, int, int]]:
    """Where the passages stand in `text`, as word_diff's cited spans of that side."""
    spans = []
    for passage in passages:
        passage = passage.strip()
        at = text.find(passage) if passage else -1
        while at != -1 and len(spans) < 200:
            spans.append((which, at, at + len(passage)))
            at = text.find(passage, at + len(passage))
    return spans


def fold_unchanged(segments: list[DiffSegment], context_words: int = CONTEXT_WORDS) -> list:
    """Long unchanged runs shortened to their first and last words around the changes (cited
    passages are kept whole: they are what the editor is looking for)."""
    folded: list[DiffSegment] = []
    for index, segment in enumerate(segments):
        words = segment.text.split(" ")
        if segment.op != "equal" or segment.cited or len(words) <= 2 * context_words + 1:
            folded.append(segment)
            continue
        head = words[:context_words] if index > 0 else []
        tail = words[-context_words:] if index < len(segments) - 1 else []
        if head:
            folded.append(DiffSegment("equal", " ".join(head)))
        folded.append(DiffSegment("skip", "…"))
        if tail:
            folded.append(DiffSegment("equal", " ".join(tail)))
    return folded
