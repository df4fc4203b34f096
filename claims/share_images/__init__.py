"""Share pictures of published claims: the og:image / twitter:image social sites show.

`share_card` says what a claim's picture shows; `drawing.draw_share_image` draws it. A picture
is stored (`ShareImage`) with the fingerprint of its card, so any change readers would see on it
(claim text, claimant, verdict, the rating's label or colour, a correction) makes it stale:
`claims.tasks.render_share_image` draws it again after publication and after each correction
or update, and `share_image_png` draws it on demand if the task has not run yet.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, translation
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from PIL import Image

from claims import selectors
from claims.models import Claim, ShareImage
from claims.share_images.drawing import HEIGHT, WIDTH, ShareCard, draw_share_image

__all__ = [
    "HEIGHT",
    "SCALED_WIDTHS",
    "WIDTH",
    "scaled_height",
    "share_card",
    "share_image_alt",
    "share_image_fingerprint",
    "share_image_png",
    "share_image_url",
    "store_share_image",
]

# Bump when the drawing changes, so every stored picture is drawn again.
DRAWING_VERSION = 1
ALT_CLAIM_CHARS = 200
# The picture is served whole or scaled to these widths (oEmbed thumbnails within maxwidth).
SCALED_WIDTHS = (WIDTH, 600, 300)


def scaled_height(width: int) -> int:
    return round(width * HEIGHT / WIDTH)


def share_card(claim: Claim) -> ShareCard:
    """What the claim's picture shows, in the site's language (the same picture for everyone)."""
    with translation.override(settings.LANGUAGE_CODE):
        attribution = claim.claimant.name
        if claim.stated_on:
            attribution += ", " + formats.date_format(claim.stated_on, "j F Y")
        corrected = claim.status == Claim.Status.CORRECTED
        return ShareCard(
            site_name=settings.SITE_NAME,
            kicker=str(_("Fact check")),
            claim_text=claim.text or claim.title,
            attribution=attribution,
            verdict_caption=str(_("Our verdict")),
            # Published claims always have a rating (a database constraint); drafts may not.
            rating_label=claim.rating.label if claim.rating else "",
            rating_colour=claim.rating.colour if claim.rating else "",
            corrected_label=str(_("Corrected")) if corrected else "",
        )


def share_image_fingerprint(claim: Claim, card: ShareCard | None = None) -> str:
    """sha256 of the drawing version and everything the picture shows."""
    content = {"version": DRAWING_VERSION, **asdict(card or share_card(claim))}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def share_image_url(claim: Claim, fingerprint: str | None = None) -> str:
    """The picture's absolute address; `?v=` changes with the picture, so social sites that
    keep images by URL fetch the new one after a correction."""
    path = reverse("claims:claim_share_image", kwargs={"pk": claim.pk, "slug": claim.slug})
    version = (fingerprint or share_image_fingerprint(claim))[:16]
    return f"{settings.SITE_URL}{path}?v={version}"


def share_image_alt(claim: Claim) -> str:
    """Alt text of the picture: what it says, in words."""
    return str(
        _("%(site)s fact check. %(claimant)s said: “%(text)s” Verdict: %(rating)s.")
        % {
            "site": settings.SITE_NAME,
            "claimant": claim.claimant.name,
            "text": Truncator(" ".join((claim.text or claim.title).split())).chars(ALT_CLAIM_CHARS),
            "rating": claim.rating.label if claim.rating else "",
        }
    )


def _save(claim_id: int, fingerprint: str, png: bytes) -> None:
    try:
        with transaction.atomic():
            ShareImage.objects.update_or_create(
                claim_id=claim_id, defaults={"fingerprint": fingerprint, "png": png}
            )
    except IntegrityError:
        pass  # another request or worker stored the same picture at the same moment


def share_image_png(claim: Claim, width: int = WIDTH) -> bytes:
    """The PNG of a published claim (loaded with claimant and rating), `width` pixels wide (one
    of SCALED_WIDTHS): the stored picture if it is current, else drawn now and stored."""
    if width not in SCALED_WIDTHS:
        raise ValueError(f"Share pictures come {SCALED_WIDTHS} pixels wide, not {width}.")
    card = share_card(claim)
    fingerprint = share_image_fingerprint(claim, card)
    stored = (
        ShareImage.objects.filter(claim_id=claim.pk, fingerprint=fingerprint)
        .values_list("png", flat=True)
        .first()
    )
    if stored is not None:
        png = bytes(stored)
    else:
        png = draw_share_image(card)
        _save(claim.pk, fingerprint, png)
    return png if width == WIDTH else _scaled(png, width)


def _scaled(png: bytes, width: int) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        # reducing_gap: a fast box reduction first, then Lanczos: a third of the time, as sharp.
        small = image.resize(
            (width, scaled_height(width)), Image.Resampling.LANCZOS, reducing_gap=2.0
        )
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()


def store_share_image(claim_id: int) -> bool:
    """Draw and store the picture of claim `claim_id` unless the stored one is current; a claim
    that is no longer public loses its picture. Idempotent; True when a picture was drawn."""
    claim = selectors.published_card(claim_id)
    if claim is None:
        ShareImage.objects.filter(claim_id=claim_id).delete()
        return False
    card = share_card(claim)
    fingerprint = share_image_fingerprint(claim, card)
    if ShareImage.objects.filter(claim_id=claim_id, fingerprint=fingerprint).exists():
        return False
    _save(claim_id, fingerprint, draw_share_image(card))
    return True
