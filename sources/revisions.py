"""Acting on a flagged citation: accept what the page now says, keeping the old in its history."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims import workflow
from sources.models import Citation, CitationRevision, excerpt_digest

ExcerptState = Citation.ExcerptState
# States whose passage was found on the page, so there is a new wording to accept.
ACCEPTABLE = {ExcerptState.REWORDED, ExcerptState.FIGURE_CHANGED}


def can_accept(user, citation: Citation) -> bool:
    """Editors for a draft's citations; on a published claim (what readers see) reviewers."""
    if citation.claim.is_public:
        return workflow.can_publish(user)
    return workflow.can_edit_claim(user, citation.claim)


@transaction.atomic
def accept_found_passage(citation: Citation, user, note: str = "") -> CitationRevision:
    """Make the passage as found on the page the citation's excerpt (and its changed figure the
    cited figure); the earlier wording and figure are kept as a CitationRevision."""
    citation = Citation.objects.select_for_update().select_related("claim").get(pk=citation.pk)
    if not can_accept(user, citation):
        raise workflow.NotAllowed(
            _("Only a reviewer can change the evidence of a published claim.")
        )
    if citation.excerpt_state not in ACCEPTABLE or not citation.found_text.strip():
        raise workflow.WorkflowError(_("There is no new wording on the page to accept."))
    new_excerpt = citation.found_text
    new_figure = citation.cited_figure
    if citation.excerpt_state == ExcerptState.FIGURE_CHANGED and citation.found_figure:
        new_figure = citation.found_figure if citation.cited_figure else ""
    duplicate = (
        Citation.objects.filter(
            claim_id=citation.claim_id,
            source_id=citation.source_id,
            excerpt_hash=excerpt_digest(new_excerpt),
        )
        .exclude(pk=citation.pk)
        .exists()
    )
    if duplicate:
        raise workflow.WorkflowError(_("The claim already cites this passage of this source."))
    revision = CitationRevision.objects.create(
        citation=citation,
        changed_at=timezone.now(),
        changed_by=user if getattr(user, "pk", None) else None,
        old_excerpt=citation.excerpt,
        new_excerpt=new_excerpt,
        old_cited_figure=citation.cited_figure,
        new_cited_figure=new_figure,
        excerpt_state=citation.excerpt_state,
        note=(note or citation.attention_reason)[:300],
    )
    citation.excerpt = new_excerpt
    citation.cited_figure = new_figure
    citation.excerpt_state = ExcerptState.PRESENT
    citation.figure_changes = []
    citation.excerpt_diff = []
    citation.evidence_changed_at = None
    citation.attention_reason = ""
    try:
        with transaction.atomic():
            citation.save()
            # The passage is the page's own words now: it needs no new look-up.
            Citation.objects.filter(pk=citation.pk).update(
                checked_excerpt_hash=citation.excerpt_hash
            )
    except IntegrityError:
        raise workflow.WorkflowError(
            _("The claim already cites this passage of this source.")
        ) from None
    return revision
