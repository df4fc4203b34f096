"""ClaimReview items for import tests and benchmarks."""

from __future__ import annotations


def claim_review_item(n: int = 1, **overrides) -> dict:
    """A complete ClaimReview whose review URL, claim and appearance are numbered `n`."""
    item = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"https://factchecker.example/checks/{n}",
        "claimReviewed": f"Crime has doubled in region {n}",
        "datePublished": "2024-11-12",
        "author": {"@type": "Organization", "name": "Fact Checker", "url": "https://fc.example"},
        "reviewRating": {"@type": "Rating", "alternateName": "False", "ratingExplanation": "No."},
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": f"Politician {n % 20}"},
            "datePublished": "2024-11-01",
            "appearance": [{"@type": "CreativeWork", "url": f"https://news.example/story-{n}"}],
        },
    }
    item.update(overrides)
    return item


def claim_review_items(count: int, bad_every: int = 0) -> list[dict]:
    """`count` items; with `bad_every`, every such item has an unreadable date (rejected)."""
    items = [claim_review_item(n) for n in range(count)]
    if bad_every:
        for item in items[::bad_every]:
            item["datePublished"] = "not a date"
    return items
