"""Quantities as a reader would write them: "9,400", "1.25", "£75,000,000", "19%" in English;
"9.400", "1,25", "75.000.000 GBP", "19 %" in Spanish (CLDR's conventions, through Babel)."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, format_percent

UNIT_PREFIX = {"GBP": "£", "EUR": "€", "USD": "$"}


def _babel_locale(language: str) -> Locale:
    """The CLDR locale of a language code ("es", "en-gb"); English for an unknown one."""
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_number(value: Decimal, language: str | None = None) -> str:
    """9400.0000 → "9,400"; 1.2500 → "1.25"; in `language`'s digits when given ("9.400")."""
    value = Decimal(value)
    if language is not None:
        shown = int(value) if value == value.to_integral_value() else value.normalize()
        return format_decimal(shown, locale=_babel_locale(language), decimal_quantization=False)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def format_quantity(value: Decimal, unit: str, language: str | None = None) -> str:
    """A value with its unit as a reader would write it: £75,000,000, 19%, 9,400 people; in
    `language`'s number conventions when given (callers translate the word "people")."""
    if language is not None:
        return _localised_quantity(Decimal(value), unit, language)
    number = format_number(value)
    if unit in UNIT_PREFIX:
        return f"{UNIT_PREFIX[unit]}{number}"
    if unit == "percent":
        return f"{number}%"
    if unit == "people":
        return f"{number} people"
    return number


def _localised_quantity(value: Decimal, unit: str, language: str) -> str:
    locale = _babel_locale(language)
    if unit in UNIT_PREFIX:
        # The locale's currency pattern without forced cents: "£75,000,000", "75.000.000 GBP".
        pattern = locale.currency_formats["standard"].pattern.replace(".00", ".##")
        return format_currency(value, unit, format=pattern, locale=locale, currency_digits=False)
    if unit == "percent":
        return format_percent(value / 100, locale=locale, decimal_quantization=False)
    number = format_number(value, language)
    if unit == "people":
        return f"{number} people"
    return number
