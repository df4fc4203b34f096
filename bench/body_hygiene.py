"""What the API's body parser costs for its limits and text hygiene, as a ratio to DRF's plain
JSONParser on the same bytes.

Run:  .venv/bin/python bench/body_hygiene.py [--items 10000] [--rounds 7]

Bodies: a ClaimReview DataFeed of N items (the import endpoint's largest documented request),
once clean (the parser skips the walk over its strings) and once with every tenth claim holding
a control character (every string walked). Baseline: `rest_framework.parsers.JSONParser`.
Measured: `config.api.parsers.LimitedJSONParser` (size limit, nesting depth scan, every string
through `claims.hygiene.strip_structure`). Median of the rounds; no database is needed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DEBUG", "1")


def data_feed(items: int, control_every: int = 10) -> bytes:
    elements = []
    for n in range(items):
        elements.append(
            {
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "url": f"https://factchecker.example/checks/{n}",
                "claimReviewed": f"Crime has doubled in region {n}"
                + ("\x1b" if control_every and n % control_every == 0 else ""),
                "datePublished": "2024-11-12",
                "author": {"@type": "Organization", "name": "Fact Checker"},
                "reviewRating": {
                    "@type": "Rating",
                    "alternateName": "False",
                    "ratingExplanation": "No.",
                },
                "itemReviewed": {
                    "@type": "Claim",
                    "author": {
                        "@type": "Person",
                        "name": f"Politician {n % 300}",
                        "sameAs": ["https://w.example/1"],
                    },
                    "datePublished": "2024-11-01",
                    "appearance": [
                        {"@type": "CreativeWork", "url": f"https://news.example/story-{n}"}
                    ],
                },
            }
        )
    return json.dumps({"@type": "DataFeed", "dataFeedElement": elements}).encode()


def timed(parser, body: bytes, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        parser.parse(io.BytesIO(body), "application/json", {})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from rest_framework.parsers import JSONParser

    from config.api.parsers import LimitedJSONParser

    args = argparse.ArgumentParser()
    args.add_argument("--items", type=int, default=10_000)
    args.add_argument("--rounds", type=int, default=7)
    options = args.parse_args()
    print(f"items={options.items} load={os.getloadavg()[0]:.1f}")
    for label, every in (("clean", 0), ("control characters", 10)):
        body = data_feed(options.items, every)
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body) + 1
        baseline = timed(JSONParser(), body, options.rounds)
        measured = timed(LimitedJSONParser(), body, options.rounds)
        print(
            f"{label}: {len(body)} bytes, JSONParser {baseline * 1000:.0f} ms, "
            f"LimitedJSONParser {measured * 1000:.0f} ms, ratio {measured / baseline:.2f}x"
        )


if __name__ == "__main__":
    main()
