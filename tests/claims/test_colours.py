"""Readable text on a rating's colour (claims.colours)."""

import itertools

import pytest

from claims.colours import (
    DARK_TEXT,
    FALLBACK_COLOUR,
    LIGHT_TEXT,
    contrast_ratio,
    relative_luminance,
    safe_colour,
    text_colour_on,
)


def test_contrast_ratio_matches_the_wcag_extremes():
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#abcdef", "#abcdef") == pytest.approx(1.0)
    assert relative_luminance("#ffffff") == pytest.approx(1.0)


def test_text_on_dark_colours_is_white_and_on_light_colours_black():
    assert text_colour_on("#1a7f37") == LIGHT_TEXT
    assert text_colour_on("#cf222e") == LIGHT_TEXT
    assert text_colour_on("#f0e68c") == DARK_TEXT
    assert text_colour_on("#ffffff") == DARK_TEXT


def test_text_colour_passes_wcag_aa_on_every_background():
    # Every grey, and a 17-step grid of the RGB cube (4913 colours).
    greys = [f"#{v:02x}{v:02x}{v:02x}" for v in range(256)]
    steps = range(0, 256, 16)
    grid = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in itertools.product(steps, steps, steps)]
    worst = min(contrast_ratio(text_colour_on(c), c) for c in greys + grid)
    assert worst >= 4.5


@pytest.mark.parametrize("bad", [None, "", "red", "#fff", "#12345g", "#123456;}", " #123456"])
def test_anything_but_a_hex_colour_falls_back_to_neutral_grey(bad):
    assert safe_colour(bad) == FALLBACK_COLOUR
    assert text_colour_on(bad) == LIGHT_TEXT
