"""Quantities in claims: arithmetic checks and display.

The parser for quantities as people write them (`parse_figures`) builds on these helpers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice

from babel.numbers import parse_decimal

UNIT_PREFIX = {"GBP": "£", "EUR": "€", "USD": "$"}


def implied_baseline(value: Decimal, stated_change_pct: Decimal) -> Decimal | None:
    """The earlier value that `value` implies given a stated change: 9,400 up 19% → 7,899.16."""
    factor = 1 + Decimal(stated_change_pct) / 100
    if factor <= 0:
        return None
    return (Decimal(value) / factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def change_pct(baseline_value: Decimal, value: Decimal) -> Decimal | None:
    """The change from `baseline_value` to `value` in percent; None from a zero baseline."""
    baseline_value = Decimal(baseline_value)
    if baseline_value == 0:
        return None
    pct = (Decimal(value) - baseline_value) / baseline_value * 100
    return pct.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rounding_tolerance(stated_change_pct: Decimal) -> Decimal:
    """Half a unit of the stated figure's last digit: "19%" covers 18.5..19.5."""
    exponent = Decimal(stated_change_pct).normalize().as_tuple().exponent
    decimals = max(0, -int(exponent)) if isinstance(exponent, int) else 0
    return Decimal("0.5") * Decimal(10) ** -decimals


def change_is_consistent(
    value: Decimal, baseline_value: Decimal, stated_change_pct: Decimal
) -> bool | None:
    """Whether "value, up stated_change_pct% from baseline_value" holds within rounding."""
    actual = change_pct(baseline_value, value)
    if actual is None:
        return None
    return abs(actual - Decimal(stated_change_pct)) <= rounding_tolerance(stated_change_pct)


