"""What the hand-set scorer looks for in a sentence, as named features the model also learns from.

The cues (figures, comparisons, attribution, opinion, questions, names, length) were the whole
of the first check-worthiness scorer; `rule_score` keeps that scorer, still used as the
baseline the trained model is measured against. `cue_vector` gives the same cues as numbers in
[0, 1] for the model. Plain Python over claims.figures: no Django.
"""

from __future__ import annotations

import math
import re

from claims import figures
from claims.figures import ParsedFigure

SPEECH_VERBS = (
    "said|says|added|adds|told|tells|stated|states|claimed|claims|announced|announces|"
    "warned|warns|insisted|insists|argued|argues|revealed|reveals|confirmed|confirms|"
    "pledged|pledges|promised|promises|declared|declares|boasted|boasts|explained|explains|"
    "highlighted|highlights|urged|urges|echoed|echoes|wrote|writes|tweeted|posted|noted|notes"
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
BOILERPLATE_RE = re.compile(
    r"^(?:sources?|photo|image|picture|credit|read more|related|share|copyright|©)\b",
    re.IGNORECASE,
)
# Quantities that parse_figures leaves to context ("millions of", "twice as many", "half").
QUANTITY_WORD_RE = re.compile(
    r"\b(?:\d[\d,.]*|hundreds?|thousands?|millions?|billions?|trillions?|percent|per cent|"
    r"half|twice|double[sd]?|triple[sd]?|majority|most|every|none|all)\b",
    re.IGNORECASE,
)
# Every figure parse_figures can find has one of these: the rest skip the parser.
MAY_HOLD_FIGURE_RE = re.compile(
    r"\d|\b(?:hundred|thousand|million|billion|trillion|half|thirds?|quarters?|fifths?|tenths?|"
    r"doubled|halved|tripled|trebled|quadrupled)\b|\b(?:one|two|three|four)\s+in\s",
    re.IGNORECASE,
)
# Records and votes are what debates check most often without a number.
RECORD_RE = re.compile(
    r"\b(?:voted|votes?|vetoed|passed|signed|opposed|supported|raised|cut|lost|created|"
    r"law|bill|tax(?:es)?|plan|never|always|first|only)\b",
    re.IGNORECASE,
)
# A capitalised word that does not open the sentence: a person, party, country or body named.
NAME_RE = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+")
FIRST_PERSON_RE = re.compile(r"^(?:I|I'm|I've|I'll|We|We're|We'll|Let me|Let's)\b")

CUE_NAMES = (
    "figures",
    "money or people",
    "stated change",
    "quantity words",
    "comparison",
    "period",
    "attribution",
    "names",
    "record or vote",
    "opinion or rhetoric",
    "question",
    "first person opener",
    "very short",
    "short",
    "long",
)


def figures_in(sentence: str) -> list[ParsedFigure]:
    """parse_figures, skipped for sentences that cannot hold a figure (most of a debate)."""
    return figures.parse_figures(sentence) if MAY_HOLD_FIGURE_RE.search(sentence) else []


def cue_vector(sentence: str, parsed: list[ParsedFigure] | None = None) -> list[float]:
    """The cues of `sentence` in CUE_NAMES order, each in [0, 1]."""
    if parsed is None:
        parsed = figures_in(sentence)
    words = len(sentence.split())
    return [
        min(len(parsed), 3) / 3,
        float(any(f.unit in {"GBP", "EUR", "USD", "people"} for f in parsed)),
        float(any(f.stated_change_pct is not None for f in parsed)),
        float(bool(QUANTITY_WORD_RE.search(sentence))),
        float(bool(COMPARISON_RE.search(sentence))),
        float(bool(PERIOD_HINT_RE.search(sentence))),
        float(bool(ATTRIBUTION_RE.search(sentence))),
        float(bool(NAME_RE.search(sentence))),
        float(bool(RECORD_RE.search(sentence))),
        # As the hand-set scorer read it: "will invest £1.5bn" is a pledge with a figure to
        # check, "we will win" is rhetoric.
        float(not parsed and bool(OPINION_RE.search(sentence))),
        float(sentence.rstrip("”\"’' ").endswith("?")),
        float(bool(FIRST_PERSON_RE.match(sentence))),
        float(words < 6),
        float(words < 10),
        float(words > 40),
    ]


def rule_points(
    sentence: str, parsed: list[ParsedFigure], speaker: str = "", claimant_name: str = ""
) -> tuple[float, list[str]]:
    """The hand-set scorer: check-worthiness points and the reasons behind them."""
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


def rule_score(sentence: str, parsed: list[ParsedFigure] | None = None) -> float:
    """The hand-set scorer's probability-like score in (0, 1); 0.5 was its threshold."""
    if parsed is None:
        parsed = figures_in(sentence)
    points, _reasons = rule_points(sentence, parsed)
    return 1 / (1 + math.exp(-(points - 2.0)))
