"""Verdicts on the numbers of one statement: parse it, then check its stated change against
the baseline it states (or one given): "9,400, up 19% from 7,000" is inconsistent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from claims.figures.arithmetic import change_is_consistent, change_pct, implied_baseline
from claims.figures.display import format_number
from claims.figures.languages import parse_figures
from claims.figures.parsing import ParsedFigure


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
        if self.baseline_value is None:  # consistent is None too: nothing to compare
            pass
        elif self.consistent is True:
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


def check_statement(
    text: str, baseline_value: Decimal | None = None, language: str | None = "en"
) -> ArithmeticVerdict:
    """Parse a sentence (as `language` writes numbers) and check its first level with a stated
    change ("9,400, up 19% from 7,000"; "9.400, un 19 % más que 7.000" in Spanish)."""
    parsed = parse_figures(text, language)
    with_change = [f for f in parsed if f.stated_change_pct is not None and not f.is_change]
    if with_change:
        return check_figure(with_change[0], baseline_value)
    with_baseline = [f for f in parsed if f.baseline_value is not None]
    if with_baseline:
        return check_figure(with_baseline[0], baseline_value)
    return ArithmeticVerdict(parsed[0] if parsed else None, None, None, None, None)
