"""Quantities as a reader would write them: "9,400", "1.25", "£75,000,000", "19%"."""

from __future__ import annotations

from decimal import Decimal

UNIT_PREFIX = {"GBP": "£", "EUR": "€", "USD": "$"}


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
