"""What the figures parser needs to know about one language: its number symbols, its words of
quantity, and the patterns built from them.

A `Grammar` is plain data (compiled patterns, word tables); `claims.figures.english`,
`claims.figures.spanish` and `claims.figures.german` define one each, and
`claims.figures.languages.grammar_for` picks one by language code. The scanner and the
parser's passes read only this, so a new language is a new grammar, not new passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

NEVER = re.compile(r"(?!)")  # a pattern for what a language has no words for


@dataclass(frozen=True)
class Grammar:
    """One language's spelling of quantities, for `scan` and the parsing passes."""

    code: str
    # Number symbols: what separates groups of digits and what marks decimals ("9.400,5").
    decimal_symbol: str
    group_symbols: str

    # --- scanning -------------------------------------------------------------------------
    # Groups: cur, digits, abbr, mult, words, wmult, pct, curword.
    number: re.Pattern
    ratio: re.Pattern  # groups num, den: "one in five", "uno de cada cinco"
    fraction: re.Pattern  # groups num, frac: "a third of", "la mitad de"
    change_word: re.Pattern  # groups more, word: "doubled", "se duplicó"
    label_before: re.Pattern  # searched, ends at the number: "aged ", "Artikel "
    address_after: re.Pattern  # matched at the number's end: " Downing Street"
    sentence_end: re.Pattern
    approximation_before: re.Pattern  # group phrase, ends at the number
    people_after: re.Pattern  # group noun, matched right after the number
    noun_after: re.Pattern  # group noun
    points: re.Pattern  # searched in the percent suffix: percentage points, not percent
    date_after: re.Pattern  # matched after a 1-2 digit number: "th of May", " de marzo"
    date_before: re.Pattern  # searched just before it: "May "
    ordinal_short: re.Pattern  # matched after a 1-2 digit number: "th", ":30"
    ordinal_long: re.Pattern  # matched after a longer number
    approximations: Mapping[str, str]
    small_words: Mapping[str, int]
    half_words: frozenset[str]  # number words worth one half ("half a", "medio", "halbe")
    multipliers: Mapping[str, Decimal]
    fractions: Mapping[str, Decimal]
    change_words: Mapping[str, int]
    not_nouns: frozenset[str]

    # --- parsing --------------------------------------------------------------------------
    change_before: re.Pattern  # group dir, ends at a percentage: "up ", "un aumento del "
    change_after: re.Pattern  # group dir, matched at its end: " more", " gestiegen"
    down_words: frozenset[str]  # direction words that make a change negative
    to_level: re.Pattern  # "rose 3.5% to £12bn"
    baseline: re.Pattern  # "from ", "que en ", "gegenüber "
    baseline_gap: re.Pattern  # between a level and its baseline level: ", down from "
    clause_break: re.Pattern
    from_before: re.Pattern  # searched before a level: "from " (of "from 7,000 to 9,400")
    from_to_between: re.Pattern  # fullmatched between the two levels: " to "
    period: re.Pattern  # group period
    # German states a direction after the comparison: "um 19 % gegenüber 2023 gestiegen".
    direction_after_baseline: bool = False
    lowercase_nouns: bool = True

    def multiplier(self, word: str) -> Decimal:
        """The factor of a multiplier as written ("million", "Mio", "mil millones")."""
        return self.multipliers[" ".join(word.lower().rstrip(".").split())]

    def direction_sign(self, word: str) -> int:
        """-1 for a word that says down ("fell", "cayó", "gesunken"), else 1."""
        return -1 if " ".join(word.lower().split()) in self.down_words else 1


def alternation(words) -> str:
    """A regex alternation of `words`, longest first (so "mil millones" wins over "mil")."""
    escaped = (re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return "|".join(escaped) or "(?!)"


def digits_pattern(decimal_symbol: str, group_symbols: str) -> str:
    """Digits as a language groups and splits them: "9.400,5" and "9 400" for Spanish.

    Spaces (plain, no-break, narrow no-break, thin) group digits in every language; a group of
    thousands has three digits, so "1.5" in comma-decimal copy is read as a decimal.
    """
    groups = "".join(dict.fromkeys(group_symbols + "\u00a0\u202f\u2009 "))
    group = f"[{re.escape(groups)}]"
    dec = re.escape(decimal_symbol)
    loose = r"|\d+\.(?:\d{1,2}|\d{4,})(?!\d)" if "." in groups else ""
    return (
        rf"\d{{1,3}}(?:{group}\d{{3}})+(?:{dec}\d+)?(?!\d)(?!{dec}\d)"
        rf"{loose}|\d+(?:{dec}\d+)?|{dec}\d+"
    )


def number_pattern(
    *,
    digits: str,
    abbreviations: str,
    multipliers: str,
    number_words: str,
    percent: str,
    currency_after: str,
) -> re.Pattern:
    """The scanner's number pattern for a language whose multipliers and currencies follow the
    number ("75 millones de libras", "75 Mio. €"); groups as in the English `NUMBER_RE`."""
    return re.compile(
        rf"""
        (?<![\w.,:£€$/-])
        (?P<cur>US\$|£|€|\$|(?:GBP|EUR|USD)\s?)?
        (?:
            (?P<digits>{digits})
            (?:\s?(?P<abbr>{abbreviations})(?!\w)|\s+(?P<mult>{multipliers})\b)?
            (?![^\W_])
          |
            (?P<words>{number_words})\s+(?P<wmult>{multipliers})\b
        )
        (?P<pct>{percent})?
        (?P<curword>{currency_after})?
        """,
        re.VERBOSE | re.IGNORECASE,
    )
