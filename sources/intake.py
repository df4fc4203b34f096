"""Intake: an article becomes draft claims that cite it as their origin.

The one service behind the admin's "Intake from article" screen and the `intake` command.
`intake_article` reads the article (the pasted text, or the page at its URL fetched through
sources.fetching and reduced to its main text), ranks its sentences with claims.intake, and
keeps the candidates the caller chooses as draft claims (through claims.workflow), each
citing the article with its exact excerpt. The drafts and their citations are written in one
transaction, opened only after the fetch, so no network wait holds a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction

from claims import workflow
from claims.hygiene import clean_text
from claims.intake import Candidate, article_place, extract_candidates, title_for
from claims.models import Claim, Claimant, Figure
from sources.article_dates import dateline_date, url_date
from sources.extraction import ExtractionError, extract
from sources.fetching import fetch
from sources.models import Citation, Source, SourceCheck, normalise_url

CONTEXT_CHARS = 60  # like demo citations: enough around the excerpt to re-anchor it

# Picks, from the ranked candidates, the ones to keep as drafts.
Chooser = Callable[[list[Candidate]], Sequence[Candidate]]


class ArticleUnavailable(Exception):
    """The article at a URL could not be fetched or read; the message is shown to the editor."""


@dataclass(frozen=True)
class Intake:
    """An article read for intake: its text, its ranked candidates and the drafts kept."""

    article_text: str
    source_url: str
    candidates: list[Candidate]
    drafts: list[Claim] = field(default_factory=list)
    # When the article was published, if it says: the drafts' "stated on" (editable).
    published_on: date | None = None
    # Where the article sets its statements, if it says: a draft's venue when its own
    # sentence names none.
    place: str = ""


class DraftsRefused(Exception):
    """No draft was created; the message says why, `intake` still holds the candidates."""

    def __init__(self, message: str, intake: Intake) -> None:
        super().__init__(message)
        self.intake = intake


def intake_article(
    *,
    user: workflow.User | None = None,
    text: str = "",
    source_url: str = "",
    choose: Chooser | None = None,
    claimant: Claimant | None = None,
    published_on: date | None = None,
    threshold: float | None = None,
) -> Intake:
    """Rank the article's sentences; keep the ones `choose` picks as drafts citing the article.

    1. The article is `text`, or when that is blank the page at `source_url`
       (ArticleUnavailable when it cannot be fetched or read); neither: no candidates.
    2. claims.intake ranks its sentences, best first, marking those at or above `threshold`
       (default: the model's) as check-worthy.
    3. The chosen candidates become drafts by `user` (nobody, who may add nothing, when
       None), with their origin citations when a `source_url` is given, all or nothing
       (DraftsRefused says why nothing was created). Their "stated on" is `published_on`,
       else the date the fetched page declares, else a dateline in the text.
    """
    try:
        article_text = clean_text(text).strip()
    except ValidationError as error:
        raise ValidationError({"text": error.messages}) from None
    if not article_text and source_url:
        article_text, published_on = fetch_article(source_url)
    published_on = published_on or dateline_date(article_text)
    candidates = extract_candidates(article_text, threshold=threshold)
    place = article_place(article_text)
    read = Intake(
        article_text=article_text,
        source_url=source_url,
        candidates=candidates,
        published_on=published_on,
        place=place,
    )
    kept = list(choose(candidates)) if choose is not None else []
    if not kept:
        return read
    try:
        drafts = create_drafts(
            kept,
            user if user is not None else AnonymousUser(),
            claimant=claimant,
            source_url=source_url,
            article_text=article_text,
            stated_on=published_on,
            venue=place,
        )
    except ValidationError as error:
        raise DraftsRefused("; ".join(error.messages), read) from error
    except workflow.WorkflowError as error:
        raise DraftsRefused(str(error), read) from error
    return Intake(
        article_text=article_text,
        source_url=source_url,
        candidates=candidates,
        drafts=drafts,
        published_on=published_on,
        place=place,
    )


def fetch_article_text(url: str) -> str:
    """The main text of the article at `url`; ArticleUnavailable with a reason otherwise."""
    return fetch_article(url)[0]


def fetch_article(url: str) -> tuple[str, date | None]:
    """The main text of the article at `url` and the publication date it declares (None when
    it declares none); ArticleUnavailable with a reason otherwise."""
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
    return extracted.main_text, extracted.published_on or url_date(result.final_url or url)


@transaction.atomic
def create_drafts(
    candidates: Sequence[Candidate],
    user: workflow.User,
    *,
    claimant: Claimant | None = None,
    source_url: str = "",
    article_text: str = "",
    stated_on: date | None = None,
    venue: str = "",
) -> list[Claim]:
    """Draft claims with Figure rows for the kept candidates, citing `source_url` if given.
    A draft's venue is where its sentence says it was stated, else `venue`.

    The claimant is the one given, else the one the candidate names; a candidate with neither
    is refused with a WorkflowError (a claim must have a claimant). A refused URL
    (ValidationError) undoes the drafts too: nothing is half-made.
    """
    drafts = [
        _create_draft(candidate, user, claimant, source_url, stated_on, venue)
        for candidate in candidates
    ]
    add_origin_citations(list(zip(drafts, candidates, strict=True)), source_url, article_text)
    return drafts


def _create_draft(
    candidate: Candidate,
    user: workflow.User,
    claimant: Claimant | None,
    source_url: str,
    stated_on: date | None,
    venue: str,
) -> Claim:
    who = claimant
    if who is None and candidate.claimant_id:
        who = Claimant.objects.get(pk=candidate.claimant_id)
    if who is None:
        raise workflow.WorkflowError(
            f"Choose a claimant for “{title_for(candidate.sentence, 60)}”: "
            "no known claimant is named in it."
        )
    claim = Claim(
        text=candidate.sentence,
        title=title_for(candidate.sentence),
        claimant=who,
        appearance_url=source_url,
        stated_on=stated_on,
        venue=(candidate.place or venue)[: Claim._meta.get_field("venue").max_length],
    )
    if candidate.language:
        claim.language = candidate.language  # as intake detected it; editors may change it
    workflow.create_claim(claim, user)
    Figure.objects.bulk_create(
        Figure(claim=claim, label=f.label_hint[:200], position=n, **f.as_figure_fields())
        for n, f in enumerate(candidate.figures)
    )
    return claim


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
