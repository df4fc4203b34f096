"""claims/figures/display.py and claims/quantities.py: figures as each language writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from claims.figures import format_number, format_quantity
from claims.quantities import localised_quantity


@pytest.mark.parametrize(
    ("value", "unit", "english", "spanish"),
    [
        ("9400", "people", "9,400 people", "9.400 personas"),
        ("1", "people", "1 person", "1 persona"),
        ("1.25", "count", "1.25", "1,25"),
        ("19", "percent", "19%", "19\xa0%"),
        ("19.5", "percent", "19.5%", "19,5\xa0%"),
        ("75000000", "GBP", "£75,000,000", "75.000.000\xa0GBP"),
        ("1500000.50", "EUR", "€1,500,000.5", "1.500.000,5\xa0€"),
    ],
)
def test_quantities_in_each_language(value, unit, english, spanish):
    with translation.override("en"):
        assert localised_quantity(Decimal(value), unit) == english
    with translation.override("es"):
        assert localised_quantity(Decimal(value), unit) == spanish


def test_without_a_language_numbers_keep_the_english_format_for_matching_and_records():
    assert format_number(Decimal("9400.0000")) == "9,400"
    assert format_quantity(Decimal("9400"), "people") == "9,400 people"
    assert format_number(Decimal("9400"), "es") == "9.400"


def test_an_unknown_language_falls_back_to_english_digits():
    assert format_number(Decimal("9400"), "xx-yy") == "9,400"
