"""Readable text on a rating's colour (WCAG 2 relative luminance and contrast ratio).

Editors choose each rating's colour; the embed card and the share image draw the verdict label
on it, so the label's colour is computed rather than assumed white. Imports nothing first-party.
"""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
FALLBACK_COLOUR = "#57606a"  # the model's default: a neutral grey
DARK_TEXT = "#000000"  # pure black: with #111 some mid greys fall under 4.5:1
LIGHT_TEXT = "#ffffff"


def safe_colour(colour: str | None) -> str:
    """`colour` if it is a #rrggbb value, else the neutral fallback (rows written around model
    validation must not inject CSS or break drawing)."""
    return colour if colour and HEX_COLOUR.fullmatch(colour) else FALLBACK_COLOUR


def rgb(colour: str) -> tuple[int, int, int]:
    colour = safe_colour(colour)
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour, 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours, 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """White or black, whichever contrasts more with `background`; either passes WCAG AA
    (4.5:1) for any background, since one of the two always reaches at least 4.58:1."""
    background = safe_colour(background)
    light = contrast_ratio(LIGHT_TEXT, background)
    dark = contrast_ratio(DARK_TEXT, background)
    return LIGHT_TEXT if light >= dark else DARK_TEXT