def format_number(value: Decimal) -> str:
    """9400.0000 → "9,400"; 1.2500 → "1.25"."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def format_quantity(value: Decimal, unit: str) -> str:
    """A value with its unit as a reader would write it: £75,000,000, 19%, 9,400 people."""
    number = format_number(value)
    if unit in UNIT_PREFIX:
        return f"{UNIT_PREFIX[unit]}{number}"
    if unit == "percent":
        return f"{number}%"
    if unit == "people":
        return f"{number} people"
    return number


# --------------------------------------------------------------------------------------------
# Parsing quantities as English news writes them.
# --------------------------------------------------------------------------------------------

APPROXIMATIONS = {
    "nearly": "nearly",
    "almost": "nearly",
    "just under": "nearly",
    "close to": "nearly",
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "some": "about",
    "an estimated": "about",
    "estimated": "about",
    "more than": "more_than",
    "over": "more_than",
    "just over": "more_than",
    "at least": "more_than",
    "upwards of": "more_than",
    "in excess of": "more_than",
    "fewer than": "less_than",
    "less than": "less_than",
    "under": "less_than",
    "below": "less_than",
    "up to": "up_to",
    "as many as": "up_to",
    "as much as": "up_to",
}

# Nouns that make a count a count of people (the brief's "people/migrants/returns/...").
PEOPLE_NOUNS = (
    "people|persons?|individuals|migrants?|asylum[- ]seekers?|refugees?|returns|returnees|"
    "deportations|removals|arrivals|children|adults|pupils|students|patients|workers|staff|"
    "employees|officers|nurses|doctors|teachers|families|residents|citizens|voters|households|"
    "victims|offenders|prisoners|smugglers|traffickers|men|women|babies|"
    "apprentices|troops|soldiers|veterans|pensioners|claimants|visitors|tourists"
)

MULTIPLIERS = {
    "thousand": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "tn": Decimal(10) ** 12,
}

SMALL_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
FRACTIONS = {
    "half": Decimal(1) / 2,
    "halves": Decimal(1) / 2,
    "third": Decimal(1) / 3,
    "thirds": Decimal(1) / 3,
    "quarter": Decimal(1) / 4,
    "quarters": Decimal(1) / 4,
    "fifth": Decimal(1) / 5,
    "fifths": Decimal(1) / 5,
    "tenth": Decimal(1) / 10,
    "tenths": Decimal(1) / 10,
}
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_WORD = "|".join(
    sorted((w for w in SMALL_WORDS if w not in {"a", "an", "hundred"}), key=len, reverse=True)
)
_UNITS_WORD = "one|two|three|four|five|six|seven|eight|nine"
_SEP = "[,\u00a0\u202f\u2009 ]"

NUMBER_RE = re.compile(
    rf"""
    (?<![\w.,:£€$/-])(?<![A-Za-z]-)
    (?P<cur>US\$|£|€|\$|(?:GBP|EUR|USD)\s?)?
    (?:
        (?P<digits>\d{{1,3}}(?:{_SEP}\d{{3}})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?|\.\d+)
        (?:(?P<abbr>bn|mn|tn|m|k)\b|\s+(?P<mult>thousand|million|billion|trillion)\b)?
        # "10am", "5G", "4x4" are not quantities (but "3pp" and "5percent" are).
        (?!(?!pp\b|per\s?cent|percent)[A-Za-z\d])
      |
        (?P<words>(?:{_WORD})(?:[- ](?:{_UNITS_WORD}))?|an?|half\s+a)
        \s+(?P<wmult>hundred|thousand|million|billion|trillion)\b(?!\s+of\b)
    )
    (?P<pct>\s?%|\s?per\s?cent\b|\s?percent\b|\s+percentage\s+points?\b|\s?pp\b)?
    (?P<curword>\s+(?:pounds?(?:\s+sterling)?|euros?|(?:US\s+)?dollars?)\b)?
    """,
    re.VERBOSE | re.IGNORECASE,
)
RATIO_RE = re.compile(
    rf"(?<![\d,.])\b(?P<num>one|two|three|four|[1-9])\s+in\s+(?P<den>{_WORD}|[1-9]\d?)\b"
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
_MONTH_NAMES = (
    "(?-i:January|February|March|April|May|June|July|August|September|October|November|December)"
)
PERIOD_RE = re.compile(
    rf"""\b(?:(?:in|during|for|throughout|over|of)\s+)?(?P<period>
        (?:the\s+)?(?:financial\s+|calendar\s+|academic\s+|tax\s+)?year\s+(?:to|ending)\s+
            (?:(?:\d{{1,2}}\s+)?(?:{MONTHS})\s+)?(?:19|20)\d{{2}}
      | between\s+(?:{_MONTH_NAMES}\s+)?(?:19|20)\d{{2}}\s+and\s+(?:{_MONTH_NAMES}\s+)?(?:19|20)\d{{2}}
      | between\s+{_MONTH_NAMES}(?:\s+(?:19|20)\d{{2}})?\s+and\s+{_MONTH_NAMES}(?:\s+(?:19|20)\d{{2}})?
      | (?:19|20)\d{{2}}(?:\s?[/-]\s?\d{{2,4}})?(?!\d)
      | so\s+far\s+this\s+year
      | the\s+same\s+(?:period|time|month|quarter)\s+(?:a\s+year\s+(?:earlier|before|ago)|last\s+year)
      | (?:a|one)\s+year\s+(?:earlier|before|ago)
      | (?:this|last|next|the\s+past|the\s+last|the\s+previous)\s+
            (?:year|month|week|decade|quarter|parliament|(?:\d+|twelve|six|three)\s+(?:months|years))
      | (?:{MONTHS})\s+(?:19|20)\d{{2}}
      | (?<=\bin\s){_MONTH_NAMES}
    )\b""",
    re.VERBOSE | re.IGNORECASE,
)
_UP = r"up|rose|risen|rising|rises|increased|increases|increasing|grew|grown|growing|jumped|climbed|higher|more|increase|rise|jump|growth|surge|surged"
_DOWN = r"down|fell|fallen|falling|falls|decreased|decreasing|dropped|declined|cut|reduced|lower|fewer|less|decrease|fall|drop|decline|reduction|cuts"
CHANGE_BEFORE_RE = re.compile(
    rf"\b(?P<dir>{_UP}|{_DOWN})\s+(?:by\s+|of\s+)?(?:(?:nearly|almost|about|around|more\s+than|over|some|roughly)\s+)?$",
    re.IGNORECASE,
)
# Used with .match(text, pos, endpos): anchored at pos without slicing the text.
CHANGE_AFTER_RE = re.compile(rf"[\s-]*(?P<dir>{_UP}|{_DOWN})\b", re.IGNORECASE)
ATTACH_DISTANCE = 200  # characters between a level and its change, at most
TO_LEVEL_RE = re.compile(r"\s*(?:to|at)\s+", re.IGNORECASE)  # "rose 3.5% to £12bn"
BASELINE_RE = re.compile(
    r"[\s,]*(?:(?:increase|rise|jump|growth|decrease|fall|drop|decline|reduction|higher|lower|more|fewer|less)\s+)?"
    r"(?:(?:from|on|compared\s+(?:with|to)|than|since|over|versus|vs\.?)\s+)(?:in\s+)?",
    re.IGNORECASE,
)
DOWN_WORDS = set(_DOWN.split("|"))
BASELINE_GAP_RE = re.compile(
    r"(?:\s+in\s+[\w ]{3,20}?)?,?\s*(?:(?:up|down|rising|falling|an?\s+(?:increase|rise|fall|drop))\s+)?"
    r"(?:from|compared\s+(?:with|to)|against|versus|vs\.?)\s+",
    re.IGNORECASE,
)
CLAUSE_BREAK_RE = re.compile(
    r",\s+(?:and|but|while|whereas|although)\b|;|\b(?:while|whereas|but|although)\b", re.IGNORECASE
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


# Figure.value holds 20 digits with 4 decimals: 16 before the point.
MAX_INTEGER_DIGITS = 16


def _fit(value: Decimal, places: int) -> Decimal:
    """Rounded to the decimal places a Figure column stores (a third → 33.3333)."""
    return _clean_value(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ParsedFigure:
    """One quantity found in text, with its offsets and what the words around it say."""

    text: str
    start: int
    end: int
    value: Decimal
    unit: str = "count"
    approximation: str = "exact"
    period: str = ""
    stated_change_pct: Decimal | None = None
    baseline_period: str = ""
    baseline_value: Decimal | None = None
    # A figure that is itself a change ("up 19% on last year" with no level stated).
    is_change: bool = False
    # "percentage points": unit percent, but a difference, not a ratio.
    points: bool = False
    noun: str = ""

    def as_figure_fields(self) -> dict:
        """Keyword arguments for `Figure(...)` (the caller adds label and claim)."""
        change = self.stated_change_pct
        if change is not None and abs(change) >= 10**6:
            change = None  # beyond Figure.stated_change_pct (9 digits, 3 decimals)
        fields = {
            "value": _fit(self.value, 4),
            "unit": self.unit,
            "approximation": self.approximation,
            "period": self.period[:60],
            "baseline_period": self.baseline_period[:60],
            "baseline_value": None if self.baseline_value is None else _fit(self.baseline_value, 4),
            "stated_change_pct": None if change is None else _fit(change, 3),
        }
        if self.is_change:
            # The value already is the change; storing it twice would make the implied
            # baseline (19 / 1.19) meaningless on the admin.
            fields["stated_change_pct"] = None
        return fields

    def as_dict(self) -> dict:
        """JSON-ready: Decimals as strings, so no precision is lost ("1200000000", "19")."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else format(value, "f")

        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": text(self.value),
            "unit": self.unit,
            "approximation": self.approximation,
            "period": self.period,
            "stated_change_pct": text(self.stated_change_pct),
            "baseline_period": self.baseline_period,
            "baseline_value": text(self.baseline_value),
            "is_change": self.is_change,
            "points": self.points,
            "label_hint": self.label_hint,
        }

    @property
    def label_hint(self) -> str:
        """A starting label for editors: the counted noun, or the unit."""
        if self.noun:
            return self.noun
        if self.is_change:
            return "change"
        return {"GBP": "amount", "EUR": "amount", "USD": "amount", "percent": "share"}.get(
            self.unit, "number"
        )


