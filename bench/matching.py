"""Similar-claim search latency against a plain indexed lookup, at 1,000 / 10,000 / 100,000 claims.

Run on PostgreSQL (the trigram index is PostgreSQL-only):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_b .venv/bin/python bench/matching.py

It builds a throw-away test database (test_<name>, destroyed at the end), fills it with
synthetic claims on the demo claim's topics (same wording, varied numbers), and times
`find_similar_claims` for reworded repeats against `Claim.objects.filter(slug=...)` in the
same run. Bounded: three sizes, a fixed number of repetitions.
"""

from __future__ import annotations

import functools
import itertools
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")

import django

django.setup()

from django.db import connection  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
REPEATS = 15
DEMO_TEXT = (
    "These intensified efforts have already led to the return of 9,400 people with no "
    "right to remain in the UK this year—a 19% increase from 2023."
)
QUERIES = [
    "The government says 9400 people who had no right to remain in Britain were returned "
    "this year, a rise of 19 per cent on 2023.",
    "Ministers claim 9,400 people without the right to stay in the UK were removed this year, "
    "19% more than in 2023.",
    "Returns of people with no right to remain hit 9,400 this year, up 19 per cent on 2023.",
]
TEMPLATES = [
    "{who} said {n:,} people with no right to remain were returned in {year}, up {p}% on {prev}.",
    "{who} announced £{m} million for border security in {year}.",
    "{who} claimed {n:,} migrants crossed the Channel in small boats in {year}.",
    "Nearly {n:,} migrants passed through the Central Mediterranean in {year}, {who} said.",
    "{who} said the return of {n:,} foreign offenders in {year} was a {p}% increase on {prev}.",
    "More than {n:,} asylum seekers were housed in hotels in {year}, according to {who}.",
    "{who} said {n:,} illegal working arrests were made in {year}, up {p}% from {prev}.",
    "{who} confirmed an extra £{m} million for the NHS in {year}, a {p}% rise on {prev}.",
    "{who} said knife crime fell by {p}% in {year} compared with {prev}.",
    "{who} said {n:,} new homes were built in {year}, the most since {prev}.",
    "{who} said net migration reached {n:,} in the year to June {year}.",
    "Waiting lists fell to {w} million in {year}, {who} said.",
]
SPEAKERS = ["The Home Office", "The government", "Ministers", "The Prime Minister", "Labour"]


def synthetic_text(rng: random.Random) -> str:
    year = rng.randrange(2010, 2026)
    n = rng.randrange(1000, 120_000, 100)
    if n == 9400:
        n += 100
    return rng.choice(TEMPLATES).format(
        who=rng.choice(SPEAKERS),
        n=n,
        m=rng.randrange(5, 900),
        p=rng.randrange(2, 60),
        w=round(rng.uniform(5, 8), 1),
        year=year,
        prev=year - 1,
    )


def fill_to(size: int, claimant, rng: random.Random) -> None:
    from claims.matching import normalise_claim_text
    from claims.models import Claim

    have = Claim.objects.count()
    batch = []
    for n in range(have, size):
        text = synthetic_text(rng)
        batch.append(
            Claim(
                text=text,
                title=text[:75],
                slug=f"bench-{n}",
                claimant=claimant,
                normalised_text=normalise_claim_text(text),
            )
        )
        if len(batch) == 5000:
            Claim.objects.bulk_create(batch)
            batch = []
    Claim.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")


def median_ms(func, repeats: int = REPEATS) -> float:
    func()  # warm caches and the query plan
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def uses_trigram_index(query: str) -> bool:
    """Whether the nearest-neighbour query is answered from the GiST index (no full scan)."""
    from claims.matching import normalise_claim_text

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM claims_claim ORDER BY normalised_text <-> %s LIMIT 60",
            [normalise_claim_text(query)],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return "claim_normalised_text_gist_idx" in plan


def lookup_by_slug(slugs) -> object:
    """The baseline: one row through a unique index."""
    from claims.models import Claim

    return Claim.objects.filter(slug=next(slugs)).first()


def run() -> list[dict]:
    from claims.matching import find_similar_claims
    from claims.models import Claim, Claimant

    rng = random.Random(11)
    government = Claimant.objects.create(name="UK Government", kind="government")
    others = Claimant.objects.create(name="Synthetic claimant")
    demo = Claim.objects.create(
        text=DEMO_TEXT, title="9,400 returns, up 19% on 2023", claimant=government
    )
    rows = []
    for size in SIZES:
        fill_to(size, others, rng)
        slugs = [f"bench-{rng.randrange(1, size - 1)}" for _ in range(REPEATS + 1)]
        lookup_ms = median_ms(functools.partial(lookup_by_slug, itertools.cycle(slugs)))
        per_query = []
        first = 0
        for query in QUERIES:
            per_query.append(median_ms(lambda q=query: find_similar_claims(q)))
            first += find_similar_claims(query)[0].claim == demo
        similar_ms = statistics.median(per_query)
        rows.append(
            {
                "size": Claim.objects.count(),
                "lookup_ms": lookup_ms,
                "similar_ms": similar_ms,
                "ratio": similar_ms / lookup_ms,
                "first": f"{first}/{len(QUERIES)}",
                "index": uses_trigram_index(QUERIES[0]),
            }
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL=postgres://...")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rows = run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    base = rows[0]["similar_ms"]
    print()
    print(
        f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared), PostgreSQL {connection.pg_version // 10000}, "
        f"median of {REPEATS} runs per query, {len(QUERIES)} reworded queries"
    )
    print()
    print(
        "| claims | indexed lookup (ms) | find_similar_claims (ms) | ratio | growth vs 1,000 "
        "| demo claim first | trigram index in plan |"
    )
    print("|---:|---:|---:|---:|---:|:---:|:---:|")
    for row in rows:
        print(
            f"| {row['size']:,} | {row['lookup_ms']:.2f} | {row['similar_ms']:.1f} | "
            f"{row['ratio']:.0f}× | {row['similar_ms'] / base:.1f}× | {row['first']} | "
            f"{'yes' if row['index'] else 'no'} |"
        )


if __name__ == "__main__":
    main()
