"""Security probe of a running server: throttling behind (and without) proxies, private ids and
private claimants/topics, and "check now" with the broker down. Prints one line per probe
class with its request count and result; docs/security.md records the last run.

Runs gunicorn with production settings (DEBUG=0) on PostgreSQL (--database-url, emptied and
migrated) with the cache on Redis (--redis-url) and the Celery broker on a closed port.
Run: .venv/bin/python bench/probe_limits.py --database-url postgres://postgres@127.0.0.1:5432/x
       --redis-url redis://127.0.0.1:6379/2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.servers import closed_port
from tests.support.services import django_script, free_port, gunicorn, manage

ANON_RATE = 120  # per minute, the shipped default

SEED = """
import json
from django.contrib.auth.models import Group, User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from claims.models import Claim, Claimant, Figure, Rating, Topic
from sources.models import Citation, Snapshot, Source, SourceCheck

def world(name, status):
    claimant = Claimant.objects.create(name=f"{name} claimant", role="Minister")
    topic = Topic.objects.create(name=f"{name} topic")
    fields = {}
    if status == "published":
        fields = dict(rating=Rating.objects.get(slug="accurate"), published_at=timezone.now(),
                      verdict_summary="Right.")
    claim = Claim.objects.create(title=f"{name} claim", text=f"{name} said 9,400.",
                                 claimant=claimant, status=status, **fields)
    claim.topics.add(topic)
    Figure.objects.create(claim=claim, label="People", value=9400, unit="people", period="2024")
    source = Source.objects.create(url=f"https://www.gov.uk/{name.lower()}", title=name)
    Citation.objects.create(claim=claim, source=source, role="supports", excerpt="9,400 people")
    SourceCheck.objects.create(source=source, outcome="ok")
    Snapshot.objects.create(source=source, main_text=name, content_hash=f"{claim.pk:064x}")
    return {"claimant": claimant.pk, "claimant_slug": claimant.slug, "topic": topic.pk,
            "topic_slug": topic.slug, "claim": claim.pk, "source": source.pk}

