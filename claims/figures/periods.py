"""Periods of time a figure belongs to: "in 2024", "the year to June 2024", "so far this year"."""

from __future__ import annotations

import re

from claims.figures.lexicon import MONTH_NAMES, MONTHS

PERIOD_RE = re.compile(
    rf"""\b(?:(?:in|during|for|throughout|over|of)\s+)?(?P<period>
        (?:the\s+)?(?:financial\s+|calendar\s+|academic\s+|tax\s+)?year\s+(?:to|ending)\s+
            (?:(?:\d{{1,2}}\s+)?(?:{MONTHS})\s+)?(?:19|20)\d{{2}}
      | between\s+(?:{MONTH_NAMES}\s+)?(?:19|20)\d{{2}}\s+and\s+(?:{MONTH_NAMES}\s+)?(?:19|20)\d{{2}}
      | between\s+{MONTH_NAMES}(?:\s+(?:19|20)\d{{2}})?\s+and\s+{MONTH_NAMES}(?:\s+(?:19|20)\d{{2}})?
      | (?:19|20)\d{{2}}(?:\s?[/-]\s?\d{{2,4}})?(?!\d)
      | so\s+far\s+this\s+year
      | the\s+same\s+(?:period|time|month|quarter)\s+(?:a\s+year\s+(?:earlier|before|ago)|last\s+year)
      | (?:a|one)\s+year\s+(?:earlier|before|ago)
      | (?:this|last|next|the\s+past|the\s+last|the\s+previous)\s+
            (?:year|month|week|decade|quarter|parliament|(?:\d+|twelve|six|three)\s+(?:months|years))
      | (?:{MONTHS})\s+(?:19|20)\d{{2}}
      | (?<=\bin\s){MONTH_NAMES}
    )\b""",
    re.VERBOSE | re.IGNORECASE,
)


def clean_period(period: str) -> str:
    """One spelling of a period: single spaces, no leading "the" before "year to ..."."""
    period = re.sub(r"\s+", " ", period).strip()
    return re.sub(r"^the (?=(?:financial |calendar |academic |tax )?year )", "", period, flags=re.I)


def period_in(text: str, start: int, end: int, period_re: re.Pattern = PERIOD_RE) -> str:
    """The first period named in text[start:end] (by `period_re`, the language's), cleaned."""
    m = period_re.search(text, start, end)
    return clean_period(m.group("period")) if m else ""
