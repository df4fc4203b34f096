"""The arithmetic of a stated change: the baseline it implies, the change two values make, and
whether a stated change holds within the rounding of how it was written."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


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
