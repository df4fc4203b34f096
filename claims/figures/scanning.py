"""Scanning text for the spans that can be figures, before any of them is related to another.

`scan` turns a text into `Token`s in text order: amounts ("£75m", "9,400 people", "two
million"), percentages and shares ("19%", "one in five", "a third of"), years, and change
verbs ("doubled"). Numbers that only label something ("aged 16", "10 Downing Street", dates,
times) are left out here. `sentence_bounds` gives the sentences the parser works within.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import parse_decimal

from claims.figures.lexicon import (
    APPROXIMATION_PHRASES,
    APPROXIMATIONS,
    CHANGE_WORDS,
    DIGIT_SEPARATOR,
    FRACTIONS,
    MONTHS,
    MULTIPLIERS,
    NOT_NOUNS,
    NUMBER_WORDS,
    PEOPLE_NOUN_MODIFIERS,
    PEOPLE_NOUNS,
    SMALL_WORDS,
    UNIT_WORDS,
)

NUMBER_RE = re.compile(
    rf"""
    (?<![\w.,:£€$/-])(?<![A-Za-z]-)
    (?P<cur>US\$|£|€|\$|(?:GBP|EUR|USD)\s?)?
    (?:
        (?P<digits>\d{{1,3}}(?:{DIGIT_SEPARATOR}\d{{3}})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?|\.\d+)
        (?:(?P<abbr>bn|mn|tn|m|k)\b|\s+(?P<mult>thousand|million|billion|trillion)\b)?
        # "10am", "5G", "4x4" are not quantities (but "3pp" and "5percent" are).
        (?!(?!pp\b|per\s?cent|percent)[A-Za-z\d])
      |
        (?P<words>(?:{NUMBER_WORDS})(?:[- ](?:{UNIT_WORDS}))?|an?|half\s+a)
        \s+(?P<wmult>hundred|thousand|million|billion|trillion)\b(?!\s+of\b)
    )
    (?P<pct>\s?%|\s?per\s?cent\b|\s?percent\b|\s+percentage\s+points?\b|\s?pp\b)?
    (?P<curword>\s+(?:pounds?(?:\s+sterling)?|euros?|(?:US\s+)?dollars?)\b)?
    """,
    re.VERBOSE | re.IGNORECASE,
)
RATIO_RE = re.compile(
    rf"(?<![\d,.])\b(?P<num>one|two|three|four|[1-9])\s+in\s+(?P<den>{NUMBER_WORDS}|[1-9]\d?)\b"
    r"(?![,.]?\d|\s*%)",
    re.IGNORECASE,
)
FRACTION_RE = re.compile(
    r"\b(?P<num>a|one|two|three|four|nine)[- ](?P<frac>half|thirds?|quarters?|fifths?|tenths?)"
    r"(?=\s+of\b)|\bhalf(?=\s+of\b)",
    re.IGNORECASE,
)
CHANGE_WORD_RE = re.compile(
    r"\b(?:(?P<more>more\s+than\s+)?(?P<word>doubled|halved|tripled|trebled|quadrupled))\b",
    re.IGNORECASE,
)
# "aged 16", "Section 21", "number 10": a label's number, not a quantity.
LABEL_BEFORE_RE = re.compile(
    r"\b(?:aged|ages?|article|section|clause|chapter|part|page|paragraph|schedule|level|stage|"
    r"phase|tier|band|grade|room|platform|gate|junction|flight|volume|vol\.|no\.|number|"
    r"key\s+stage|year|covid|category|type|class|step|item|question|ward)\s+$",
    re.IGNORECASE,
)
# "10 Downing Street" is an address, not a quantity.
ADDRESS_RE = re.compile(
    r"\s+(?:[A-Z][a-z]+\s+){1,2}(?:Street|Road|Avenue|Lane|Square|Place|Way|Close)\b"
)
SENTENCE_END_RE = re.compile(r"[.!?][\"”’')\]]*(?=\s)|\n")
APPROXIMATION_BEFORE_RE = re.compile(rf"\b(?P<phrase>{APPROXIMATION_PHRASES})\s+$", re.I)
_PEOPLE_AFTER_RE = re.compile(
    rf"\s+(?:(?:{PEOPLE_NOUN_MODIFIERS})\s+){{0,2}}(?P<noun>{PEOPLE_NOUNS})\b", re.IGNORECASE
)
_NOUN_AFTER_RE = re.compile(r"\s+(?P<noun>[a-z][a-z-]{2,})\b")

# Figure.value holds 20 digits with 4 decimals: 16 before the point.
MAX_INTEGER_DIGITS = 16


@dataclass
class Token:
    """A span that may be a figure; the parser's passes fill in what relates it to others."""

    start: int
    end: int
    value: Decimal
    unit: str
    kind: str  # quantity, percent, year, date, change
    points: bool = False
    approximation: str = "exact"
    noun: str = ""
    change: Decimal | None = None
    baseline_period: str = ""
    baseline_value: Decimal | None = None
    period: str = ""
    absorbed: bool = False  # folded into another figure (its baseline, its change)
    is_change: bool = False


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; a change and its level are sought within one."""
    bounds, start = [], 0
    for m in SENTENCE_END_RE.finditer(text):
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


def scan(text: str) -> list[Token]:
    """Every span of `text` that may be a figure, in text order."""
    tokens = _number_tokens(text)
    taken = [(t.start, t.end) for t in tokens]
    tokens += _share_tokens(text, taken)
    tokens += _change_word_tokens(text)
    tokens.sort(key=lambda t: t.start)
    return tokens


def _number_tokens(text: str) -> list[Token]:
    """Numbers in digits or words, with currency, multiplier, percent and counted noun."""
    tokens: list[Token] = []
    # "1 in 5" is one ratio, not two counts.
    ratio_spans = [m.span() for m in RATIO_RE.finditer(text)]
    for m in NUMBER_RE.finditer(text):
        start, end = m.start(), m.end()
        if any(rs <= start < re_ for rs, re_ in ratio_spans):
            continue
        cur = (m.group("cur") or "").strip().upper()
        curword = (m.group("curword") or "").strip().lower()
        pct = (m.group("pct") or "").strip().lower()
        if m.group("digits"):
            value = _digits_value(m.group("digits"))
            mult = (m.group("abbr") or m.group("mult") or "").lower()
        else:
            value = _words_value(m.group("words"))
            mult = m.group("wmult").lower()
        if mult == "hundred":
            value *= 100
        elif mult:
            value *= MULTIPLIERS[mult]
        if value.adjusted() >= MAX_INTEGER_DIGITS or len(m.group("digits") or "") > 40:
            continue  # a serial number or a run of digits, not a quantity anyone states
        # Text trailing whitespace inside optional groups is not part of the figure.
        while end > start and text[end - 1].isspace():
            end -= 1
        unit = _currency_unit(cur, curword)
        bare = m.group("digits") and not (cur or curword or pct or mult)
        if bare and len(m.group("digits")) <= 3 and LABEL_BEFORE_RE.search(text, 0, start):
            continue
        if bare and _is_date_number(text, start, end, m.group("digits")):
            continue
        if bare and re.fullmatch(r"(1[89]|20)\d{2}", m.group("digits")):
            unit_after, _noun = _unit_after(text, end)
            if unit_after != "people":
                tokens.append(Token(start, end, value, "count", "year"))
                continue
        kind = "quantity"
        points = False
        noun = ""
        if pct:
            unit, kind = "percent", "percent"
            points = "point" in pct or pct == "pp"
        elif unit == "count":
            unit, noun = _unit_after(text, end)
        approx, astart = _approximation_before(text, start)
        tokens.append(
            Token(
                astart if approx != "exact" else start, end, value, unit, kind, points, approx, noun
            )
        )
    return tokens


def _share_tokens(text: str, taken: list[tuple[int, int]]) -> list[Token]:
    """Shares of a whole ("one in five", "a third of") where no number token already is."""

    def free(s: int, e: int) -> bool:
        return all(e <= ts or s >= te for ts, te in taken)

    tokens = []
    for m in RATIO_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        num, den = m.group("num").lower(), m.group("den").lower()
        n = Decimal(num) if num.isdigit() else Decimal(SMALL_WORDS[num])
        d = Decimal(den) if den.isdigit() else Decimal(SMALL_WORDS.get(den, 0))
        if d <= 0 or n >= d:
            continue
        value = (n / d * 100).quantize(Decimal("0.0001"))
        tokens.append(_share_token(text, m, value))
    for m in FRACTION_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        frac = (m.group("frac") or "half").lower()
        num = (m.group("num") or "a").lower()
        value = (Decimal(SMALL_WORDS[num]) * FRACTIONS[frac] * 100).quantize(Decimal("0.0001"))
        tokens.append(_share_token(text, m, value))
    return tokens


def _change_word_tokens(text: str) -> list[Token]:
    """Changes stated as multiples ("doubled", "more than halved"), in percent."""
    tokens = []
    for m in CHANGE_WORD_RE.finditer(text):
        change = CHANGE_WORDS[m.group("word").lower()]
        tok = Token(m.start(), m.end(), Decimal(change), "percent", "change")
        tok.change = Decimal(change)
        tok.approximation = "more_than" if m.group("more") else "exact"
        tokens.append(tok)
    return tokens


def _currency_unit(cur: str, curword: str) -> str:
    if cur in {"£", "GBP"} or curword.startswith("pound"):
        return "GBP"
    if cur in {"€", "EUR"} or curword.startswith("euro"):
        return "EUR"
    if cur in {"$", "US$", "USD"} or "dollar" in curword:
        return "USD"
    return "count"


def _digits_value(digits: str) -> Decimal:
    cleaned = re.sub(DIGIT_SEPARATOR, "", digits)
    if cleaned.startswith("."):
        cleaned = "0" + cleaned
    # babel knows the en_GB grouping and decimal symbols; separators were normalised above
    # because news copy also uses spaces and thin spaces.
    return Decimal(parse_decimal(cleaned, locale="en_GB"))


def _words_value(words: str) -> Decimal:
    parts = words.lower().replace("-", " ").split()
    if parts[:2] == ["half", "a"]:
        return Decimal("0.5")
    return Decimal(sum(SMALL_WORDS[w] for w in parts))


def _approximation_before(text: str, start: int) -> tuple[str, int]:
    """The marker just before a number ("nearly 100,000") and where the figure then starts."""
    m = APPROXIMATION_BEFORE_RE.search(text, max(0, start - 30), start)
    if m:
        return APPROXIMATIONS[m.group("phrase").lower()], m.start()
    return "exact", start


def _unit_after(text: str, end: int) -> tuple[str, str]:
    """What a bare number counts: ("people", noun) for people nouns, else ("count", noun)."""
    m = _PEOPLE_AFTER_RE.match(text[end : end + 60])
    if m:
        return "people", m.group("noun").lower()
    m = _NOUN_AFTER_RE.match(text[end : end + 40])
    noun = m.group("noun") if m else ""
    if noun in NOT_NOUNS:
        noun = ""
    return "count", noun


def _share_token(text: str, match: re.Match, value: Decimal) -> Token:
    """A share of a whole ("one in five", "a third") as a percent, with any marker before it."""
    approx, astart = _approximation_before(text, match.start())
    return Token(
        astart if approx != "exact" else match.start(),
        match.end(),
        value,
        "percent",
        "percent",
        approximation=approx,
    )


def _is_date_number(text: str, start: int, end: int, digits: str) -> bool:
    """Dates, ordinals, times and street numbers: numbers that are not quantities."""
    if ADDRESS_RE.match(text, end):
        return True
    if not re.fullmatch(r"\d{1,2}", digits):
        return bool(re.match(r"(?:st|nd|rd|th)\b|:\d", text[end : end + 3]))
    if re.match(
        rf"(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\b", text[end : end + 16], re.IGNORECASE
    ):
        return True
    if re.search(rf"\b(?:{MONTHS})\s+$", text[max(0, start - 12) : start], re.IGNORECASE):
        return True
    return bool(re.match(r"(?:st|nd|rd|th)\b|:\d|\.\d", text[end : end + 3]))
