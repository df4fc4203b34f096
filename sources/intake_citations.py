"""Intake, the sources side: the article drafts came from becomes their origin citation.

claims.intake creates the drafts and sends `drafts_created_from_article`; claims may not
import sources, so the citation is added here (connected in SourcesConfig.ready). The signal
is sent inside the drafts' transaction: a bad URL undoes the drafts too, nothing half-made.
"""

from __future__ import annotations

from django.dispatch import receiver

from claims.intake import Candidate, drafts_created_from_article
from claims.models import Claim
from sources.models import Citation, Source, normalise_url

CONTEXT_CHARS = 60  # like demo citations: enough around the excerpt to re-anchor it


def excerpt_context(article_text: str, candidate: Candidate) -> tuple[str, str]:
    """The words just before and after the excerpt in the article (TextQuoteSelector-style)."""
    start, end = candidate.start, candidate.end
    if article_text[start:end] != candidate.excerpt:
        found = article_text.find(candidate.excerpt)
        if found < 0:
            return "", ""
        start, end = found, found + len(candidate.excerpt)
    return (
        article_text[max(0, start - CONTEXT_CHARS) : start],
        article_text[end : end + CONTEXT_CHARS],
    )


def add_origin_citations(
    drafts: list[tuple[Claim, Candidate]], source_url: str, article_text: str
) -> list[Citation]:
    """Cite the article (created as a Source if new) as each draft's origin, with its excerpt."""
    if not source_url or not drafts:
        return []
    url = normalise_url(source_url)  # ValidationError for private/odd URLs: drafts roll back
    source, _created = Source.objects.get_or_create(url=url, defaults={"kind": Source.Kind.OTHER})
    citations = []
    for claim, candidate in drafts:
        prefix, suffix = excerpt_context(article_text, candidate)
        citation = Citation(
            claim=claim,
            source=source,
            role=Citation.Role.ORIGIN,
            excerpt=candidate.excerpt,
            excerpt_prefix=prefix[-200:],
            excerpt_suffix=suffix[:200],
            cited_figure=candidate.figures[0].text[:100] if candidate.figures else "",
        )
        citation.full_clean(exclude=["excerpt_hash"])  # set from the excerpt on save
        citation.save()
        citations.append(citation)
    return citations


@receiver(drafts_created_from_article, dispatch_uid="sources.add_origin_citations")
def on_drafts_created(sender, drafts, source_url="", article_text="", **kwargs) -> None:
    add_origin_citations(drafts, source_url, article_text)
