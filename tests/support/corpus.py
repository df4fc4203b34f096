"""The real news-page corpus (shared beside the repository) and sentences of its articles."""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path

from tests.support.environment import missing_dependency, require_shared


@cache
def _load_pages(folder: Path) -> list[dict]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted(folder.glob("*.html.gz")):
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


def corpus_pages() -> list[dict]:
    """[{id, raw (bytes), body (article text a reader sees), url}] of the shared corpus.

    Skips the calling test when the corpus is absent (fails it when CI requires it).
    """
    truth = require_shared("corpus/news-pages/ground-truth.json")
    pages = _load_pages(truth.parent)
    if not pages:
        missing_dependency(f"the news-page corpus at {truth.parent} has no pages")
    return pages


def sentences_of(text: str, min_length: int = 60, max_length: int = 300) -> list[str]:
    """Plain sentences of an article body, long enough to be a citable excerpt."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if min_length <= len(p.strip()) <= max_length]
