"""Find a citation's excerpt in a new version of its source, and notice a changed figure.

The search runs from strict to loose, like re-anchoring a W3C TextQuoteSelector:
1. the exact words;
2. the words after normalisation (case, quotes, dashes, spacing, thousands separators);
3. fuzzily: the best-matching window of sentences (rapidfuzz partial ratio, with digits masked
   so a changed number does not hide its sentence), helped by the stored prefix/suffix context.
Then the passage found is compared with the excerpt word by word (`sources.diffs`): every
digit run is watched, quantities by value ("9,400" = "9400" = "9 400", "£75m" = "£75 million"),
any other number by its spelling ("2010", "10:30", "RS-25", "72W"). A changed, added or removed
number is `figure_changed`, naming both spellings; other changed words are `reworded`, with the
word-level diff; only cosmetic differences (case, spacing, quotes, dashes, entities, soft
hyphens) leave the passage `present`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from rapidfuzz import fuzz, process

from claims.figures import parse_figures
from claims.languages import detect_language
from sources.diffs import (
    INVISIBLE,
    DiffOp,
    FigureChange,
    SnapshotDiff,
    cited_spans,
    compare_passage,
    fold_unchanged,
    tokenise,
    word_diff,
)
from sources.extraction import normalise_for_matching as _normalise_for_matching
from sources.models import Citation, Snapshot

ExcerptState = Citation.ExcerptState
PRESENT = ExcerptState.PRESENT
REWORDED = ExcerptState.REWORDED
FIGURE_CHANGED = ExcerptState.FIGURE_CHANGED
MISSING = ExcerptState.MISSING

# Below this similarity (0-100, digits masked) the passage found is not the excerpt.
MATCH_THRESHOLD = 80.0
# Context that agrees with the stored prefix/suffix adds at most this much to a candidate.
CONTEXT_WEIGHT = 15.0
CONTEXT_CHARS = 64
# Text around a fuzzy match that is compared too, so a changed first or last word is seen as
# changed rather than cut off; what lies beyond the excerpt's edges is trimmed afterwards.
COMPARE_MARGIN = 80

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")
_DIGIT = re.compile(r"\d")
# parse_figures' unit for a bare number: it says nothing about what is counted.
GENERIC_UNITS = {"", "count"}


@dataclass(frozen=True)
class ExcerptMatch:
    """Where an excerpt stands in the new text."""

    state: str  # a Citation.ExcerptState value
    found_text: str = ""  # the passage as it is on the page now
    found_figure: str = ""  # the watched figure as written there now ("9,450")
    score: float = 0.0  # similarity 0-100 of the passage to the excerpt
    expected_figure: str = ""  # the figure the citation relies on ("9,400")
    prefix: str = ""  # text just before the passage, to re-anchor it next time
    suffix: str = ""
    figure_changes: tuple[FigureChange, ...] = ()  # every number changed, added or removed
    diff: tuple[DiffOp, ...] = ()  # word-level diff excerpt -> passage (when not present)


def normalise_for_matching(text: str) -> tuple[str, list[int]]:
    """extraction.normalise_for_matching without the characters that never show (soft hyphens,
    zero-width spaces): "cucu\u00admber" is the word "cucumber" for the exact search too."""
    folded, offsets = _normalise_for_matching(text)
    if not any(ch in INVISIBLE for ch in folded):
        return folded, offsets
    kept = [(ch, at) for ch, at in zip(folded, offsets, strict=True) if ch not in INVISIBLE]
    return "".join(ch for ch, _ in kept), [at for _, at in kept]


def excerpt_language(excerpt: str, claim_language: str) -> str:
    """The language a cited passage is written in: a Spanish fact check may quote an English
    source ("9,400" is then 9400). Detected from the passage; the claim's when too short."""
    return detect_language(excerpt, default=claim_language)


def _figures(text: str, language: str | None) -> list:
    return list(parse_figures(text, language))


def _same_quantity(a, b) -> bool:
    if Decimal(a.value) != Decimal(b.value):
        return False
    unit_a, unit_b = _unit(a), _unit(b)
    # An unstated unit ("9,400") matches any ("9,400 people"); two stated ones must agree.
    return not unit_a or not unit_b or unit_a == unit_b


def _unit(figure) -> str:
    unit = figure.unit or ""
    return "" if unit in GENERIC_UNITS else unit


