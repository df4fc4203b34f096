"""What tests build again and again: fact checks with their evidence, cited sources, PDFs, API
clients, the seed article's text. (Pages for local servers, free of Django, are in pages.py.)"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Claim, ClaimEvent, Figure
from sources.models import Citation, Source
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    FigureFactory,
    PublishedClaimFactory,
    SnapshotFactory,
    SourceFactory,
    TopicFactory,
    rating,
)
from tests.support.pages import EXCERPT

# The seed article ships with the app (the demo's origin source).
SEED_ARTICLE_PATH = Path(settings.BASE_DIR) / "demo" / "demo_data" / "seed-article.txt"
SEED_ARTICLE = SEED_ARTICLE_PATH.read_text(encoding="utf-8")


def cited_source(url: str, figure: str = "9,400") -> Source:
    """A source at `url` cited by a published claim for EXCERPT and `figure`."""
    source = SourceFactory(url=url, title="")
    CitationFactory(
        source=source, claim=PublishedClaimFactory(), excerpt=EXCERPT, cited_figure=figure
    )
    return source


def publish_fact_check(figures: int = 1, citations: int = 1, **fields) -> Claim:
    """A published claim with `figures` figures and `citations` sources, each archived."""
    claimant = fields.pop("claimant", None) or ClaimantFactory(name="Home Office")
    claim = PublishedClaimFactory(
        claimant=claimant,
        rating=fields.pop("rating", None) or rating("mostly-accurate"),
        title=fields.pop("title", "9,400 people returned this year, up 19% on 2023"),
        text=fields.pop(
            "text", "We have returned 9,400 people with no right to remain, a 19% increase."
        ),
        verdict_summary=fields.pop("verdict_summary", "The rise implies about 7,900 in 2023."),
        analysis=fields.pop("analysis", "The **government's** figures."),
        stated_on=fields.pop("stated_on", timezone.localdate()),
        venue="Press release",
        appearance_url=fields.pop("appearance_url", "https://www.gov.uk/news/returns"),
        **fields,
    )
    claim.topics.add(TopicFactory(name="Migration"))
    ClaimEvent.objects.create(
        claim=claim,
        kind=ClaimEvent.Kind.STATUS,
        from_status="in_review",
        to_status="published",
        to_rating=claim.rating,
        at=claim.published_at,
    )
    for n in range(figures):
        FigureFactory(
            claim=claim,
            label=f"People returned {n}",
            value=Decimal("9400"),
            unit=Figure.Unit.PEOPLE,
            period="2024",
            baseline_period="2023",
            stated_change_pct=Decimal("19"),
            position=n,
        )
    for n in range(citations):
        source = SourceFactory(state=Source.State.OK, last_checked_at=timezone.now())
        snapshot = SnapshotFactory(source=source)
        Source.objects.filter(pk=source.pk).update(current_snapshot=snapshot)
        CitationFactory(
            claim=claim,
            source=source,
            role=Citation.Role.SUPPORTS,
            excerpt=f"returned 9,400 people (passage {n})",
            excerpt_state=Citation.ExcerptState.PRESENT,
        )
    return claim


def token_client(user) -> APIClient:
    """An API client authenticated as `user` with a token."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def make_pdf(lines: list[str], title: str = "") -> bytes:
    """A small valid PDF with one page of text (Helvetica), built by hand with a correct xref."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream_lines = ["BT", "/F1 11 Tf", "14 TL", "50 780 Td"]
    for line in lines:
        stream_lines.append(f"({escape(line)}) Tj T*")
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    info = None
    if title:
        objects.append(f"<< /Title ({escape(title)}) >>".encode("latin-1"))
        info = len(objects)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)
