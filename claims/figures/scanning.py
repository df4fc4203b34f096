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

from claims.figures.english import (  # noqa: F401 - the English patterns, by their old names
    ADDRESS_RE,
    APPROXIMATION_BEFORE_RE,
    CHANGE_WORD_RE,
    ENGLISH,
    FRACTION_RE,
    LABEL_BEFORE_RE,
    NUMBER_RE,
    RATIO_RE,
    SENTENCE_END_RE,
)
from claims.figures.grammar import Grammar

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


def sentence_bounds(text: str, grammar: Grammar = ENGLISH) -> list[tuple[int, int]]:
    """(start, end) of each sentence; a change and its level are sought within one."""
    bounds, start = [], 0
    for m in grammar.sentence_end.finditer(text):
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


def scan(text: str, grammar: Grammar = ENGLISH) -> list[Token]:
    """Every span of `text` that may be a figure, in text order, read with `grammar`."""
    tokens = _number_tokens(text, grammar)
    taken = [(t.start, t.end) for t in tokens]
    tokens += _share_tokens(text, taken, grammar)
    tokens += _change_word_tokens(text, grammar)
    tokens.sort(key=lambda t: t.start)
    return tokens


def _number_tokens(text: str, grammar: Grammar) -> list[Token]:
    """Numbers in digits or words, with currency, multiplier, percent and counted noun."""
    tokens: list[Token] = []
    # "1 in 5" is one ratio, not two counts.
    ratio_spans = [m.span() for m in grammar.ratio.finditer(text)]
    for m in grammar.number.finditer(text):
        start, end = m.start(), m.end()
        if any(rs <= start < re_ for rs, re_ in ratio_spans):
            continue
        cur = (m.group("cur") or "").strip().upper()
        curword = (m.group("curword") or "").strip().lower()
        pct = (m.group("pct") or "").strip().lower()
        if m.group("digits"):
            value = _digits_value(m.group("digits"), grammar)
            mult = m.group("abbr") or m.group("mult") or ""
        else:
            value = _words_value(m.group("words"), grammar)
            mult = m.group("wmult")
        if mult:
            value *= grammar.multiplier(mult)
        if value.adjusted() >= MAX_INTEGER_DIGITS or len(m.group("digits") or "") > 40:
            continue  # a serial number or a run of digits, not a quantity anyone states
        # Text trailing whitespace inside optional groups is not part of the figure.
        while end > start and text[end - 1].isspace():
            end -= 1
        unit = _currency_unit(cur, curword)
        bare = m.group("digits") and not (cur or curword or pct or mult)
        if bare and len(m.group("digits")) <= 3 and grammar.label_before.search(text, 0, start):
            continue
        if bare and _is_date_number(text, start, end, m.group("digits"), grammar):
            continue
        if bare and re.fullmatch(r"(1[89]|20)\d{2}", m.group("digits")):
            unit_after, _noun = _unit_after(text, end, grammar)
            if unit_after != "people":
                tokens.append(Token(start, end, value, "count", "year"))
                continue
        kind = "quantity"
        points = False
        noun = ""
        if pct:
            unit, kind = "percent", "percent"
            points = bool(grammar.points.search(pct))
        elif unit == "count":
            unit, noun = _unit_after(text, end, grammar)
        approx, astart = _approximation_before(text, start, grammar)
        tokens.append(
            Token(
                astart if approx != "exact" else start, end, value, unit, kind, points, approx, noun
            )
        )
    return tokens


def _share_tokens(text: str, taken: list[tuple[int, int]], grammar: Grammar) -> list[Token]:
    """Shares of a whole ("one in five", "a third of") where no number token already is."""

    def free(s: int, e: int) -> bool:
        return all(e <= ts or s >= te for ts, te in taken)

    tokens = []
    words = grammar.small_words
    for m in grammar.ratio.finditer(text):
        if not free(m.start(), m.end()):
            continue
        num, den = m.group("num").lower(), m.group("den").lower()
        n = Decimal(num) if num.isdigit() else Decimal(words.get(num, 0))
        d = Decimal(den) if den.isdigit() else Decimal(words.get(den, 0))
        if d <= 0 or n <= 0 or n >= d:
            continue
        value = (n / d * 100).quantize(Decimal("0.0001"))
        tokens.append(_share_token(text, m, value, grammar))
    for m in grammar.fraction.finditer(text):
        if not free(m.start(), m.end()):
            continue
        frac = (m.group("frac") or "half").lower()
        num = (m.group("num") or "").lower()
        count = Decimal(words.get(num, 1))  # "half of", "la mitad de": one half
        value = (count * grammar.fractions[frac] * 100).quantize(Decimal("0.0001"))
        tokens.append(_share_token(text, m, value, grammar))
    return tokens


