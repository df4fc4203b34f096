"""Cost of the verdict card, oEmbed and share images, as ratios to a cached claim page.

Run:  .venv/bin/python bench/embeds.py [--claims 50] [--rounds 5]

In process (Django test client, a throw-away SQLite test database, local-memory cache), so it
measures the application's own work, not the network: for N published claims, the median
milliseconds per request of

- the claim page from the page cache (the baseline) and rendered (cache off);
- the card (/embed/) from the cache and rendered; oEmbed from the cache and computed;
- share.png when the stored picture is current, when it must be drawn first (stale), and
  scaled to a 600 px thumbnail; drawing a picture alone (Pillow).

Each figure is the median over rounds of the per-round median, next to its ratio to the
baseline measured in the same round.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.pop("REDIS_URL", None)
os.environ.pop("CELERY_BROKER_URL", None)
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ["LOG_LEVEL"] = "WARNING"


def median_ms(call, urls: list[str]) -> float:
    times = []
    for url in urls:
        start = time.perf_counter()
        call(url)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    connection.creation.create_test_db(verbosity=0)

    from claims import caching, share_images
    from claims.models import Claim, ShareImage
    from claims.share_images.drawing import draw_share_image
    from tests.support.builders import publish_fact_check

    claims = [
        publish_fact_check(title=f"Claim {n}: 9,400 people returned, up 19%", citations=2)
        for n in range(options.claims)
    ]
    client = Client()
    pages = [c.get_absolute_url() for c in claims]
    cards = [f"{p}embed/" for p in pages]
    oembeds = [f"/oembed?url={settings.SITE_URL}{p}" for p in pages]
    images = [f"{p}share.png" for p in pages]
    thumbs = [f"{p}share.png?width=600" for p in pages]

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    def uncached(url: str) -> None:
        settings.PUBLIC_PAGE_CACHE = False
        try:
            get(url)
        finally:
            settings.PUBLIC_PAGE_CACHE = True

    def stale_image(url: str) -> None:
        ShareImage.objects.all().update(fingerprint="stale")
        get(url)

    cards_data = [share_images.share_card(c) for c in Claim.objects.published()[:10]]

    rows: dict[str, list[tuple[float, float]]] = {}
    for _ in range(options.rounds):
        caching.forget_local_state()
        for url in pages + cards + oembeds + images:  # warm: cached pages, stored pictures
            get(url)
        baseline = median_ms(get, pages)
        figures = {
            "claim page, cached (baseline)": baseline,
            "claim page, rendered": median_ms(uncached, pages),
            "card, cached": median_ms(get, cards),
            "card, rendered": median_ms(uncached, cards),
            "oEmbed, cached": median_ms(get, oembeds),
            "oEmbed, computed": median_ms(uncached, oembeds),
            "share.png, stored picture current": median_ms(get, images),
            "share.png, 600 px thumbnail": median_ms(get, thumbs),
            "share.png, drawn on demand (stale)": median_ms(stale_image, images),
            "drawing alone (Pillow, 1200x630)": median_ms(
                lambda card: draw_share_image(card), cards_data
            ),
        }
        for name, value in figures.items():
            rows.setdefault(name, []).append((value, value / baseline))

    png = bytes(ShareImage.objects.first().png)
    print(
        f"{options.claims} claims, {options.rounds} rounds, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; "
        f"share image {len(png) / 1024:.0f} KB"
    )
    print("| request | ms (median) | ratio to a cached claim page |")
    print("|---|---:|---:|")
    for name, values in rows.items():
        ms = statistics.median(v for v, _ in values)
        ratio = statistics.median(r for _, r in values)
        print(f"| {name} | {ms:.2f} | {ratio:.1f}× |")


if __name__ == "__main__":
    main()
