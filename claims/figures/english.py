"""English as news copy writes quantities: "£75m", "9,400 people", "up 19% on 2023".

The patterns here are the English `Grammar` (`ENGLISH`); `claims.figures.scanning` and
`claims.figures.parsing` re-export them under their historical names.
"""

from __future__ import annotations

import re
from decimal import Decimal

from claims.figures.grammar import Grammar
from claims.figures.lexicon import (
    APPROXIMATION_PHRASES,
    APPROXIMATIONS,
    CHANGE_WORDS,
    DIGIT_SEPARATOR,
    DOWN_WORD_ALTERNATION,
    DOWN_WORDS,
    FRACTIONS,
    MONTHS,
    MULTIPLIERS,
    NOT_NOUNS,
    NUMBER_WORDS,
    PEOPLE_NOUN_MODIFIERS,
    PEOPLE_NOUNS,
    SMALL_WORDS,
    UNIT_WORDS,
    UP_WORDS,
)
from claims.figures.periods import PERIOD_RE

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
PEOPLE_AFTER_RE = re.compile(
    rf"\s+(?:(?:{PEOPLE_NOUN_MODIFIERS})\s+){{0,2}}(?P<noun>{PEOPLE_NOUNS})\b", re.IGNORECASE
)
NOUN_AFTER_RE = re.compile(r"\s+(?P<noun>[a-z][a-z-]{2,})\b")

CHANGE_BEFORE_RE = re.compile(
    rf"\b(?P<dir>{UP_WORDS}|{DOWN_WORD_ALTERNATION})\s+(?:by\s+|of\s+)?(?:(?:nearly|almost|about|around|more\s+than|over|some|roughly)\s+)?$",
    re.IGNORECASE,
)
# Used with .match(text, pos, endpos): anchored at pos without slicing the text.
CHANGE_AFTER_RE = re.compile(rf"[\s-]*(?P<dir>{UP_WORDS}|{DOWN_WORD_ALTERNATION})\b", re.IGNORECASE)
TO_LEVEL_RE = re.compile(r"\s*(?:to|at)\s+", re.IGNORECASE)  # "rose 3.5% to £12bn"
BASELINE_RE = re.compile(
    r"[\s,]*(?:(?:increase|rise|jump|growth|decrease|fall|drop|decline|reduction|higher|lower|more|fewer|less)\s+)?"
    r"(?:(?:from|on|compared\s+(?:with|to)|than|since|over|versus|vs\.?)\s+)(?:in\s+)?",
    re.IGNORECASE,
)
BASELINE_GAP_RE = re.compile(
    r"(?:\s+in\s+[\w ]{3,20}?)?,?\s*(?:(?:up|down|rising|falling|an?\s+(?:increase|rise|fall|drop))\s+)?"
    r"(?:from|compared\s+(?:with|to)|against|versus|vs\.?)\s+",
    re.IGNORECASE,
)
CLAUSE_BREAK_RE = re.compile(
    r",\s+(?:and|but|while|whereas|although)\b|;|\b(?:while|whereas|but|although)\b", re.IGNORECASE
)


ENGLISH = Grammar(
    code="en",
    decimal_symbol=".",
    group_symbols=",\u00a0\u202f\u2009 ",
    number=NUMBER_RE,
    ratio=RATIO_RE,
    fraction=FRACTION_RE,
    change_word=CHANGE_WORD_RE,
    label_before=LABEL_BEFORE_RE,
    address_after=ADDRESS_RE,
    sentence_end=SENTENCE_END_RE,
    approximation_before=APPROXIMATION_BEFORE_RE,
    people_after=PEOPLE_AFTER_RE,
    noun_after=NOUN_AFTER_RE,
    points=re.compile(r"point|^pp$"),
    date_after=re.compile(rf"(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\b", re.IGNORECASE),
    date_before=re.compile(rf"\b(?:{MONTHS})\s+$", re.IGNORECASE),
    ordinal_short=re.compile(r"(?:st|nd|rd|th)\b|:\d|\.\d"),
    ordinal_long=re.compile(r"(?:st|nd|rd|th)\b|:\d"),
    approximations=APPROXIMATIONS,
    small_words=SMALL_WORDS,
    half_words=frozenset({"half a"}),
    multipliers={**MULTIPLIERS, "hundred": Decimal(100)},
    fractions=FRACTIONS,
    change_words=CHANGE_WORDS,
    not_nouns=NOT_NOUNS,
    change_before=CHANGE_BEFORE_RE,
    change_after=CHANGE_AFTER_RE,
    down_words=frozenset(DOWN_WORDS),
    to_level=TO_LEVEL_RE,
    baseline=BASELINE_RE,
    baseline_gap=BASELINE_GAP_RE,
    clause_break=CLAUSE_BREAK_RE,
    from_before=re.compile(r"\bfrom\s+$"),
    from_to_between=re.compile(r"\s+to\s+"),
    period=PERIOD_RE,
)
