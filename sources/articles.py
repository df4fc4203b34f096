"""Article text for intake from a URL: the safe fetcher, then main-text extraction.

Answers claims.intake's `article_text_requested` (claims cannot import sources). Every
outbound request goes through sources.fetching (DESIGN.md §4).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.dispatch import receiver

from claims.intake import ArticleUnavailable, article_text_requested
from sources.extraction import ExtractionError, extract
from sources.fetching import fetch
from sources.models import SourceCheck, normalise_url


def fetch_article_text(url: str) -> str:
    """The main text of the article at `url`; ArticleUnavailable with a reason otherwise."""
    try:
        url = normalise_url(url)
    except ValidationError as error:
        raise ArticleUnavailable("; ".join(error.messages)) from None
    result = fetch(url)
    if result.outcome != SourceCheck.Outcome.OK:
        detail = f": {result.error}" if getattr(result, "error", "") else ""
        raise ArticleUnavailable(f"The article could not be fetched ({result.outcome}){detail}.")
    try:
        extracted = extract(result.body, result.content_type, result.charset)
    except ExtractionError as error:
        raise ArticleUnavailable(str(error)) from None
    if not extracted.main_text.strip():
        raise ArticleUnavailable("The page has no readable text.")
    return extracted.main_text


@receiver(article_text_requested, dispatch_uid="sources.fetch_article_text")
def on_article_text_requested(sender, url: str, **kwargs) -> str:
    return fetch_article_text(url)
