"""Quantities in the active language: its number format (claims.figures.display, through
Babel) and its words for the unit ("9,400 people", "9.400 personas")."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language, ngettext

from claims.figures import format_number, format_quantity


def localised_quantity(value: Decimal, unit: str) -> str:
    """A quantity as the active language writes it: "£75,000,000", "19 %", "9.400 personas"."""
    language = get_language() or "en"
    value = Decimal(value)
    if unit == "people":
        count = int(value) if value == value.to_integral_value() else 2
        return ngettext("%(number)s person", "%(number)s people", count) % {
            "number": format_number(value, language)
        }
    return format_quantity(value, unit, language)


def localised_number(value: Decimal) -> str:
    """A bare number in the active language's format ("9,400", "9.400")."""
    return format_number(value, get_language() or "en")