@dataclass
class _Token:
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
    absorbed: bool = False
    is_change: bool = False


def _digits_value(digits: str) -> Decimal:
    cleaned = re.sub(_SEP, "", digits)
    if cleaned.startswith("."):
        cleaned = "0" + cleaned
    # babel knows the en_GB grouping and decimal symbols; separators were normalised above
    # because news copy also uses spaces and thin spaces.
    return Decimal(parse_decimal(cleaned, locale="en_GB"))


def _words_value(words: str) -> Decimal:
    words = words.lower().replace("-", " ").split()
    if words[:2] == ["half", "a"]:
        return Decimal("0.5")
    return Decimal(sum(SMALL_WORDS[w] for w in words))


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for m in SENTENCE_END_RE.finditer(text):
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


_APPROXIMATION_PHRASES = "|".join(sorted(APPROXIMATIONS, key=len, reverse=True))
APPROXIMATION_BEFORE_RE = re.compile(rf"\b(?P<phrase>{_APPROXIMATION_PHRASES})\s+$", re.I)


def _approximation_before(text: str, start: int) -> tuple[str, int]:
    """The marker just before a number ("nearly 100,000") and where the figure then starts."""
    m = APPROXIMATION_BEFORE_RE.search(text, max(0, start - 30), start)
    if m:
        return APPROXIMATIONS[m.group("phrase").lower()], m.start()
    return "exact", start


