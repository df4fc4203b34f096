"""Similar-claim search: has the team already checked this claim, perhaps worded differently?

Claims are compared on normalised text (lower case, figures spelled one way, filler words
dropped), then re-scored with the overlap of their figures and claimant. On PostgreSQL the
candidates come from pg_trgm indexes (GiST nearest neighbours, GIN for numbers); on SQLite
from a rapidfuzz scan of every claim, slower but ranking alike on the small sets used there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet

from claims import figures
from claims.claim_text import figure_token, normalise_claim_text
from claims.languages import default_language
from claims.models import Claim, Figure

# Trigram similarity below which a claim is not even a candidate. Rewordings of one claim
# typically score 0.3–0.6 on normalised text; unrelated claims on one topic 0.1–0.2.
CANDIDATE_THRESHOLD = 0.2
# How many text candidates are re-scored with figures and claimant.
CANDIDATE_LIMIT = 60
# A shared specific number (9,400) is strong evidence of the same claim even when the
# wording differs; claims on one topic share much of their wording but not their numbers.
TEXT_WEIGHT, FIGURE_WEIGHT, CLAIMANT_WEIGHT = 0.6, 0.3, 0.1
# A stated change ("up 19%") is shared by unrelated claims more often than a level.
CHANGE_KEY_WEIGHT = 0.5


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity() in Python, so both back ends score alike."""
    ta, tb = _trigrams(a), _trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def _trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in re.findall(r"[0-9a-z]+", text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


@dataclass(frozen=True)
class SimilarClaim:
    """An existing claim that may say the same thing, with why it matched."""

    claim: Claim
    score: float
    reasons: list[str] = field(default_factory=list)
    text_similarity: float = 0.0
    shared_figures: list[str] = field(default_factory=list)


FigureKey = tuple[Decimal, str]


def _figure_key(value: Decimal, unit: str) -> FigureKey:
    # People and plain counts are the same kind of number for matching purposes.
    return (Decimal(value).normalize(), "count" if unit == "people" else unit)


def _keys_of_parsed(parsed: list[figures.ParsedFigure]) -> set[FigureKey]:
    keys = set()
    for f in parsed:
        if f.is_change:
            keys.add((Decimal(f.value).normalize(), "change"))
            continue
        keys.add(_figure_key(f.value, f.unit))
        if f.stated_change_pct is not None:
            keys.add((Decimal(f.stated_change_pct).normalize(), "change"))
    return keys


def _key_weight(key: FigureKey) -> float:
    return CHANGE_KEY_WEIGHT if key[1] == "change" else 1.0


def _key_label(key: FigureKey) -> str:
    value, unit = key
    if unit == "change":
        return f"{value:+f}%".replace(".0%", "%")
    return figures.format_quantity(value, unit)


def _figure_tokens(keys: set[FigureKey]) -> list[str]:
    """Figure values as they appear in normalised text; short ones ("19") match too much."""
    tokens = set()
    for value, unit in keys:
        if unit == "change":
            continue
        token = figure_token(figures.ParsedFigure("", 0, 0, value, unit)).split()[0]
        if len(token) >= 3:
            tokens.add(token)
    return sorted(tokens)


def find_similar_claims(
    text: str,
    *,
    claimant_id: int | None = None,
    exclude_id: int | None = None,
    limit: int = 10,
    queryset: QuerySet[Claim] | None = None,
    language: str | None = None,
) -> list[SimilarClaim]:
    """Existing claims most likely to repeat `text`, best first (`queryset` narrows the pool);
    the figures of `text` are read in `language` (the site's language when not given)."""
    language = language or default_language()
    normalised = normalise_claim_text(text, language)
    if not normalised:
        return []
    base = (queryset if queryset is not None else Claim.objects.all()).select_related("claimant")
    if exclude_id is not None:
        base = base.exclude(pk=exclude_id)
    figure_keys = _keys_of_parsed(figures.parse_figures(text, language))
    tokens = _figure_tokens(figure_keys)

    if connection.vendor == "postgresql":
        text_scores = _postgres_candidates(base, normalised, tokens)
    else:
        text_scores = _python_candidates(base, normalised, tokens)
    if not text_scores:
        return []
    claims = {c.pk: c for c in base.filter(pk__in=text_scores)}
    claim_keys: dict[int, set[FigureKey]] = {}
    for claim_id, value, unit, change in Figure.objects.filter(claim_id__in=claims).values_list(
        "claim_id", "value", "unit", "stated_change_pct"
    ):
        keys = claim_keys.setdefault(claim_id, set())
        keys.add(_figure_key(value, unit))
        if change is not None:
            keys.add((Decimal(change).normalize(), "change"))

    total_weight = sum(_key_weight(k) for k in figure_keys)
    results = []
    for pk, claim in claims.items():
        text_sim = text_scores[pk]
        reasons = [f"wording {round(text_sim * 100)}% similar"]
        own_keys = claim_keys.get(pk)
        if own_keys is None:
            # Claims without Figure rows still have numbers in their text.
            own_keys = _keys_of_parsed(figures.parse_figures(claim.text, claim.language))
        shared = sorted(figure_keys & own_keys, key=lambda k: (k[1] == "change", k))
        figure_score = sum(_key_weight(k) for k in shared) / total_weight if shared else 0.0
        shared_labels = [_key_label(k) for k in shared]
        if shared:
            reasons.append("same figures: " + ", ".join(shared_labels))
        same_claimant = claimant_id is not None and claim.claimant_id == claimant_id
        if same_claimant:
            reasons.append(f"same claimant: {claim.claimant}")
        score = (
            TEXT_WEIGHT * text_sim
            + FIGURE_WEIGHT * figure_score
            + CLAIMANT_WEIGHT * (1.0 if same_claimant else 0.0)
        )
        if claim.repeat_of_id:
            reasons.append("already linked as a repeat")
        results.append(
            SimilarClaim(claim, round(score, 4), reasons, round(text_sim, 4), shared_labels)
        )
    results.sort(key=lambda r: (-r.score, r.claim.pk))
    return results[:limit]


def _postgres_candidates(
    base: QuerySet[Claim], normalised: str, tokens: list[str]
) -> dict[int, float]:
    """The most similar claims by text, and those stating the same numbers.

    Text: nearest neighbours by trigram distance (`<->`, GiST index, no full scan). Numbers:
    a word-bounded regex on the normalised text (`~`, GIN index). The figure query is separate
    so that a repeat worded unlike the original is not crowded out by claims that share
    only the topic's wording.
    """
    from django.contrib.postgres.search import TrigramDistance, TrigramSimilarity

    by_text = (
        base.annotate(distance=TrigramDistance("normalised_text", normalised))
        .order_by("distance")
        .values_list("pk", "distance")[:CANDIDATE_LIMIT]
    )
    scores = {
        pk: 1.0 - distance for pk, distance in by_text if 1.0 - distance >= CANDIDATE_THRESHOLD
    }
    if tokens:
        same_numbers = Q()
        for token in tokens:
            same_numbers |= Q(normalised_text__regex=rf"\m{re.escape(token)}\M")
        by_figures = (
            base.filter(same_numbers)
            .annotate(text_similarity=TrigramSimilarity("normalised_text", normalised))
            .order_by("-text_similarity", "pk")
            .values_list("pk", "text_similarity")[:CANDIDATE_LIMIT]
        )
        scores.update({pk: float(sim) for pk, sim in by_figures})
    return scores


def _python_candidates(
    base: QuerySet[Claim], normalised: str, tokens: list[str]
) -> dict[int, float]:
    """SQLite: rapidfuzz picks candidates from every claim, then trigram similarity scores them."""
    from rapidfuzz import fuzz, process

    choices = dict(base.values_list("pk", "normalised_text").iterator())
    picked = process.extract(
        normalised, choices, scorer=fuzz.token_set_ratio, limit=CANDIDATE_LIMIT, score_cutoff=40
    )
    scores = {}
    for _choice, _ratio, pk in picked:
        similarity = trigram_similarity(normalised, choices[pk])
        if similarity >= CANDIDATE_THRESHOLD:
            scores[pk] = similarity
    if tokens:
        wanted = set(tokens)
        same_numbers = [pk for pk, text in choices.items() if wanted & set(text.split())]
        for pk in same_numbers[: CANDIDATE_LIMIT * 4]:
            scores.setdefault(pk, trigram_similarity(normalised, choices[pk]))
    return scores


def published_repeats(
    claim: Claim, *, threshold: float | None = None, limit: int = 3
) -> list[SimilarClaim]:
    """Published claims at least `threshold` similar to `claim` (CLAIMS_REPEAT_THRESHOLD by
    default): what send-to-review and publish warn about, since it may already be checked."""
    if threshold is None:
        threshold = settings.CLAIMS_REPEAT_THRESHOLD
    found = find_similar_claims(
        claim.text,
        claimant_id=claim.claimant_id,
        exclude_id=claim.pk,
        limit=limit,
        queryset=Claim.objects.published().exclude(pk=claim.repeat_of_id or 0),
        language=claim.language,
    )
    return [s for s in found if s.score >= threshold]
