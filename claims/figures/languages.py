"""The grammar of each language the figures parser reads, by language code.

English, Spanish and German have their own words (`claims.figures.english`, `.spanish`,
`.german`); any other language is read with its number symbols from Babel ("9 400,5" in
French) and no words, so digits, "%" and currency symbols still parse. An unknown or empty code
reads as English, the site's first language.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol, get_group_symbol

from claims.figures.english import ENGLISH
from claims.figures.german import GERMAN
from claims.figures.grammar import NEVER, Grammar, digits_pattern, number_pattern
from claims.figures.parsing import ParsedFigure, parse_with
from claims.figures.spanish import SPANISH

GRAMMARS = {"en": ENGLISH, "es": SPANISH, "de": GERMAN}


def primary_language(code: str | None) -> str:
    """The language subtag of a BCP 47 tag: "es-MX" → "es", "en_GB" → "en"."""
    return re.split(r"[-_]", (code or "").strip().lower(), maxsplit=1)[0]


@lru_cache(maxsize=64)
def grammar_for(language: str | None) -> Grammar:
    """The grammar figures in `language` are read with ("es", "de-AT", "fr"; English if unknown)."""
    code = primary_language(language)
    if code in GRAMMARS:
        return GRAMMARS[code]
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return ENGLISH
    return _symbols_only(code)


def _symbols_only(code: str) -> Grammar:
    """A language without a word list: its own number symbols, "%" and currency symbols."""
    decimal, group = get_decimal_symbol(code), get_group_symbol(code)
    if decimal == ENGLISH.decimal_symbol:
        return replace(ENGLISH, code=code)
    number = number_pattern(
        digits=digits_pattern(decimal, group),
        abbreviations=NEVER.pattern,
        multipliers=NEVER.pattern,
        number_words=NEVER.pattern,
        percent=r"\s?%",
        currency_after=r"\s?(?:€|£|\$)",
    )
    return replace(
        SPANISH,  # the scanner's passes with no words: every word pattern below never matches
        code=code,
        decimal_symbol=decimal,
        group_symbols=group,
        number=number,
        ratio=NEVER,
        fraction=NEVER,
        change_word=NEVER,
        label_before=NEVER,
        approximation_before=NEVER,
        people_after=NEVER,
        noun_after=NEVER,
        date_after=NEVER,
        date_before=NEVER,
        change_before=NEVER,
        change_after=NEVER,
        to_level=NEVER,
        baseline=NEVER,
        baseline_gap=NEVER,
        clause_break=re.compile(r";"),
        from_before=NEVER,
        from_to_between=NEVER,
        period=re.compile(r"\b(?P<period>(?:19|20)\d{2})\b"),
    )


def parse_figures(text: str, language: str | None = "en") -> list[ParsedFigure]:
    """Every quantity in `text` as `language` writes them ("9.400" is 9400 in "es", 9.4 in
    "en"), in order, with unit, approximation, period and stated change."""
    return parse_with(text, grammar_for(language))