def _change_word_tokens(text: str, grammar: Grammar) -> list[Token]:
    """Changes stated as multiples ("doubled", "more than halved"), in percent."""
    tokens = []
    for m in grammar.change_word.finditer(text):
        change = grammar.change_words[" ".join(m.group("word").lower().split())]
        tok = Token(m.start(), m.end(), Decimal(change), "percent", "change")
        tok.change = Decimal(change)
        tok.approximation = "more_than" if m.group("more") else "exact"
        tokens.append(tok)
    return tokens


# The currencies by their symbol, code or (in any language) the start of their name.
_CURRENCIES = (
    ("GBP", ("£", "gbp", "pound", "libra", "pfund")),
    ("EUR", ("€", "eur", "euro")),
    ("USD", ("$", "us$", "usd", "dollar", "us dollar", "us-dollar", "dólar", "dolar")),
)


def _currency_unit(cur: str, curword: str) -> str:
    cur, curword = cur.lower(), curword.lower().removeprefix("de").strip()
    for unit, spellings in _CURRENCIES:
        if cur in spellings or curword.startswith(spellings):
            return unit
    return "count"


def _digits_value(digits: str, grammar: Grammar) -> Decimal:
    """A run of digits as `grammar` writes numbers: "9.400" is 9400 in Spanish, 9.4 in English."""
    whole, frac = digits, ""
    if grammar.decimal_symbol in digits:
        whole, _, frac = digits.rpartition(grammar.decimal_symbol)
    elif "." in grammar.group_symbols and re.fullmatch(r"\d+\.(?:\d{1,2}|\d{4,})", digits):
        # "1.5" in Spanish or German copy is a decimal written the English way: a group of
        # thousands always has three digits.
        whole, _, frac = digits.partition(".")
    whole = "".join(ch for ch in whole if ch.isdigit())
    value = Decimal(whole or "0")
    return value + Decimal(f"0.{frac}") if frac else value


def _words_value(words: str, grammar: Grammar) -> Decimal:
    phrase = " ".join(words.lower().replace("-", " ").split())
    if phrase in grammar.half_words:
        return Decimal("0.5")
    return Decimal(sum(grammar.small_words[w] for w in phrase.split()))


def _approximation_before(text: str, start: int, grammar: Grammar) -> tuple[str, int]:
    """The marker just before a number ("nearly 100,000") and where the figure then starts."""
    m = grammar.approximation_before.search(text, max(0, start - 30), start)
    if m:
        return grammar.approximations[" ".join(m.group("phrase").lower().split())], m.start()
    return "exact", start


def _unit_after(text: str, end: int, grammar: Grammar) -> tuple[str, str]:
    """What a bare number counts: ("people", noun) for people nouns, else ("count", noun)."""
    m = grammar.people_after.match(text[end : end + 60])
    if m:
        noun = m.group("noun")
        return "people", noun.lower() if grammar.lowercase_nouns else noun
    m = grammar.noun_after.match(text[end : end + 40])
    noun = m.group("noun") if m else ""
    if noun.lower() in grammar.not_nouns:
        noun = ""
    return "count", noun


def _share_token(text: str, match: re.Match, value: Decimal, grammar: Grammar) -> Token:
    """A share of a whole ("one in five", "a third") as a percent, with any marker before it."""
    approx, astart = _approximation_before(text, match.start(), grammar)
    return Token(
        astart if approx != "exact" else match.start(),
        match.end(),
        value,
        "percent",
        "percent",
        approximation=approx,
    )


def _is_date_number(text: str, start: int, end: int, digits: str, grammar: Grammar) -> bool:
    """Dates, ordinals, times and street numbers: numbers that are not quantities."""
    if grammar.address_after.match(text, end):
        return True
    if not re.fullmatch(r"\d{1,2}", digits):
        return bool(grammar.ordinal_long.match(text[end : end + 3]))
    if grammar.date_after.match(text[end : end + 16]):
        return True
    if grammar.date_before.search(text[max(0, start - 12) : start]):
        return True
    return bool(grammar.ordinal_short.match(text[end : end + 3]))
