"""Candidate claims from article text: which sentences are worth checking, and who said them.

`extract_candidates(text)` splits an article into sentences (robust to quotes, abbreviations,
headings and table rows), scores each for check-worthiness (figures, comparisons,
attributions, known claimants) and returns them best first with their parsed figures.
`title_for` shortens a sentence into a claim title. Plain functions of text (and the known
claimants): fetching an article and keeping candidates as drafts citing it is sources.intake.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from claims import figures
from claims.figures import ParsedFigure
from claims.hygiene import scrub_text
from claims.languages import detect_language
from claims.models import Claimant

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "rt",
        "hon",
        "gov",
        "govt",
        "no",
        "nos",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "approx",
        "est",
        "dept",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "fig",
        "u.k",
        "u.s",
        "u.n",
        "a.m",
        "p.m",
    ]
)
OPEN_QUOTES, CLOSE_QUOTES = "“‘«", "”’»"
SPEECH_VERBS = (
    "said|says|added|adds|told|tells|stated|states|claimed|claims|announced|announces|"
    "warned|warns|insisted|insists|argued|argues|revealed|reveals|confirmed|confirms|"
    "pledged|pledges|promised|promises|declared|declares|boasted|boasts|explained|explains|"
    "highlighted|highlights|urged|urges|echoed|echoes|wrote|writes|tweeted|posted|noted|notes"
)
_NAME = r"[A-Z][\w’'.-]*"
_SPEAKER = rf"(?:[Tt]he\s+)?(?:{_NAME}\s+){{0,5}}{_NAME}"
ACCORDING_RE = re.compile(
    rf"\b[Aa]ccording\s+to\s+(?P<who>(?:the\s+)?(?:{_NAME}\s+)*{_NAME}|the\s+(?:[a-z]+\s+){{0,2}}"
    r"(?:government|minister|department|office|council|police|regulator|authorities|figures|data))\b"
)
QUOTE_THEN_SPEAKER_RE = re.compile(
    rf"[”\"’],?\s*(?:(?P<who>{_SPEAKER}|he|she|they)\s+(?:{SPEECH_VERBS})|(?:{SPEECH_VERBS})\s+(?P<who2>{_SPEAKER}))\b"
)
SPEAKER_VERB_RE = re.compile(
    rf"(?P<who>{_SPEAKER})(?:,[^,]{{1,60}},)?\s+(?:has\s+|have\s+|had\s+|also\s+)?(?:{SPEECH_VERBS})\b"
)
COMPARISON_RE = re.compile(
    r"\b(?:increase[sd]?|increasing|rise|rose|risen|up|down|fell|fallen|fall|drop(?:ped)?|"
    r"decline[sd]?|more than|fewer than|less than|higher|lower|record|highest|lowest|"
    r"compared|since|doubled|halved|tripled|biggest|largest|smallest|grew|growth|cut)\b",
    re.IGNORECASE,
)
ATTRIBUTION_RE = re.compile(rf"\baccording to\b|\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)
OPINION_RE = re.compile(
    r"\b(?:should|must|need to|needs to|believe|think|hope[sd]?|vile|horrendous|"
    r"absolutely|critical|vital|key|pressing|will)\b",
    re.IGNORECASE,
)
PERIOD_HINT_RE = re.compile(r"\b(?:19|20)\d{2}\b|\b(?:this|last)\s+year\b", re.IGNORECASE)
PRONOUNS = {"he", "she", "they"}
ROLE_ABBREVIATIONS = {"Prime Minister": "PM", "Member of Parliament": "MP"}
BOILERPLATE_RE = re.compile(
    r"^(?:sources?|photo|image|picture|credit|read more|related|share|copyright|©)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidate:
    """A sentence worth checking. Figure offsets are relative to `excerpt`."""

    sentence: str
    score: float
    figures: list[ParsedFigure]
    speaker: str
    excerpt: str
    start: int
    end: int
    reasons: list[str] = field(default_factory=list)
    claimant_id: int | None = None
    language: str = ""  # the article's language, which its figures were read in

    def as_dict(self) -> dict:
        """JSON-ready, figures included (their offsets are relative to `excerpt`)."""
        return {
            "sentence": self.sentence,
            "score": self.score,
            "speaker": self.speaker,
            "excerpt": self.excerpt,
            "start": self.start,
            "end": self.end,
            "reasons": list(self.reasons),
            "claimant_id": self.claimant_id,
            "language": self.language,
            "figures": [f.as_dict() for f in self.figures],
        }


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str  # sentence, heading, table


def split_sentences(text: str) -> list[_Span]:
    """Sentences of an article with their offsets; headings and table rows are marked."""
    spans: list[_Span] = []
    lines = list(re.finditer(r"[^\n]+", text))
    i = 0
    while i < len(lines):
        line = lines[i]
        start, end = line.start(), line.end()
        content = line.group().strip()
        if not content:
            i += 1
            continue
        # "According to the PM," on its own line introduces the quote on the next one.
        while (
            content.endswith((",", ":"))
            and i + 1 < len(lines)
            and lines[i + 1].group().lstrip()[:1] in OPEN_QUOTES + '"'
        ):
            i += 1
            end = lines[i].end()
            content = text[start:end].strip()
        i += 1
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        start += lead
        end = start + len(text[start:end].rstrip())
        if "|" in content or re.fullmatch(r"[-|:\s]+", content):
            spans.append(_Span(start, end, "table"))
            continue
        if _looks_like_heading(content):
            spans.append(_Span(start, end, "heading"))
            continue
        bullet = re.match(r"[-*•]\s+|\d+[.)]\s+", text[start:end])
        if bullet:
            start += bullet.end()
        spans.extend(_split_paragraph(text, start, end))
    return spans


def _looks_like_heading(line: str) -> bool:
    if line[-1:] in '.!?”"’:;,' or line.startswith((*OPEN_QUOTES, '"')):
        return False
    return len(line.split()) <= 14


def _split_paragraph(text: str, start: int, end: int) -> list[_Span]:
    spans, sent_start, depth = [], start, 0
    pos = start
    while pos < end:
        ch = text[pos]
        if ch in OPEN_QUOTES and not (ch == "‘" and depth):
            depth += 1
        elif ch in "”»" or (ch == "’" and depth and not text[pos + 1 : pos + 2].isalpha()):
            depth = max(0, depth - 1)
        elif ch == '"':
            depth = 0 if depth else 1
        if ch in ".!?" and (depth == 0 or _closes_quote_and_sentence(text, pos, end)):
            stop = pos + 1
            while stop < end and text[stop] in CLOSE_QUOTES + '")]':
                stop += 1
            nxt = re.match(r"\s+", text[stop:end])
            if nxt and _is_boundary(text, sent_start, pos, stop + nxt.end()):
                spans.append(_Span(sent_start, stop, "sentence"))
                sent_start = stop + nxt.end()
                depth = 0
                pos = sent_start
                continue
        pos += 1
    if sent_start < end and text[sent_start:end].strip():
        spans.append(_Span(sent_start, end, "sentence"))
    return spans


def _closes_quote_and_sentence(text: str, pos: int, end: int) -> bool:
    """`…acted.” The next` ends a sentence even though we were inside a quote."""
    return bool(re.match(r"[.!?][”\"’]\s+[A-Z“\"]", text[pos : min(end, pos + 5)]))


def _is_boundary(text: str, sent_start: int, dot: int, next_start: int) -> bool:
    following = text[next_start : next_start + 1]
    if not following or not (following.isupper() or following.isdigit() or following in '“"‘'):
        return False
    if text[dot] != ".":
        return True
    word = re.search(r"([\w.]+)$", text[sent_start:dot])
    if word is None:
        return True
    token = word.group(1).lower()
    if token in ABBREVIATIONS or token.rstrip(".") in ABBREVIATIONS:
        return False
    # An initial ("J. Smith") is not the end of a sentence.
    return not (len(token) == 1 and token.isalpha() and text[dot - 1].isupper())


def find_speaker(sentence: str) -> str:
    """Who the sentence attributes its content to: "according to the government" → "the government"."""
    for regex in (QUOTE_THEN_SPEAKER_RE, ACCORDING_RE, SPEAKER_VERB_RE):
        m = regex.search(sentence)
        if m:
            who = m.group("who") if m.group("who") else m.groupdict().get("who2")
            if who:
                return _tidy_speaker(who)
    return ""


def _tidy_speaker(who: str) -> str:
    who = re.sub(r"\s+", " ", who).strip(" ,’'")
    first, _, rest = who.partition(" ")
    if first in {"The", "the"} and rest:
        return f"the {rest}"
    # "In Budapest the Prime Minister": keep from the last "the" on.
    m = re.search(r"\bthe\s+[A-Z].*$", who)
    return m.group() if m and m.start() else who


def _claimant_index(claimants: Iterable[Claimant]) -> list[tuple[re.Pattern, Claimant, str]]:
    index = []
    for claimant in claimants:
        names = {claimant.name}
        if claimant.kind == Claimant.Kind.PERSON and len(claimant.name.split()) > 1:
            names.add(claimant.name.split()[-1])  # "Cooper said"
        if claimant.role:
            names.add(claimant.role)
            # "Prime Minister of the United Kingdom" is "the Prime Minister" in copy.
            names.add(re.split(r"\s+(?:of|for|to)\s+", claimant.role)[0])
        for long_form, short_form in ROLE_ABBREVIATIONS.items():
            if any(long_form in n for n in names):
                names.add(short_form)
        if claimant.kind == Claimant.Kind.GOVERNMENT:
            names.add(claimant.name.split()[-1])  # "UK Government" → "the government"
        for name in names:
            if len(name) < 2:
                continue
            # "PM" only in capitals (not "4 pm"); names in any case.
            flags = 0 if name.isupper() else re.IGNORECASE
            index.append((re.compile(rf"\b{re.escape(name)}\b", flags), claimant, name))
    return index


def _match_claimant(
    sentence: str, speaker: str, index: list[tuple[re.Pattern, Claimant, str]]
) -> tuple[Claimant | None, str]:
    # The attributed speaker wins over any claimant merely mentioned in the sentence.
    for haystack in (speaker, sentence):
        if not haystack:
            continue
        for pattern, claimant, name in index:
            if pattern.search(haystack):
                return claimant, name
    return None, ""


def score_sentence(
    sentence: str, parsed: list[ParsedFigure], speaker: str, claimant_name: str
) -> tuple[float, list[str]]:
    """Check-worthiness points and the reasons behind them."""
    points, reasons = 0.0, []
    if parsed:
        points += 2.0 + 0.5 * min(len(parsed) - 1, 3)
        reasons.append(f"{len(parsed)} figure{'s' if len(parsed) > 1 else ''}")
        if any(f.unit in {"GBP", "EUR", "USD", "people"} for f in parsed):
            points += 0.5
        if any(f.stated_change_pct is not None for f in parsed):
            points += 1.0
            reasons.append("stated change")
    if COMPARISON_RE.search(sentence):
        points += 1.0
        reasons.append("comparison")
    if PERIOD_HINT_RE.search(sentence):
        points += 0.25
    if speaker or ATTRIBUTION_RE.search(sentence):
        points += 0.75
        reasons.append(f"attributed to {speaker}" if speaker else "attribution")
    if claimant_name:
        points += 0.75
        reasons.append(f"names claimant {claimant_name}")
    words = len(sentence.split())
    if BOILERPLATE_RE.match(sentence):
        points -= 3.0
        reasons.append("boilerplate")
    if sentence.rstrip('”"’ ').endswith("?"):
        points -= 2.0
        reasons.append("question")
    if not parsed and OPINION_RE.search(sentence):
        points -= 0.5
        reasons.append("opinion or rhetoric")
    if words < 6:
        points -= 1.0
        reasons.append("very short")
    elif words > 60:
        points -= 0.5
    return points, reasons


def extract_candidates(
    text: str,
    *,
    claimants: Iterable[Claimant] | None = None,
    limit: int | None = None,
    language: str | None = None,
) -> list[Candidate]:
    """Sentences of `text` ranked by check-worthiness, best first (headings and tables left out),
    their figures read in `language` (detected from the whole text when not given).

    Offsets are into `text` scrubbed (claims.hygiene): callers pass text already cleaned.
    """
    text = scrub_text(text)
    # Once for the article: a sentence alone is often too short to tell its language.
    language = language or detect_language(text)
    if claimants is None:
        claimants = Claimant.objects.only("pk", "name", "role", "kind")
    index = _claimant_index(claimants)
    candidates = []
    last_named = ""
    for span in split_sentences(text):
        if span.kind == "table":
            continue
        excerpt = text[span.start : span.end]
        sentence = re.sub(r"\s+", " ", excerpt).strip()
        if span.kind == "heading":
            # A headline with a number is a claim too ("Returns up 19% to 9,400"), but the
            # article body usually states it better; headings without numbers are dropped.
            parsed = figures.parse_figures(excerpt, language)
            if not parsed:
                continue
        speaker = find_speaker(sentence)
        if speaker.lower() in PRONOUNS:
            # "…,” he added.": the last person named as a speaker.
            speaker = last_named
        elif speaker:
            last_named = speaker
        claimant, claimant_name = _match_claimant(sentence, speaker, index)
        parsed = figures.parse_figures(excerpt, language)
        points, reasons = score_sentence(sentence, parsed, speaker, claimant_name)
        if span.kind == "heading":
            points -= 1.0
            reasons.append("heading")
        score = round(1 / (1 + math.exp(-(points - 2.0))), 4)
        candidates.append(
            Candidate(
                sentence=sentence,
                score=score,
                figures=parsed,
                speaker=speaker,
                excerpt=excerpt,
                start=span.start,
                end=span.end,
                reasons=reasons,
                claimant_id=claimant.pk if claimant else None,
                language=language,
            )
        )
    candidates.sort(key=lambda c: (-c.score, c.start))
    return candidates[:limit] if limit is not None else candidates


def title_for(sentence: str, max_length: int = 75) -> str:
    """A short title from the sentence, cut at a word boundary (ClaimReview allows 75)."""
    sentence = sentence.strip().strip('“”"')
    if len(sentence) <= max_length:
        return sentence
    cut = sentence[: max_length - 1].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"