def _unit_after(text: str, end: int) -> tuple[str, str]:
    m = re.match(
        rf"\s+(?:(?:more|additional|extra|new|other|fewer|illegal|irregular|small[- ]boat|"
        rf"foreign|failed|enforced|police|frontline|front-line|care|voluntary|young|older|British|UK)\s+){{0,2}}(?P<noun>{PEOPLE_NOUNS})\b",
        text[end : end + 60],
        re.IGNORECASE,
    )
    if m:
        return "people", m.group("noun").lower()
    m = re.match(r"\s+(?P<noun>[a-z][a-z-]{2,})\b", text[end : end + 40])
    noun = m.group("noun") if m else ""
    if noun in {"of", "and", "or", "to", "in", "on", "the", "a", "an", "from", "for", "at", "by"}:
        noun = ""
    return "count", noun


def _share_token(text: str, match: re.Match, value: Decimal) -> _Token:
    """A share of a whole ("one in five", "a third") as a percent, with any marker before it."""
    approx, astart = _approximation_before(text, match.start())
    return _Token(
        astart if approx != "exact" else match.start(),
        match.end(),
        value,
        "percent",
        "percent",
        approximation=approx,
    )


def _scan(text: str) -> list[_Token]:
    tokens: list[_Token] = []
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
        unit = "count"
        if cur in {"£", "GBP"} or curword.startswith("pound"):
            unit = "GBP"
        elif cur in {"€", "EUR"} or curword.startswith("euro"):
            unit = "EUR"
        elif cur in {"$", "US$", "USD"} or "dollar" in curword:
            unit = "USD"
        bare = m.group("digits") and not (cur or curword or pct or mult)
        if bare and len(m.group("digits")) <= 3 and LABEL_BEFORE_RE.search(text, 0, start):
            continue
        if bare and _is_date_number(text, start, end, m.group("digits")):
            continue
        if bare and re.fullmatch(r"(1[89]|20)\d{2}", m.group("digits")):
            unit_after, _noun = _unit_after(text, end)
            if unit_after != "people":
                tokens.append(_Token(start, end, value, "count", "year"))
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
            _Token(
                astart if approx != "exact" else start, end, value, unit, kind, points, approx, noun
            )
        )
    taken = [(t.start, t.end) for t in tokens]

    def free(s: int, e: int) -> bool:
        return all(e <= ts or s >= te for ts, te in taken)

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
    for m in CHANGE_WORD_RE.finditer(text):
        word = m.group("word").lower()
        change = {"doubled": 100, "halved": -50, "tripled": 200, "trebled": 200, "quadrupled": 300}[
            word
        ]
        tok = _Token(m.start(), m.end(), Decimal(change), "percent", "change")
        tok.change = Decimal(change)
        tok.approximation = "more_than" if m.group("more") else "exact"
        tokens.append(tok)
    tokens.sort(key=lambda t: t.start)
    return tokens


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


def _clean_period(period: str) -> str:
    period = re.sub(r"\s+", " ", period).strip()
    return re.sub(r"^the (?=(?:financial |calendar |academic |tax )?year )", "", period, flags=re.I)


def _period_in(text: str, start: int, end: int) -> str:
    m = PERIOD_RE.search(text, start, end)
    return _clean_period(m.group("period")) if m else ""


