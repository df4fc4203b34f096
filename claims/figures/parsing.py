"""The parser: quantities as English news writes them, with what the words around them say.

`parse_figures` scans the text (`claims.figures.scanning`), then relates the spans in passes,
each a function below, in this order:

1. `attach_changes`: a percentage or "doubled" with a direction word ("up 19%", "fell by
   5%") becomes the stated change of the level it describes, and takes any baseline after it
   ("from 2023", "on 7,000");
2. `attach_down_from_baselines`: "7.4 million in June, down from 7.6 million in March": the
   second level is the first's baseline;
3. `attach_from_to_baselines`: "rose from 7,000 to 9,400": the first level is the second's;
4. `mark_unattached_changes`: a change that found no level is a figure of its own;
5. `figures_of`: every span left becomes a `ParsedFigure`, with the period it belongs to.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice

from claims.figures.english import (  # noqa: F401 - the English patterns, by their old names
    BASELINE_GAP_RE,
    BASELINE_RE,
    CHANGE_AFTER_RE,
    CHANGE_BEFORE_RE,
    CLAUSE_BREAK_RE,
    ENGLISH,
    TO_LEVEL_RE,
)
from claims.figures.grammar import Grammar
from claims.figures.periods import clean_period, period_in
from claims.figures.scanning import Token, scan, sentence_bounds

ATTACH_DISTANCE = 200  # characters between a level and its change, at most


def _clean_value(value: Decimal) -> Decimal:
    """Drop spurious decimals: 1.2 × 10⁹ is 1200000000, not 1200000000.0."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


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


class Sentences:
    """The sentences of a text, found by position."""

    def __init__(self, text: str, grammar: Grammar = ENGLISH) -> None:
        self.grammar = grammar
        self.bounds = sentence_bounds(text, grammar)
        self._starts = [s for s, _e in self.bounds]

    def around(self, pos: int) -> tuple[int, int]:
        """(start, end) of the sentence holding `pos`."""
        return self.bounds[max(0, bisect_right(self._starts, pos) - 1)]


def _after(tokens: list[Token], i: int) -> Iterator[Token]:
    """The tokens after the i-th, lazily: most look-ups stop at the next one."""
    return islice(tokens, i + 1, None)


def parse_with(text: str, grammar: Grammar = ENGLISH) -> list[ParsedFigure]:
    """Every quantity in `text` read with `grammar`, in order, with unit, approximation, period
    and stated change (`claims.figures.parse_figures` picks the grammar by language)."""
    if not text:
        return []
    tokens = scan(text, grammar)
    sentences = Sentences(text, grammar)
    attach_changes(text, tokens, sentences)
    attach_down_from_baselines(text, tokens, sentences)
    attach_from_to_baselines(text, tokens, grammar)
    mark_unattached_changes(tokens)
    return figures_of(text, tokens, sentences)


# --- Pass 1: changes ------------------------------------------------------------------------


def attach_changes(text: str, tokens: list[Token], sentences: Sentences) -> None:
    """A percentage (or "doubled") introduced or followed by a direction word is a change: of
    the nearest earlier level in its clause, else of the level it rose "to", else of nothing
    (a figure of its own). A baseline right after it ("from 7,000", "on 2023") is taken too.
    """
    for i, tok in enumerate(tokens):
        if tok.absorbed or tok.kind not in {"percent", "change"}:
            continue
        change_end = _read_change(text, tokens, i, sentences)
        if change_end is None:
            continue
        s_start, s_end = sentences.around(tok.start)
        grammar = sentences.grammar
        _take_baseline(text, tokens, i, change_end, s_end, grammar)
        target = _level_before(text, tokens, i, s_start, grammar) or _level_reached(
            text, tokens, i, change_end, s_end, grammar
        )
        if target is not None:
            target.change = tok.change
            target.baseline_period = target.baseline_period or tok.baseline_period
            target.baseline_value = (
                target.baseline_value if target.baseline_value is not None else tok.baseline_value
            )
            tok.absorbed = True
        else:
            assert tok.change is not None  # set by _read_change, or by the scanner for "doubled"
            tok.is_change = True
            tok.value = tok.change


