"""Writes to a claim's citations, under the published-claim rule of `claims.workflow`.

A citation is part of what readers see of its claim: once the claim is published it is added,
changed or removed only by a reviewer, on the public record. A cited source's address is
never edited in place: the citation is given a new source, recorded as an update.
"""

from __future__ import annotations

from claims import workflow
from claims.exceptions import WorkflowError
from sources.models import Citation, Source

ChangeArg = workflow.ChangeNote | workflow.PublishedEdit | None


def save_citation(citation: Citation, user: workflow.User, *, change: ChangeArg = None) -> Citation:
    """Add or change a citation; on a published claim, reviewers only, recorded under `change`."""
    workflow.save_part(citation, user, change=change)
    return citation


def delete_citation(citation: Citation, user: workflow.User, *, change: ChangeArg = None) -> None:
    workflow.delete_part(citation, user, change=change)


def replace_cited_source(
    citation: Citation, new_source: Source, user: workflow.User, *, change: ChangeArg
) -> Citation:
    """Cite `new_source` instead of the citation's source; the excerpt is looked for afresh."""
    workflow.require_can_change_published_part(user, citation.claim)
    stored = Citation.objects.filter(pk=citation.pk).values_list("source_id", flat=True)
    old_source = Source.objects.get(pk=next(iter(stored), citation.source_id))
    if old_source.pk == new_source.pk:
        return citation
    citation.source = new_source
    citation.excerpt_state = Citation.ExcerptState.UNKNOWN
    citation.found_text = ""
    citation.found_figure = ""
    citation.excerpt_checked_at = None
    citation.checked_excerpt_hash = ""
    what = f"source {old_source.url} replaced by {new_source.url}"
    workflow.save_part(citation, user, change=change, what=what)
    return citation


def cited_by_public_claim(source: Source) -> bool:
    return source.cited_by_public_claim()


def require_address_editable(source: Source, new_url: str) -> None:
    """Refuse, for everyone, a new address for a source a published claim cites."""
    if source.pk is None or new_url == source.url:
        return
    if cited_by_public_claim(source):
        raise WorkflowError(ADDRESS_FIXED)


ADDRESS_FIXED = (
    "A published claim cites this source, so its address is never edited in place: add the new "
    "address as a new source and replace it in the citation (recorded as an update)."
)
