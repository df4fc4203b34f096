"""Stored XSS payloads in every user-written field stay inert in admin and public pages."""

import re

import pytest

from claims.models import Claim
from sources.models import Citation
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    FigureFactory,
    PublishedClaimFactory,
    SnapshotFactory,
    SourceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = '</script><script>alert("xss-1")</script>'
ATTRIBUTE = '"><img src=x onerror=alert("xss-2")>'
MARKDOWN = '[click](javascript:alert("xss-3")) <script>alert("xss-4")</script> <b onmouseover=alert(5)>b</b>'

# Markers of a payload that survived as markup.
LIVE = [
    re.compile(r"<script>alert", re.I),
    re.compile(r"<img src=x onerror", re.I),
    re.compile(r"href=\"?javascript:", re.I),
    re.compile(r"<b onmouseover", re.I),
]


def _assert_inert(html: str, where: str) -> None:
    for marker in LIVE:
        assert not marker.search(html), f"{marker.pattern} live in {where}"


@pytest.fixture
def poisoned():
    claimant = ClaimantFactory(name=f"Minister {SCRIPT}", description=ATTRIBUTE)
    topic = TopicFactory(name=f"Borders {ATTRIBUTE}")
    claim = PublishedClaimFactory(
        title=f"Returns {SCRIPT}"[:75],
        text=f"They said {ATTRIBUTE} and {SCRIPT}",
        claimant=claimant,
        verdict_summary=f"Verdict {SCRIPT}",
        analysis=MARKDOWN,
        venue=ATTRIBUTE,
    )
    claim.topics.add(topic)
    FigureFactory(claim=claim, label=f"Figure {ATTRIBUTE}", period=SCRIPT)
    source = SourceFactory(title=f"Release {SCRIPT}", publisher=ATTRIBUTE)
    CitationFactory(claim=claim, source=source, excerpt=f"excerpt {SCRIPT} {ATTRIBUTE}")
    snapshot = SnapshotFactory(source=source, main_text=f"text {SCRIPT}")
    return claim, source, snapshot


def test_payloads_are_inert_in_public_pages(client, poisoned):
    claim, _source, snapshot = poisoned
    pages = [
        "/",
        f"/sources/archive/{snapshot.pk}/",
        "/claims/",
        claim.get_absolute_url(),
        claim.claimant.get_absolute_url(),
        f"/search/?q={SCRIPT}",
        f"/search/?q={ATTRIBUTE}",
        f"/topics/{claim.topics.first().slug}/",
        "/feeds/latest.rss",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_inert(response.content.decode(), path)
    detail = client.get(claim.get_absolute_url()).content.decode()
    # The text is still shown, escaped, not dropped.
    assert "&lt;script&gt;alert" in detail or "\\u003cscript" in detail


def test_json_ld_cannot_close_its_script_element(client, poisoned):
    claim, *_ = poisoned
    html = client.get(claim.get_absolute_url()).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    assert blocks, "the claim page publishes ClaimReview JSON-LD"
    for block in blocks:
        assert "<" not in block


def test_payloads_are_inert_in_admin_pages(admin_client, poisoned):
    claim, source, snapshot = poisoned
    citation = Citation.objects.get(claim=claim)
    pages = [
        "/admin/claims/claim/",
        f"/admin/claims/claim/{claim.pk}/change/",
        "/admin/claims/claimant/",
        f"/admin/claims/claimant/{claim.claimant_id}/change/",
        "/admin/claims/topic/",
        "/admin/claims/figure/",
        "/admin/sources/source/",
        f"/admin/sources/source/{source.pk}/change/",
        "/admin/sources/citation/",
        f"/admin/sources/citation/{citation.pk}/change/",
        f"/admin/sources/source/{source.pk}/snapshots/",
        f"/admin/sources/source/{source.pk}/snapshots/{snapshot.pk}/",
        f"/admin/claims/claim/?q={SCRIPT}",
        "/admin/claims/claimevent/",
    ]
    for path in pages:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        _assert_inert(response.content.decode(), path)


def test_api_returns_payloads_as_json_strings_not_html(client, poisoned):
    claim, *_ = poisoned
    response = client.get(f"/api/v1/claims/{claim.pk}/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["title"] == Claim.objects.get(pk=claim.pk).title