def _read_change(text: str, tokens: list[Token], i: int, sentences: Sentences) -> int | None:
    """Sets the i-th token's signed change; where the change phrase ends, or None when the
    token is no change to attach (no direction word, or a change in percentage points)."""
    tok = tokens[i]
    if tok.kind != "percent":
        return tok.end  # "doubled" carries its change from the scanner
    s_start, s_end = sentences.around(tok.start)
    next_start = next(
        (t.start for t in _after(tokens, i) if not t.absorbed and t.kind != "year"), s_end
    )
    limit = min(s_end, next_start) if next_start > tok.end else s_end
    grammar = sentences.grammar
    before = grammar.change_before.search(text, max(s_start, tok.start - 40), tok.start)
    after = grammar.change_after.match(text, tok.end, limit)
    direction_m = before or after
    if not direction_m and grammar.direction_after_baseline:
        # "um 19 % gegenüber 2023 gestiegen": the direction comes after the comparison.
        _period, _btok, pos = _baseline_after(text, tok.end, s_end, _after(tokens, i), grammar)
        if pos > tok.end:
            direction_m = grammar.change_after.match(text, pos, s_end)
    if not direction_m:
        return None
    sign = grammar.direction_sign(direction_m.group("dir"))
    if tok.points:
        # "up 3 percentage points" is a difference in itself, never a level's change.
        tok.is_change = True
        tok.value = tok.value * sign
        return None
    tok.change = tok.value * sign
    return after.end() if after else tok.end


def _take_baseline(
    text: str, tokens: list[Token], i: int, change_end: int, s_end: int, grammar: Grammar
) -> None:
    """The comparison right after a change phrase: its period, and its level if one is stated."""
    tok = tokens[i]
    bperiod, btok, _pos = _baseline_after(text, change_end, s_end, _after(tokens, i), grammar)
    tok.baseline_period = bperiod
    if btok is not None:
        btok.absorbed = True
        if btok.kind == "quantity":
            tok.baseline_value = btok.value


def _baseline_after(
    text: str, pos: int, limit: int, tokens: Iterable[Token], grammar: Grammar
) -> tuple[str, Token | None, int]:
    """After a change phrase: "from 2023", "on last year", "from 7,000"."""
    m = grammar.baseline.match(text, pos, limit)
    if not m:
        return "", None, pos
    at = m.end()
    for tok in tokens:  # in text order: only the first one at `at` can be the baseline
        if tok.start < at:
            continue
        if text[at : tok.start].strip():
            break
        if tok.kind == "year":
            pm = grammar.period.match(text, tok.start, limit)
            return (pm.group("period") if pm else text[tok.start : tok.end]), tok, tok.end
        if tok.kind == "quantity":
            return "", tok, tok.end
        break
    pm = grammar.period.match(text, at, limit)
    if pm:
        return clean_period(pm.group("period")), None, pm.end()
    return "", None, pos


def _level_before(
    text: str, tokens: list[Token], i: int, s_start: int, grammar: Grammar
) -> Token | None:
    """The level a change describes: the nearest earlier quantity, close by in its sentence."""
    tok = tokens[i]
    for j in range(i - 1, -1, -1):
        prev = tokens[j]
        if prev.start < max(s_start, tok.start - ATTACH_DISTANCE):
            return None
        if prev.kind == "quantity" and not prev.absorbed and prev.change is None:
            # "£75m for 500 officers, while crime fell 5%": another clause, another subject.
            if not grammar.clause_break.search(text, prev.end, tok.start):
                return prev
            return None
    return None