class SearchText:
    """A text prepared once for many excerpt searches (one source, many citations)."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def _folded(self) -> tuple[str, list[int]]:
        return normalise_for_matching(self.text)

    @property
    def folded(self) -> str:
        return self._folded[0]

    @cached_property
    def masked(self) -> str:
        return _DIGIT.sub("0", self.folded)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans in the folded text."""
        spans, start = [], 0
        for match in _SENTENCE_END.finditer(self.folded):
            if match.start() > start:
                spans.append((start, match.start()))
            start = match.end()
        if start < len(self.folded):
            spans.append((start, len(self.folded)))
        return spans

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of `text` that the folded span [start, end) stands for."""
        offsets = self._folded[1]
        if start >= end or not offsets:
            return 0, 0
        return offsets[start], offsets[end - 1] + 1

    def context_at(self, begin: int, finish: int) -> tuple[str, str]:
        """The text just before and after the span [begin, finish) of `text`."""
        if begin >= finish:
            return "", ""
        prefix = " ".join(self.text[max(0, begin - CONTEXT_CHARS) : begin].split())
        suffix = " ".join(self.text[finish : finish + CONTEXT_CHARS].split())
        return prefix[-CONTEXT_CHARS:], suffix[:CONTEXT_CHARS]

    def windows(self, length: int) -> list[tuple[int, int]]:
        """Runs of consecutive sentences at least `length` long, and one sentence longer."""
        spans = self.sentences
        found = []
        for i in range(len(spans)):
            j = i
            while j < len(spans) - 1 and spans[j][1] - spans[i][0] < length:
                j += 1
            found.append((spans[i][0], spans[j][1]))
            if j + 1 < len(spans):
                found.append((spans[i][0], spans[j + 1][1]))
        return found


def _context_score(search: SearchText, start: int, end: int, prefix: str, suffix: str) -> float:
    """0-100: how well the text around [start, end) agrees with the stored context."""
    scores = []
    if prefix.strip():
        wanted = normalise_for_matching(prefix)[0][-CONTEXT_CHARS:]
        before = search.folded[max(0, start - len(wanted) - 16) : start]
        scores.append(fuzz.partial_ratio(wanted, before) if before else 0.0)
    if suffix.strip():
        wanted = normalise_for_matching(suffix)[0][:CONTEXT_CHARS]
        after = search.folded[end : end + len(wanted) + 16]
        scores.append(fuzz.partial_ratio(wanted, after) if after else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def _exact_occurrences(haystack: str, needle: str) -> list[int]:
    found: list[int] = []
    position = haystack.find(needle)
    while position != -1 and len(found) < 50:
        found.append(position)
        position = haystack.find(needle, position + 1)
    return found


def _word_bounds(folded: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and folded[start - 1].isalnum() and folded[start].isalnum():
        start -= 1
    while end < len(folded) and folded[end - 1].isalnum() and folded[end].isalnum():
        end += 1
    return start, end


def _fuzzy_candidate(
    search: SearchText, excerpt_masked: str, prefix: str, suffix: str
) -> tuple[int, int, float] | None:
    """The best passage (folded span) and its score, or None when nothing comes close."""
    windows = search.windows(len(excerpt_masked))
    if not windows:
        return None
    choices = [search.masked[a:b] for a, b in windows]
    shortlist = process.extract(
        excerpt_masked, choices, scorer=fuzz.partial_ratio, limit=5, score_cutoff=50
    )
    best = None
    for _choice, _score, index in shortlist:
        window_start = windows[index][0]
        alignment = fuzz.partial_ratio_alignment(excerpt_masked, choices[index])
        if alignment is None:
            continue
        # The alignment may leave out the excerpt's first or last characters where they
        # differ; widen it by as much, so a changed figure at either end stays inside.
        start = max(0, window_start + alignment.dest_start - alignment.src_start)
        end = min(
            len(search.folded),
            window_start + alignment.dest_end + (len(excerpt_masked) - alignment.src_end),
        )
        start, end = _word_bounds(search.folded, start, end)
        score = fuzz.ratio(excerpt_masked, search.masked[start:end])
        score = max(score, alignment.score)
        if prefix or suffix:
            # Ranked above 100 on purpose: equal passages are told apart by their context.
            score += CONTEXT_WEIGHT * _context_score(search, start, end, prefix, suffix) / 100
        if best is None or score > best[2]:
            best = (start, end, score)
    if best is not None:
        best = (best[0], best[1], min(100.0, best[2]))
    return best


def _watched_figures(excerpt: str, cited_figure: str, language: str | None) -> list:
    if cited_figure.strip():
        cited = _figures(cited_figure, language)
        in_excerpt = _figures(excerpt, language)
        # A cited figure the excerpt does not contain cannot be watched in it.
        if cited and (not in_excerpt or any(_same_quantity(cited[0], f) for f in in_excerpt)):
            return cited[:1]
        return in_excerpt
    return _figures(excerpt, language)


def _figure_text_in(found: list, wanted) -> str:
    for figure in found:
        if _same_quantity(figure, wanted):
            return figure.text
    return ""


def _named_change(
    changes: list[FigureChange], cited_figure: str, language: str | None
) -> FigureChange:
    """The change to report first: the one to the figure the citation relies on, if any."""
    cited = {token.key for token in tokenise(cited_figure, language) if token.is_number}
    for change in changes:
        if cited & {token.key for token in tokenise(change.old, language) if token.is_number}:
            return change
    return changes[0]


def _judge(
    search: SearchText,
    start: int,
    end: int,
    score: float,
    excerpt: str,
    cited_figure: str,
    exact: bool,
    language: str | None = "en",
) -> ExcerptMatch:
    """The state of the passage at the folded span [start, end): an exact (folded) match is
    present; a fuzzy one is compared word by word with the excerpt."""
    watched = _watched_figures(excerpt, cited_figure, language)
    expected = watched[0].text if watched else cited_figure
    begin, finish = search.original_span(start, end)
    if exact:
        found_text = search.text[begin:finish].strip()
        prefix, suffix = search.context_at(begin, finish)
        found_figures = _figures(found_text, language)
        return ExcerptMatch(
            state=PRESENT,
            found_text=found_text,
            found_figure=_figure_text_in(found_figures, watched[0]) if watched else "",
            score=100.0,
            expected_figure=expected,
            prefix=prefix,
            suffix=suffix,
        )
    # Compared with the words around it, a changed first or last word is seen as changed, not
    # cut off; but a word of the next sentence may then stand in for one deleted from the
    # passage. The reading with fewer changed words is the passage.
    widened = compare_passage(
        excerpt,
        search.text,
        max(0, begin - COMPARE_MARGIN),
        min(len(search.text), finish + COMPARE_MARGIN),
        language,
    )
    alone = compare_passage(excerpt, search.text, begin, finish, language)
    comparison = alone if alone.changed_tokens <= widened.changed_tokens else widened
    if comparison.end > comparison.start:
        begin, finish = comparison.start, comparison.end
    found_text = search.text[begin:finish].strip()
    prefix, suffix = search.context_at(begin, finish)
    changes = tuple(comparison.figure_changes)
    diff = tuple(comparison.ops) if comparison.reworded else ()
    if changes:
        named = _named_change(list(changes), cited_figure, language)
        return ExcerptMatch(
            state=FIGURE_CHANGED,
            found_text=found_text,
            found_figure=named.new,
            score=round(score, 1),
            expected_figure=named.old,
            prefix=prefix,
            suffix=suffix,
            figure_changes=changes,
            diff=diff,
        )
    found_figures = _figures(found_text, language)
    return ExcerptMatch(
        state=REWORDED if diff else PRESENT,
        found_text=found_text,
        found_figure=_figure_text_in(found_figures, watched[0]) if watched else "",
        score=round(score, 1) if diff else 100.0,
        expected_figure=expected,
        prefix=prefix,
        suffix=suffix,
        diff=diff,
    )


def locate_excerpt(
    excerpt: str,
    text: str | SearchText,
    *,
    prefix: str = "",
    suffix: str = "",
    cited_figure: str = "",
    language: str | None = "en",
) -> ExcerptMatch:
    """Where `excerpt` stands in `text`: present, reworded, figure_changed or missing; its
    figures read as `language` (the citing claim's) writes numbers."""
    search = text if isinstance(text, SearchText) else SearchText(text)
    wanted = normalise_for_matching(excerpt)[0]
    if not wanted or not search.folded:
        return ExcerptMatch(state=MISSING, expected_figure=cited_figure)

    occurrences = [
        at
        for at in _exact_occurrences(search.folded, wanted)
        if _word_bounds(search.folded, at, at + len(wanted)) == (at, at + len(wanted))
    ]
    if occurrences:
        # Several copies: the one whose surroundings match the stored context.
        start = max(
            occurrences,
            key=lambda at: _context_score(search, at, at + len(wanted), prefix, suffix),
        )
        return _judge(
            search, start, start + len(wanted), 100.0, excerpt, cited_figure, True, language
        )

    candidate = _fuzzy_candidate(search, _DIGIT.sub("0", wanted), prefix, suffix)
    if candidate is None or candidate[2] < MATCH_THRESHOLD:
        return ExcerptMatch(
            state=MISSING,
            score=round(candidate[2], 1) if candidate else 0.0,
            expected_figure=cited_figure,
        )
    start, end, score = candidate
    return _judge(search, start, end, score, excerpt, cited_figure, False, language)


def diff_snapshots(
    older: Snapshot, newer: Snapshot, citations: Iterable[Citation] = (), *, fold: bool = True
) -> SnapshotDiff:
    """Word-level diff of two snapshots' main text, the cited passages marked: each excerpt as
    located in the older and in the newer text (so any two versions can be compared)."""
    if hasattr(citations, "select_related"):
        # Each excerpt's figures are read in its claim's language: joined, not one query each.
        citations = citations.select_related("claim")
    citations = list(citations)
    spans: list[tuple[str, int, int]] = []
    for which, snapshot in (("old", older), ("new", newer)):
        search = SearchText(snapshot.main_text)
        passages = []
        for citation in citations:
            match = locate_excerpt(
                citation.excerpt,
                search,
                prefix=citation.excerpt_prefix,
                suffix=citation.excerpt_suffix,
                language=excerpt_language(citation.excerpt, citation.claim.language),
            )
            passages.append(match.found_text)
        spans += cited_spans(which, snapshot.main_text, passages)
    segments = word_diff(older.main_text, newer.main_text, spans)
    changed = sum(len(s.text.split()) for s in segments if s.op in ("insert", "delete"))
    return SnapshotDiff(
        older_id=older.pk,
        newer_id=newer.pk,
        identical=older.content_hash == newer.content_hash,
        segments=fold_unchanged(segments) if fold else segments,
        changed_words=changed,
    )
