"""Quantities in claims: parsing them as news in each language writes them, and checking their
arithmetic.

The package, by concept:

- `grammar`: what the parser needs to know of one language (`Grammar`); `english`, `spanish`
  and `german` define one each, `languages.grammar_for` picks one by code (Babel's number
  symbols for any other language);
- `lexicon`: the English words of quantities (number words, multipliers, approximations,
  people nouns, months, direction words);
- `scanning`: the spans of text that may be figures, and the sentences they sit in;
- `periods`: the periods of time a figure belongs to;
- `parsing`: the passes that relate those spans into `ParsedFigure`s (`parse_figures(text,
  language)` in `languages`);
- `arithmetic`: implied baseline, change in percent, consistency within rounding;
- `display`: numbers and quantities as readers write them;
- `verdicts`: `check_figure` / `check_statement`, the arithmetic verdict on a statement.

Everything here is plain Python (no Django, no other module of the project), so models,
services and views can all use it. Import from `claims.figures`; the modules are its layout.
"""

from claims.figures.arithmetic import (
    change_is_consistent,
    change_pct,
    implied_baseline,
    rounding_tolerance,
)
from claims.figures.display import UNIT_PREFIX, format_number, format_quantity
from claims.figures.grammar import Grammar
from claims.figures.languages import grammar_for, parse_figures, primary_language
from claims.figures.lexicon import (
    APPROXIMATIONS,
    DOWN_WORDS,
    FRACTIONS,
    MONTHS,
    MULTIPLIERS,
    PEOPLE_NOUNS,
    SMALL_WORDS,
)
from claims.figures.parsing import (
    ATTACH_DISTANCE,
    BASELINE_GAP_RE,
    BASELINE_RE,
    CHANGE_AFTER_RE,
    CHANGE_BEFORE_RE,
    CLAUSE_BREAK_RE,
    TO_LEVEL_RE,
    ParsedFigure,
    parse_with,
)
from claims.figures.periods import PERIOD_RE
from claims.figures.scanning import (
    ADDRESS_RE,
    APPROXIMATION_BEFORE_RE,
    CHANGE_WORD_RE,
    FRACTION_RE,
    LABEL_BEFORE_RE,
    MAX_INTEGER_DIGITS,
    NUMBER_RE,
    RATIO_RE,
    SENTENCE_END_RE,
)
from claims.figures.verdicts import ArithmeticVerdict, check_figure, check_statement

__all__ = [
    "ADDRESS_RE",
    "APPROXIMATIONS",
    "APPROXIMATION_BEFORE_RE",
    "ATTACH_DISTANCE",
    "BASELINE_GAP_RE",
    "BASELINE_RE",
    "CHANGE_AFTER_RE",
    "CHANGE_BEFORE_RE",
    "CHANGE_WORD_RE",
    "CLAUSE_BREAK_RE",
    "DOWN_WORDS",
    "FRACTIONS",
    "FRACTION_RE",
    "LABEL_BEFORE_RE",
    "MAX_INTEGER_DIGITS",
    "MONTHS",
    "MULTIPLIERS",
    "NUMBER_RE",
    "PEOPLE_NOUNS",
    "PERIOD_RE",
    "RATIO_RE",
    "SENTENCE_END_RE",
    "SMALL_WORDS",
    "TO_LEVEL_RE",
    "UNIT_PREFIX",
    "ArithmeticVerdict",
    "Grammar",
    "ParsedFigure",
    "change_is_consistent",
    "change_pct",
    "check_figure",
    "check_statement",
    "format_number",
    "format_quantity",
    "grammar_for",
    "implied_baseline",
    "parse_figures",
    "parse_with",
    "primary_language",
    "rounding_tolerance",
]
