"""Fixtures for the public-site tests: a published fact check with its evidence."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

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


@pytest.fixture
def anon() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


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


@pytest.fixture
def fact_check(db) -> Claim:
    return publish_fact_check()
