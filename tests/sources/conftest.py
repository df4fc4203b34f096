"""Fixtures for the sources tests: the real news-page corpus, PDFs made by hand, servers."""

from __future__ import annotations

import gzip
import json
import os
import re
from functools import cache
from pathlib import Path

import pytest

# Beside the repository (../shared/corpus), or where CLAIMWATCH_CORPUS points (a worktree
# lives one level deeper than the checkout the corpus sits beside).
CORPUS = (
    Path(os.environ["CLAIMWATCH_CORPUS"]) / "news-pages"
    if os.environ.get("CLAIMWATCH_CORPUS")
    else Path(__file__).resolve().parents[3] / "shared" / "corpus" / "news-pages"
)


@cache
def corpus_pages() -> list[dict]:
    """[{id, html (str), body (article text a reader sees), url}] or [] when absent."""
    truth_file = CORPUS / "ground-truth.json"
    if not truth_file.exists():
        return []
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    pages = []
    for path in sorted(CORPUS.glob("*.html.gz")):
        page_id = path.name.removesuffix(".html.gz")
        if page_id not in truth:
            continue
        pages.append(
            {
                "id": page_id,
                "raw": gzip.decompress(path.read_bytes()),
                "body": truth[page_id]["articleBody"],
                "url": truth[page_id].get("url", ""),
            }
        )
    return pages


@pytest.fixture
def corpus() -> list[dict]:
    pages = corpus_pages()
    if not pages:
        pytest.skip(f"the news-page corpus is not at {CORPUS}")
    return pages


def sentences_of(text: str, min_length: int = 60, max_length: int = 300) -> list[str]:
    """Plain sentences of an article body, long enough to be a citable excerpt."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if min_length <= len(p.strip()) <= max_length]


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