def _clean_value(value: Decimal) -> Decimal:
    """Drop spurious decimals: 1.2 × 10⁹ is 1200000000, not 1200000000.0."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _baseline_after(
    text: str, pos: int, limit: int, tokens: Iterable[_Token]
) -> tuple[str, _Token | None, int]:
    """After a change phrase: "from 2023", "on last year", "from 7,000"."""
    m = BASELINE_RE.match(text, pos, limit)
    if not m:
        return "", None, pos
    at = m.end()
    for tok in tokens:  # in text order: only the first one at `at` can be the baseline
        if tok.start < at:
            continue
        if text[at : tok.start].strip():
            break
        if tok.kind == "year":
            pm = PERIOD_RE.match(text, tok.start, limit)
            return (pm.group("period") if pm else text[tok.start : tok.end]), tok, tok.end
        if tok.kind == "quantity":
            return "", tok, tok.end
        break
    pm = PERIOD_RE.match(text, at, limit)
    if pm:
        return _clean_period(pm.group("period")), None, pm.end()
    return "", None, pos


def parse_figures(text: str) -> list[ParsedFigure]:
    """Every quantity in `text`, in order, with unit, approximation, period and stated change."""
    if not text:
        return []
    tokens = _scan(text)
    sentences = _sentence_bounds(text)

    starts = [s for s, _e in sentences]

    def sentence_of(pos: int) -> tuple[int, int]:
        return sentences[max(0, bisect_right(starts, pos) - 1)]

    def tokens_after(i: int):
        """The tokens after the i-th, lazily: most look-ups stop at the next one."""
        return islice(tokens, i + 1, None)

    # Changes: a percentage (or "doubled") introduced or followed by a direction word.
    for i, tok in enumerate(tokens):
        if tok.absorbed or tok.kind not in {"percent", "change"}:
            continue
        s_start, s_end = sentence_of(tok.start)
        next_start = next(
            (t.start for t in tokens_after(i) if not t.absorbed and t.kind != "year"), s_end
        )
        limit = min(s_end, next_start) if next_start > tok.end else s_end
        if tok.kind == "percent":
            before = CHANGE_BEFORE_RE.search(text, max(s_start, tok.start - 40), tok.start)
            after = CHANGE_AFTER_RE.match(text, tok.end, limit)
            direction_m = before or after
            if not direction_m:
                continue
            word = direction_m.group("dir").lower()
            sign = -1 if word in DOWN_WORDS else 1
            if tok.points:
                tok.is_change = True
                tok.value = tok.value * sign
                continue
            tok.change = tok.value * sign
            change_end = after.end() if after else tok.end
        else:
            change_end = tok.end
        bperiod, btok, _pos = _baseline_after(text, change_end, s_end, tokens_after(i))
        tok.baseline_period = bperiod
        if btok is not None:
            btok.absorbed = True
            if btok.kind == "quantity":
                tok.baseline_value = btok.value
        # Attach to the level it describes: the nearest earlier quantity in the sentence.
        target = None
        for j in range(i - 1, -1, -1):
            prev = tokens[j]
            # The level a change describes is in the same sentence, close by.
            if prev.start < max(s_start, tok.start - ATTACH_DISTANCE):
                break
            if prev.kind == "quantity" and not prev.absorbed and prev.change is None:
                # "£75m for 500 officers, while crime fell 5%": another clause, another subject.
                if not CLAUSE_BREAK_RE.search(text, prev.end, tok.start):
                    target = prev
                break
        if target is None:
            to = TO_LEVEL_RE.match(text, change_end, s_end)
            if to:
                at = to.end()
                target = next(
                    (t for t in tokens_after(i) if t.kind == "quantity" and t.start == at), None
                )
        if target is not None:
            target.change = tok.change
            target.baseline_period = target.baseline_period or tok.baseline_period
            target.baseline_value = (
                target.baseline_value if target.baseline_value is not None else tok.baseline_value
            )
            tok.absorbed = True
        else:
            tok.is_change = True
            tok.value = tok.change

    # "7.4 million in June, down from 7.6 million in March": the second is the first's baseline.
    for i, tok in enumerate(tokens):
        if tok.kind != "quantity" or tok.absorbed or tok.baseline_value is not None:
            continue
        nxt = next((t for t in tokens_after(i) if t.kind != "year"), None)
        if nxt is None or nxt.kind != "quantity" or (nxt.unit != tok.unit and nxt.unit != "count"):
            continue
        gap = BASELINE_GAP_RE.fullmatch(text, tok.end, nxt.start)
        if gap:
            tok.baseline_value = nxt.value
            s_end = sentence_of(nxt.start)[1]
            following = next(
                (t.start for t in tokens_after(i) if t.start > nxt.end and t.kind != "year"), s_end
            )
            tok.baseline_period = _period_in(text, nxt.end, min(following, s_end))
            nxt.absorbed = True

    # "rose from 7,000 to 9,400": the second level's baseline is the first.
    for i, tok in enumerate(tokens):
        if tok.kind != "quantity" or tok.absorbed:
            continue
        m = re.search(r"\bfrom\s+$", text[max(0, tok.start - 8) : tok.start])
        if not m:
            continue
        nxt = next((t for t in tokens_after(i) if t.kind == "quantity"), None)
        if (
            nxt
            and re.fullmatch(r"\s+to\s+", text[tok.end : nxt.start])
            and nxt.baseline_value is None
        ):
            nxt.baseline_value = tok.value
            tok.absorbed = True

    figures: list[ParsedFigure] = []
    live = [t for t in tokens if not t.absorbed and t.kind in {"quantity", "percent", "change"}]
    for tok in tokens:
        if tok.kind == "percent" and not tok.absorbed and tok.change is not None:
            tok.is_change = True
    for idx, tok in enumerate(live):
        s_start, s_end = sentence_of(tok.start)
        prev_end = max(live[idx - 1].end if idx and live[idx - 1].end <= tok.start else 0, s_start)
        next_start = min(live[idx + 1].start if idx + 1 < len(live) else s_end, s_end)
        period = _period_in(text, tok.end, next_start) or _period_in(text, prev_end, tok.start)
        if tok.baseline_period and period == tok.baseline_period:
            # The only period around is the comparison's ("from 2023"): not the figure's own.
            after = _period_in(text, tok.end, next_start)
            period = "" if after == tok.baseline_period else period
        figures.append(
            ParsedFigure(
                text=text[tok.start : tok.end],
                start=tok.start,
                end=tok.end,
                value=_clean_value(tok.value),
                unit=tok.unit,
                approximation=tok.approximation,
                period=period,
                stated_change_pct=None if tok.change is None else _clean_value(tok.change),
                baseline_period=tok.baseline_period,
                baseline_value=(
                    None if tok.baseline_value is None else _clean_value(tok.baseline_value)
                ),
                is_change=tok.is_change,
                points=tok.points,
                noun=tok.noun,
            )
        )
    return figures


@dataclass(frozen=True)
class ArithmeticVerdict:
    """What the numbers in one statement imply: "9,400, up 19% from 7,000" → inconsistent."""

    figure: ParsedFigure | None
    implied_baseline: Decimal | None
    baseline_value: Decimal | None
    actual_change_pct: Decimal | None
    consistent: bool | None  # None: no baseline value to check against

    @property
    def summary(self) -> str:
        if self.figure is None or self.figure.stated_change_pct is None:
            return "No stated change to check."
        parts = []
        if self.implied_baseline is not None:
            period = f" in {self.figure.baseline_period}" if self.figure.baseline_period else ""
            parts.append(
                f"implies about {format_number(self.implied_baseline.quantize(1))}{period}"
            )
        if self.consistent is True:
            parts.append(f"consistent with {format_number(self.baseline_value)}")
        elif self.consistent is False:
            parts.append(
                f"inconsistent: {format_number(self.baseline_value)} → "
                f"{format_number(self.figure.value)} is {self.actual_change_pct}%"
            )
        return "; ".join(parts)


def check_figure(figure: ParsedFigure, baseline_value: Decimal | None = None) -> ArithmeticVerdict:
    """Implied baseline of a parsed figure and, given a baseline value, whether its change holds."""
    change = None if figure.is_change else figure.stated_change_pct
    baseline = baseline_value if baseline_value is not None else figure.baseline_value
    if change is None:
        actual = change_pct(baseline, figure.value) if baseline is not None else None
        return ArithmeticVerdict(figure, None, baseline, actual, None)
    implied = implied_baseline(figure.value, change)
    if baseline is None:
        return ArithmeticVerdict(figure, implied, None, None, None)
    return ArithmeticVerdict(
        figure,
        implied,
        baseline,
        change_pct(baseline, figure.value),
        change_is_consistent(figure.value, baseline, change),
    )


def check_statement(text: str, baseline_value: Decimal | None = None) -> ArithmeticVerdict:
    """Parse a sentence and check its first level-with-a-stated-change ("9,400, up 19% from 7,000")."""
    parsed = parse_figures(text)
    with_change = [f for f in parsed if f.stated_change_pct is not None and not f.is_change]
    if with_change:
        return check_figure(with_change[0], baseline_value)
    with_baseline = [f for f in parsed if f.baseline_value is not None]
    if with_baseline:
        return check_figure(with_baseline[0], baseline_value)
    return ArithmeticVerdict(parsed[0] if parsed else None, None, None, None, None)
