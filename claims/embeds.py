"""The verdict card other sites embed, and the oEmbed provider that describes it.

- `embed_size` and `embed_snippet`: the card's iframe at a size within the consumer's limits;
- `claim_for_oembed`: which published claim an oEmbed `url` names (this site's claim pages and
  card addresses only);
- `oembed_document`: the oEmbed 1.0 `rich` response (https://oembed.com, section 2.3);
- `frameable` and `EMBED_CSP`: the card is the only page other sites may frame.

Author: the oEmbed `author_*` fields name the publisher of the fact check (PUBLISHER_NAME,
PUBLISHER_URL), not the claimant: the resource embedded is our fact check, whose author is the
organisation that wrote it (as in ClaimReview); the claimant is the author of the claim.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from claims import selectors
from claims.colours import safe_colour, text_colour_on
from claims.models import Claim
from claims.share_images import (
    SCALED_WIDTHS,
    WIDTH,
    scaled_height,
    share_image_fingerprint,
    share_image_url,
)

DEFAULT_WIDTH = 560
# The card's height at a width: narrower cards wrap more lines.
HEIGHT_BY_WIDTH = ((480, 300), (360, 360), (0, 420))
OEMBED_CACHE_AGE = 24 * 60 * 60  # the card itself is live; only the snippet and title age
CLAIM_PAGES = {"claims:claim_detail", "claims:claim_embed"}

# The card's own policy: no script at all, its one inline style sheet, and any site may frame it.
EMBED_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors *"
)


class OEmbedError(Exception):
    """A request the provider answers with an error status (oEmbed section 2.3.5)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class EmbedSize:
    width: int
    height: int


def natural_height(width: int) -> int:
    return next(height for floor, height in HEIGHT_BY_WIDTH if width >= floor)


def embed_size(maxwidth: int | None = None, maxheight: int | None = None) -> EmbedSize:
    """The card's size: the default, narrowed and shortened to the consumer's limits (never
    larger than they allow; the card's layout fills whatever box it gets)."""
    width = min(DEFAULT_WIDTH, maxwidth) if maxwidth else DEFAULT_WIDTH
    height = natural_height(width)
    if maxheight:
        height = min(height, maxheight)
    return EmbedSize(width, height)


def embed_url(claim: Claim) -> str:
    path = reverse("claims:claim_embed", kwargs={"pk": claim.pk, "slug": claim.slug})
    return settings.SITE_URL + path


def embed_snippet(claim: Claim, size: EmbedSize | None = None) -> str:
    """The iframe other sites paste (and oEmbed returns): sandboxed, no script allowed; links
    open the fact check in a new tab."""
    size = size or embed_size()
    return format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy" '
        'sandbox="allow-popups allow-popups-to-escape-sandbox" '
        'style="border:0;max-width:100%"></iframe>',
        embed_url(claim),
        size.width,
        size.height,
        _("Fact check: %(title)s") % {"title": claim.title},
    )


def oembed_discovery_url(claim: Claim) -> str:
    """The oEmbed endpoint's address for the claim page (its discovery <link>)."""
    query = urlencode({"url": settings.SITE_URL + claim.get_absolute_url(), "format": "json"})
    return f"{settings.SITE_URL}{reverse('claims:oembed')}?{query}"


DEFAULT_PORTS = {"http": "80", "https": "443"}


def _host(netloc: str, scheme: str) -> str:
    """`netloc` lower-cased, without userinfo and without the scheme's default port."""
    host = netloc.rpartition("@")[2].lower()
    default = DEFAULT_PORTS.get(scheme)
    return host.removesuffix(f":{default}") if default else host


def _our_hosts(request_host: str | None) -> set[str]:
    site = urlsplit(settings.SITE_URL)
    hosts = {_host(site.netloc, site.scheme)}
    if request_host:
        hosts.add(request_host.lower())
    return hosts


def claim_for_oembed(url: str, *, request_host: str | None = None) -> Claim:
    """The published claim whose page or card `url` is on this site (SITE_URL's host, or the
    host serving the request). Raises OEmbedError(404) for anything else."""
    not_found = OEmbedError(404, str(_("No published fact check at this address.")))
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise not_found from None
    if parts.scheme not in ("http", "https") or "@" in parts.netloc:
        raise not_found
    if _host(parts.netloc, parts.scheme) not in _our_hosts(request_host):
        raise not_found
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        raise not_found from None
    if match.view_name not in CLAIM_PAGES:
        raise not_found
    claim = selectors.published_card(match.kwargs["pk"])
    if claim is None:  # missing, or not public: a draft's address answers like a missing one
        raise not_found
    return claim


def positive_int(value: str | None, name: str) -> int | None:
    """An optional positive integer query parameter; OEmbedError(400) when it is not one."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise OEmbedError(400, str(_("%(name)s must be a positive integer.") % {"name": name}))
    return number


def thumbnail(claim: Claim, maxwidth: int | None, maxheight: int | None) -> dict:
    """The share picture at the largest width within the limits (oEmbed: the thumbnail must
    respect maxwidth and maxheight); no thumbnail fields when none fits."""
    fingerprint = share_image_fingerprint(claim)
    for width in SCALED_WIDTHS:
        height = scaled_height(width)
        if (maxwidth or width) >= width and (maxheight or height) >= height:
            url = share_image_url(claim, fingerprint)
            if width != WIDTH:
                url += f"&width={width}"
            return {"thumbnail_url": url, "thumbnail_width": width, "thumbnail_height": height}
    return {}


def oembed_document(
    claim: Claim, maxwidth: int | None = None, maxheight: int | None = None
) -> dict:
    """The oEmbed 1.0 `rich` response for a published claim (loaded with claimant and rating)."""
    size = embed_size(maxwidth, maxheight)
    return {
        "type": "rich",
        "version": "1.0",
        "title": claim.title,
        "author_name": settings.PUBLISHER_NAME,
        "author_url": settings.PUBLISHER_URL,
        "provider_name": settings.SITE_NAME,
        "provider_url": settings.SITE_URL + "/",
        "cache_age": OEMBED_CACHE_AGE,
        "html": embed_snippet(claim, size),
        "width": size.width,
        "height": size.height,
        **thumbnail(claim, maxwidth, maxheight),
    }


def oembed_for_request(params, *, request_host: str | None = None) -> dict:
    """Validate an oEmbed request's parameters (url, format, maxwidth, maxheight) and answer it.
    Raises OEmbedError: 400 without a url or with bad limits, 501 for a format other than
    JSON, 404 for an address that is not a published fact check of this site."""
    url = (params.get("url") or "").strip()
    if not url:
        raise OEmbedError(400, str(_("The url parameter is required.")))
    response_format = (params.get("format") or "json").strip().lower()
    if response_format != "json":
        raise OEmbedError(501, str(_("Only format=json is supported.")))
    maxwidth = positive_int(params.get("maxwidth"), "maxwidth")
    maxheight = positive_int(params.get("maxheight"), "maxheight")
    claim = claim_for_oembed(url, request_host=request_host)
    return oembed_document(claim, maxwidth, maxheight)


def card_colours(claim: Claim) -> dict:
    """The badge's colour and the text colour readable on it."""
    colour = safe_colour(claim.rating.colour if claim.rating else None)
    return {"rating_colour": colour, "rating_text_colour": text_colour_on(colour)}


def frameable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let any site frame this view's responses (every other page refuses frames: X-Frame-
    Options DENY and frame-ancestors 'none'). Applied outside the page cache, so hits too."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.xframe_options_exempt = True
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        response[header] = EMBED_CSP
        return response

    return wrapper