def _level_reached(
    text: str, tokens: list[Token], i: int, change_end: int, s_end: int, grammar: Grammar
) -> Token | None:
    """The level a change rose or fell to, stated after it: "rose 3.5% to £12bn"."""
    to = grammar.to_level.match(text, change_end, s_end)
    if not to:
        # "rose 25% in the first half of 2024 to 2,580": a period may stand between.
        gap = len(text[change_end:s_end]) - len(text[change_end:s_end].lstrip())
        period = grammar.period.match(text, change_end + gap, s_end)
        if period and period.group("period"):
            to = grammar.to_level.match(text, period.end(), s_end)
    if not to:
        return None
    at = to.end()
    for t in _after(tokens, i):
        if t.kind != "quantity" or t.end <= at:
            continue
        if t.start == at:
            return t
        if t.approximation == "up_to" and change_end <= t.start < at:
            # Spanish "hasta" is both "up to" and "to": after a change it is the level reached.
            t.approximation, t.start = "exact", at
            return t
        break
    return None


# --- Passes 2 and 3: baselines stated as levels -------------------------------------------


def attach_down_from_baselines(text: str, tokens: list[Token], sentences: Sentences) -> None:
    """ "7.4 million in June, down from 7.6 million in March": the second is the first's
    baseline, with the period stated after it."""
    for i, tok in enumerate(tokens):
        if tok.kind != "quantity" or tok.absorbed or tok.baseline_value is not None:
            continue
        nxt = next((t for t in _after(tokens, i) if t.kind != "year"), None)
        if nxt is None or nxt.kind != "quantity" or (nxt.unit != tok.unit and nxt.unit != "count"):
            continue
        gap = sentences.grammar.baseline_gap.fullmatch(text, tok.end, nxt.start)
        if gap:
            tok.baseline_value = nxt.value
            s_end = sentences.around(nxt.start)[1]
            following = next(
                (t.start for t in _after(tokens, i) if t.start > nxt.end and t.kind != "year"),
                s_end,
            )
            tok.baseline_period = period_in(
                text, nxt.end, min(following, s_end), sentences.grammar.period
            )
            nxt.absorbed = True


def attach_from_to_baselines(text: str, tokens: list[Token], grammar: Grammar = ENGLISH) -> None:
    """ "rose from 7,000 to 9,400": the first level is the second's baseline."""
    for i, tok in enumerate(tokens):
        if tok.kind != "quantity" or tok.absorbed:
            continue
        m = grammar.from_before.search(text[max(0, tok.start - 8) : tok.start])
        if not m:
            continue
        nxt = next((t for t in _after(tokens, i) if t.kind == "quantity"), None)
        if (
            nxt
            and grammar.from_to_between.fullmatch(text[tok.end : nxt.start])
            and nxt.baseline_value is None
        ):
            nxt.baseline_value = tok.value
            tok.absorbed = True


# --- Passes 4 and 5: what is left becomes figures -----------------------------------------


def mark_unattached_changes(tokens: list[Token]) -> None:
    """A change left without a level ("up 19% on last year") is a figure of its own."""
    for tok in tokens:
        if tok.kind == "percent" and not tok.absorbed and tok.change is not None:
            tok.is_change = True


def figures_of(text: str, tokens: list[Token], sentences: Sentences) -> list[ParsedFigure]:
    """The tokens not folded into another, as figures, each with the period it belongs to:
    the first one after it in its sentence, else the nearest before it."""
    figures: list[ParsedFigure] = []
    live = [t for t in tokens if not t.absorbed and t.kind in {"quantity", "percent", "change"}]
    for idx, tok in enumerate(live):
        s_start, s_end = sentences.around(tok.start)
        prev_end = max(live[idx - 1].end if idx and live[idx - 1].end <= tok.start else 0, s_start)
        next_start = min(live[idx + 1].start if idx + 1 < len(live) else s_end, s_end)
        period_re = sentences.grammar.period
        period = period_in(text, tok.end, next_start, period_re) or period_in(
            text, prev_end, tok.start, period_re
        )
        if tok.baseline_period and period == tok.baseline_period:
            # The only period around is the comparison's ("from 2023"): not the figure's own.
            after = period_in(text, tok.end, next_start, period_re)
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