editor = User.objects.create_user("probe-editor", password="x-probe-password-1", is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
print(json.dumps({"public": world("Public", "published"), "draft": world("Secret", "draft"),
                  "review": world("Pending", "in_review"),
                  "token": Token.objects.create(user=editor).key}))
"""

ID_FILTERS = [
    ("figures", "claim", "claim"),
    ("citations", "claim", "claim"),
    ("citations", "source", "source"),
    ("checks", "source", "source"),
    ("snapshots", "source", "source"),
    ("claims", "claimant", "claimant"),
    ("sources", "claim", "claim"),
]


def fresh_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def report(name: str, requests: int, held: bool, detail: str) -> bool:
    print(f"{'HELD' if held else 'FAILED':6} {name:44} {requests:5} requests  {detail}")
    return held


def probe_throttle(base: str, proxies: int) -> list[bool]:
    results = []
    with httpx.Client(base_url=base, timeout=10) as client:
        first = Counter(client.get("/api/v1/ratings/").status_code for _ in range(ANON_RATE + 20))
        if proxies == 0:
            forged = Counter(
                client.get(
                    "/api/v1/ratings/", headers={"X-Forwarded-For": f"203.0.113.{n % 250}"}
                ).status_code
                for n in range(140)
            )
            results.append(
                report(
                    "anon throttle, rotating X-Forwarded-For",
                    sum(first.values()) + 140,
                    first[200] == ANON_RATE and forged == Counter({429: 140}),
                    f"first {dict(first)}, then rotating {dict(forged)}",
                )
            )
            proto = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
            results.append(
                report(
                    "X-Forwarded-Proto ignored (PROXY_COUNT=0)",
                    1,
                    "Strict-Transport-Security" not in proto.headers,
                    "HSTS (sent only on HTTPS) "
                    + ("absent" if "Strict-Transport-Security" not in proto.headers else "sent"),
                )
            )
        else:
            # Behind one proxy: requests arrive from 127.0.0.1 with the header it appended.
            def as_client(address: str, forged: str) -> int:
                headers = {"X-Forwarded-For": f"{forged}, {address}"}
                return client.get("/api/v1/ratings/", headers=headers).status_code

            own = Counter(as_client("198.51.100.7", f"192.0.2.{n % 250}") for n in range(140))
            other = as_client("198.51.100.8", "192.0.2.1")
            proto = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
            results.append(
                report(
                    "anon throttle behind 1 proxy, forged left part",
                    sum(first.values()) + 142,
                    own == Counter({200: ANON_RATE, 429: 20}) and other == 200,
                    f"one client {dict(own)}, another client {other}",
                )
            )
            results.append(
                report(
                    "X-Forwarded-Proto trusted (PROXY_COUNT=1)",
                    1,
                    "Strict-Transport-Security" in proto.headers,
                    "HSTS "
                    + ("sent" if "Strict-Transport-Security" in proto.headers else "absent"),
                )
            )
    return results


def _ids(response: httpx.Response) -> set[int]:
    data = response.json()
    rows = data["results"] if isinstance(data, dict) else data
    return {row["id"] for row in rows}


def probe_private(base: str, world: dict) -> list[bool]:
    results = []
    private = [world["draft"], world["review"]]
    with httpx.Client(base_url=base, timeout=10) as client:
        pages = [
            path
            for row in private
            for path in (
                f"/claimants/{row['claimant_slug']}/",
                f"/claimants/{row['claimant_slug']}/feed.rss",
                f"/claimants/{row['claimant_slug']}/feed.atom",
                f"/topics/{row['topic_slug']}/",
                f"/topics/{row['topic_slug']}/feed.rss",
                f"/topics/{row['topic_slug']}/feed.atom",
                f"/api/v1/claimants/{row['claimant']}/",
                f"/api/v1/topics/{row['topic']}/",
            )
        ]
        codes = Counter(client.get(path).status_code for path in pages)
        results.append(
            report(
                "private claimant/topic pages, feeds, API detail",
                len(pages),
                codes == Counter({404: len(pages)}),
                str(dict(codes)),
            )
        )
        secret_names = {"Secret", "Pending"}
        hidden = {
            "claimants": {world["draft"]["claimant"], world["review"]["claimant"]},
            "topics": {world["draft"]["topic"], world["review"]["topic"]},
        }
        lists = [
            ("claimants", "/api/v1/claimants/"),
            ("claimants", "/api/v1/claimants/?name=Secret"),
            ("claimants", "/api/v1/claimants/?name=Pending"),
            ("topics", "/api/v1/topics/"),
            ("topics", f"/api/v1/topics/?slug={world['draft']['topic_slug']}"),
        ]
        leaked = [path for kind, path in lists if hidden[kind] & _ids(client.get(path))]
        for path in ("/sitemap.xml", "/claims/"):
            text = client.get(path).text
            leaked += [f"{name!r} in {path}" for name in secret_names if name in text]
        results.append(
            report(
                "private claimants/topics in lists, sitemap",
                len(lists) + 2,
                not leaked,
                f"leaks: {leaked or 'none'}",
            )
        )
        differing = []
        for endpoint, name, target in ID_FILTERS:
            path = f"/api/v1/{endpoint}/"
            answers = [
                client.get(path, params={name: value})
                for value in (world["draft"][target], 987654321, "99999999999999999999999")
            ]
            if len({(r.status_code, r.text) for r in answers}) != 1:
                differing.append(f"{endpoint}?{name}")
        results.append(
            report(
                "private id filter == missing id filter",
                len(ID_FILTERS) * 3,
                not differing,
                f"differing: {differing or 'none'} ({len(ID_FILTERS)} filters)",
            )
        )
    editor = {"Authorization": f"Token {world['token']}"}
    with httpx.Client(base_url=base, timeout=10, headers=editor) as client:
        everyone = {world[kind]["claimant"] for kind in ("public", "draft", "review")}
        sees = _ids(client.get("/api/v1/claimants/"))
        results.append(
            report(
                "editor sees every claimant",
                1,
                everyone <= sees,
                f"{len(everyone & sees)} of {len(everyone)}",
            )
        )
    return results


def probe_check_now(base: str, world: dict) -> list[bool]:
    editor = {"Authorization": f"Token {world['token']}"}
    with httpx.Client(base_url=base, timeout=30, headers=editor) as client:
        response = client.post(f"/api/v1/sources/{world['public']['source']}/check/")
    return [
        report(
            "check now with the broker down",
            1,
            response.status_code == 503 and response.json().get("code") == "unavailable",
            f"{response.status_code} {response.json().get('detail', '')[:60]}…",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    args = parser.parse_args()
    fresh_database(args.database_url)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "DJANGO_", "PYTEST"))
    }
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "probe-only-" + "y" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{closed_port()}/0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "60",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0",
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    manage(env, "migrate", "--noinput", timeout=600)
    world = django_script(env, SEED)
    results = []
    with tempfile.TemporaryDirectory() as logs:
        for proxies in (0, 1):
            server_env = env | {"PROXY_COUNT": str(proxies)}
            manage(server_env, "shell", "-c", CLEAR_CACHE)  # fresh throttle counters
            port = free_port(8700 + proxies)
            web = gunicorn(server_env, port, Path(logs), workers=1, name=f"web-{proxies}")
            try:
                base = f"http://127.0.0.1:{port}"
                results += probe_throttle(base, proxies)
                if proxies == 0:
                    manage(server_env, "shell", "-c", CLEAR_CACHE)
                    results += probe_private(base, world)
                    results += probe_check_now(base, world)
            finally:
                web.stop()
    print(f"{sum(results)} of {len(results)} probe classes held")
    return 0 if all(results) else 1


CLEAR_CACHE = "from django.core.cache import cache; cache.clear()"


if __name__ == "__main__":
    sys.exit(main())
