"""Drawing one share picture (1200x630 PNG) with Pillow and the shipped DejaVu fonts.

Pure drawing: it takes the words and colours in a `ShareCard` and imports nothing of Django,
so the same card always gives the same bytes (Pillow's basic text layout, no system fonts).
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from claims.colours import rgb, safe_colour, text_colour_on

WIDTH, HEIGHT = 1200, 630  # the size Facebook, LinkedIn and X ask for (1.91:1)
MARGIN = 64
FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"

PAPER = (255, 255, 255)
INK = (31, 35, 40)
MUTED = (87, 96, 106)
CORRECTED = (154, 103, 0)
RULE = (208, 215, 222)
ELLIPSIS = "…"
# Largest first: a short claim is drawn big, a long one smaller and, past the last size, cut.
CLAIM_SIZES = ((64, 3), (56, 4), (48, 5), (42, 5))
CLAIM_TOP, CLAIM_BOTTOM = 170, 440


@dataclass(frozen=True)
class ShareCard:
    """Everything a share picture shows, as plain strings (already translated)."""

    site_name: str
    kicker: str  # "Fact check"
    claim_text: str
    attribution: str  # "Home Office, 3 March 2025"
    verdict_caption: str  # "Our verdict"
    rating_label: str
    rating_colour: str
    corrected_label: str = ""  # empty when the claim has no correction


@functools.lru_cache(maxsize=32)
def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: the same glyph positions whether or not libraqm is installed here.
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed, control characters dropped."""
    printable = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in text)
    return " ".join(printable.split())


def fit_line(text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    """`text` if it fits in `width` pixels, else as much as fits followed by an ellipsis."""
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text.rstrip() + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _split_long_word(word: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    pieces, current = [], ""
    for ch in word:
        if current and face.getlength(current + ch) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return [*pieces, current] if current else pieces


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap to `width` pixels; a word wider than a line is broken."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        for piece in _split_long_word(word, face, width):
            candidate = f"{current} {piece}" if current else piece
            if face.getlength(candidate) <= width:
                current = candidate
            else:
                if current:
                    lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return lines


def claim_lines(text: str, width: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The claim in quotation marks, at the largest size that fits; cut with an ellipsis when
    even the smallest does not."""
    quoted = f"“{one_line(text)}”"
    for size, max_lines in CLAIM_SIZES:
        face = font(BOLD, size)
        lines = wrap(quoted, face, width)
        if len(lines) <= max_lines:
            return face, lines
    shown = lines[:max_lines]
    last, cut = shown[-1].rstrip(" ,;:."), ELLIPSIS + "”"
    while last and face.getlength(last + cut) > width:
        last = last[:-1]
    shown[-1] = last.rstrip() + cut
    return face, shown


def _pill(
    draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, face, *, fill, ink, outline=None
) -> int:
    """A rounded label at `xy`; returns its right edge."""
    x, y = xy
    pad_x, pad_y = 26, 14
    ascent, descent = face.getmetrics()
    box = (x, y, x + int(face.getlength(text)) + 2 * pad_x, y + ascent + descent + 2 * pad_y)
    draw.rounded_rectangle(box, radius=12, fill=fill, outline=outline, width=4 if outline else 0)
    draw.text((x + pad_x, y + pad_y), text, font=face, fill=ink)
    return box[2]


def draw_share_image(card: ShareCard) -> bytes:
    """The card as a 1200x630 PNG."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    colour = safe_colour(card.rating_colour)
    inner = WIDTH - 2 * MARGIN

    draw.rectangle((0, 0, WIDTH, 18), fill=rgb(colour))  # the verdict's colour, at a glance
    site_face = font(BOLD, 38)
    draw.text(
        (MARGIN, 58),
        fit_line(one_line(card.site_name), site_face, inner // 2),
        font=site_face,
        fill=INK,
    )
    kicker_face = font(REGULAR, 30)
    kicker = fit_line(one_line(card.kicker), kicker_face, inner // 2 - 20)
    draw.text(
        (WIDTH - MARGIN - kicker_face.getlength(kicker), 64), kicker, font=kicker_face, fill=MUTED
    )
    draw.line((MARGIN, 128, WIDTH - MARGIN, 128), fill=RULE, width=2)

    face, lines = claim_lines(card.claim_text, inner)
    line_height = int(face.size * 1.22)
    top = CLAIM_TOP + max(0, (CLAIM_BOTTOM - CLAIM_TOP - 16 - line_height * len(lines)) // 2)
    for n, line in enumerate(lines):
        draw.text((MARGIN, top + n * line_height), line, font=face, fill=INK)
    attribution_face = font(REGULAR, 30)
    attribution = fit_line(f"— {one_line(card.attribution)}", attribution_face, inner)
    draw.text(
        (MARGIN, top + len(lines) * line_height + 8), attribution, font=attribution_face, fill=MUTED
    )

    caption_face = font(REGULAR, 28)
    caption = fit_line(one_line(card.verdict_caption), caption_face, 260)
    draw.text((MARGIN, 510), caption, font=caption_face, fill=MUTED)
    badge_face = font(BOLD, 40)
    badge_x = MARGIN + int(caption_face.getlength(caption)) + 24
    corrected_face = font(BOLD, 28)
    corrected = one_line(card.corrected_label)
    room = (
        WIDTH
        - MARGIN
        - badge_x
        - 52
        - (int(corrected_face.getlength(corrected)) + 90 if corrected else 0)
    )
    label = fit_line(one_line(card.rating_label), badge_face, max(room, 120))
    right = _pill(
        draw, (badge_x, 486), label, badge_face, fill=rgb(colour), ink=rgb(text_colour_on(colour))
    )
    if corrected:
        _pill(
            draw,
            (right + 24, 494),
            corrected,
            corrected_face,
            fill=PAPER,
            ink=CORRECTED,
            outline=CORRECTED,
        )

    out = io.BytesIO()
    # Not optimize=True: it takes five times as long as the drawing for 4% fewer bytes.
    image.save(out, format="PNG")
    return out.getvalue()
