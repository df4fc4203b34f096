"""Candidate claims: every sentence of an article scored by the check-worthiness model.

`extract_candidates(text)` splits the text, finds each sentence's speaker and claimant, scores
all sentences in one batch with the trained model (claims.checkworthiness) and returns them
best first, each with the reasons behind its score and whether it reaches the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from claims import figures
from claims.checkworthiness import CheckworthinessModel, default_model
from claims.checkworthiness.cues import BOILERPLATE_RE
from claims.figures import ParsedFigure
from claims.hygiene import scrub_text
from claims.intake.sentences import split_sentences
from claims.intake.speakers import (
    PRONOUNS,
    ProposedClaimant,
    claimant_index,
    find_place,
    find_speaker,
    match_claimant,
    propose_claimant,
)
from claims.languages import detect_language
from claims.models import Claimant

# How many of the best candidates get word-level reasons (each costs a little hashing).
EXPLAINED = 60
# A claimant Claimwatch already tracks is named: what this newsroom checks (log-odds added to
# the model's, which was trained without our claimants).
KNOWN_CLAIMANT_LOG_ODDS = 0.5
# A figure Claimwatch can structure and check the arithmetic of. The model learnt from debate
# transcripts, where numbers are rarer and vaguer than in the reports editors bring to intake.
FIGURE_LOG_ODDS = 0.5
HEADING_FACTOR = 0.8  # the body usually states a headline's figure better
BOILERPLATE_FACTOR = 0.2  # "Photo: ...", "Read more" are never claims


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
    check_worthy: bool = False
    # The known claimant's name, else who the article names, as a new claimant to create.
    claimant_name: str = ""
    proposed_claimant: ProposedClaimant | None = None
    place: str = ""  # where the sentence says it was stated ("at the EPC meeting in Budapest")
    language: str = ""  # the article's language, which its figures were read in

    def as_dict(self) -> dict:
        """JSON-ready, figures included (their offsets are relative to `excerpt`)."""
        return {
            "sentence": self.sentence,
            "score": self.score,
            "check_worthy": self.check_worthy,
            "speaker": self.speaker,
            "excerpt": self.excerpt,
            "start": self.start,
            "end": self.end,
            "reasons": list(self.reasons),
            "claimant_id": self.claimant_id,
            "claimant_name": self.claimant_name,
            "proposed_claimant": (
                self.proposed_claimant.as_dict() if self.proposed_claimant else None
            ),
            "place": self.place,
            "language": self.language,
            "figures": [f.as_dict() for f in self.figures],
        }


@dataclass
class _Sentence:
    excerpt: str
    sentence: str
    start: int
    end: int
    heading: bool
    figures: list[ParsedFigure]
    speaker: str
    claimant: Claimant | None
    claimant_name: str
    proposed: ProposedClaimant | None
    place: str


def extract_candidates(
    text: str,
    *,
    claimants: Iterable[Claimant] | None = None,
    limit: int | None = None,
    threshold: float | None = None,
    model: CheckworthinessModel | None = None,
    language: str | None = None,
) -> list[Candidate]:
    """Sentences of `text` ranked by check-worthiness, best first (tables and headings without
    figures left out); `check_worthy` marks those at or above `threshold` (default: the
    model's, chosen by cross-validation). Figures are read in `language`, detected from the
    whole text when not given.

    Offsets are into `text` scrubbed (claims.hygiene): callers pass text already cleaned.
    """
    text = scrub_text(text)
    # Once for the article: a sentence alone is often too short to tell its language.
    language = language or detect_language(text)
    model = model or default_model()
    threshold = model.threshold if threshold is None else threshold
    if claimants is None:
        claimants = Claimant.objects.only("pk", "name", "role", "kind")
    sentences = _sentences_of(text, claimant_index(claimants), language)
    decisions = model.decision_values([s.sentence for s in sentences])
    scored = []
    for sentence, decision in zip(sentences, decisions.tolist(), strict=True):
        notes = []
        if sentence.figures:
            decision += FIGURE_LOG_ODDS
            notes.append(f"checkable figure +{FIGURE_LOG_ODDS:.2f}")
        if sentence.claimant is not None:
            decision += KNOWN_CLAIMANT_LOG_ODDS
            notes.append(f"names claimant {sentence.claimant_name} +{KNOWN_CLAIMANT_LOG_ODDS:.2f}")
        score = float(model.probability_of(decision))
        if sentence.heading:
            score *= HEADING_FACTOR
            notes.append("heading")
        if BOILERPLATE_RE.match(sentence.sentence):
            score *= BOILERPLATE_FACTOR
            notes.append("boilerplate")
        scored.append((round(score, 4), sentence, notes))
    scored.sort(key=lambda item: (-item[0], item[1].start))
    if limit is not None:
        scored = scored[:limit]
    return [
        _candidate(
            sentence, score, notes, model, threshold, explain=rank < EXPLAINED, language=language
        )
        for rank, (score, sentence, notes) in enumerate(scored)
    ]


def _sentences_of(text: str, index: list, language: str) -> list[_Sentence]:
    found, last_named = [], ""
    for span in split_sentences(text):
        if span.kind == "table":
            continue
        excerpt = text[span.start : span.end]
        parsed = figures.parse_figures(excerpt, language)
        # A headline with a number is a claim too ("Returns up 19% to 9,400"); headings
        # without numbers are section titles.
        if span.kind == "heading" and not parsed:
            continue
        sentence = re.sub(r"\s+", " ", excerpt).strip()
        speaker = find_speaker(sentence)
        if speaker.lower() in PRONOUNS:
            # "…,” he added.": the last person named as a speaker.
            speaker = last_named
        elif speaker:
            last_named = speaker
        claimant, claimant_name = match_claimant(sentence, speaker, index)
        found.append(
            _Sentence(
                excerpt=excerpt,
                sentence=sentence,
                start=span.start,
                end=span.end,
                heading=span.kind == "heading",
                figures=parsed,
                speaker=speaker,
                claimant=claimant,
                claimant_name=claimant_name,
                proposed=None if claimant else propose_claimant(speaker, text),
                place=find_place(sentence),
            )
        )
    return found


def _candidate(
    sentence: _Sentence,
    score: float,
    notes: list[str],
    model: CheckworthinessModel,
    threshold: float,
    *,
    explain: bool,
    language: str,
) -> Candidate:
    reasons = [str(reason) for reason in model.explain(sentence.sentence)] if explain else []
    if sentence.figures:
        reasons.append(f"{len(sentence.figures)} figure{'s' if len(sentence.figures) > 1 else ''}")
        if any(f.stated_change_pct is not None for f in sentence.figures):
            reasons.append("stated change")
    if sentence.speaker:
        reasons.append(f"attributed to {sentence.speaker}")
    if sentence.sentence.rstrip("”\"’' ").endswith("?"):
        reasons.append("question")
    return Candidate(
        sentence=sentence.sentence,
        score=score,
        figures=sentence.figures,
        speaker=sentence.speaker,
        excerpt=sentence.excerpt,
        start=sentence.start,
        end=sentence.end,
        reasons=reasons + notes,
        claimant_id=sentence.claimant.pk if sentence.claimant else None,
        check_worthy=score >= threshold,
        claimant_name=sentence.claimant.name if sentence.claimant else "",
        proposed_claimant=sentence.proposed,
        place=sentence.place,
        language=language,
    )


def article_place(text: str, within: int = 6) -> str:
    """Where the article's statements were made, if its opening sentences say so (the place
    a report sets its scene in: "Speaking at the EPC meeting in Budapest, ...")."""
    sentences = [s for s in split_sentences(text) if s.kind == "sentence"][:within]
    for span in sentences:
        place = find_place(re.sub(r"\s+", " ", text[span.start : span.end]))
        if place:
            return place
    return ""


def title_for(sentence: str, max_length: int = 75) -> str:
    """A short title from the sentence, cut at a word boundary (ClaimReview allows 75)."""
    sentence = sentence.strip().strip('“”"')
    if len(sentence) <= max_length:
        return sentence
    cut = sentence[: max_length - 1].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"
