"""Candidate claims from article text: which sentences are worth checking, and who said them.

- `sentences`: the article split into sentences with offsets (headings and table rows marked);
- `speakers`: who a sentence attributes its content to, and the known claimant that is;
- `candidates`: `extract_candidates`, every sentence scored by the check-worthiness model,
  best first, with reasons; `title_for` shortens a sentence into a claim title.

Plain functions of text (and the known claimants): fetching an article and keeping
candidates as drafts citing it is sources.intake.
"""

from claims.intake.candidates import Candidate, article_place, extract_candidates, title_for
from claims.intake.sentences import split_sentences
from claims.intake.speakers import ProposedClaimant, find_place, find_speaker, propose_claimant

__all__ = [
    "Candidate",
    "ProposedClaimant",
    "article_place",
    "extract_candidates",
    "find_place",
    "find_speaker",
    "propose_claimant",
    "split_sentences",
    "title_for",
]
