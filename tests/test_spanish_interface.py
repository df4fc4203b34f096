"""Every public page, the feeds and the editor's desk rendered in Spanish: no English interface
string is left (the catalogue's English msgids searched in each page's visible text)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import ReviewerFactory
from tests.support.spanish import build_spanish_desk, english_interface_strings, english_left

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(editor):
    """For readers: the default rating scale, which the catalogue translates."""
    return build_spanish_desk(editor, relabel_scale=False)


@pytest.fixture
def spanish_desk(editor):
    """For editors: a scale relabelled in Spanish (the admin edits labels as stored)."""
    return build_spanish_desk(editor, relabel_scale=True)


@pytest.fixture
def english() -> list[str]:
    strings = english_interface_strings()
    assert len(strings) > 300  # the catalogue's English, not an empty list that finds nothing
    return strings


def spanish_url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args, kwargs=kwargs)


def public_pages(desk) -> dict[str, tuple[str, int]]:
    """Every kind of public page, at its Spanish address, with the status it answers."""
    with translation.override("es"):
        return _public_pages(desk)


def _public_pages(desk) -> dict[str, tuple[str, int]]:
    claim = desk.claim
    older, newer = desk.snapshot_pks
    return {
        "home": (spanish_url("claims:home"), 200),
        "claim list": (spanish_url("claims:claim_list"), 200),
        "claim list, filtered": (spanish_url("claims:claim_list") + "?published_from=x", 200),
        "claim page": (claim.get_absolute_url(), 200),
        "repeated claim page": (desk.repeat.get_absolute_url(), 200),
        "withdrawn claim page": (desk.withdrawn.get_absolute_url(), 410),
        "claimant": (spanish_url("claims:claimant_detail", slug=claim.claimant.slug), 200),
        "topic": (spanish_url("claims:topic_detail", slug=claim.topics.get().slug), 200),
        "search": (spanish_url("claims:search") + "?q=devueltas", 200),
        "search, nothing found": (spanish_url("claims:search") + "?q=zzzz", 200),
        "empty search": (spanish_url("claims:search"), 200),
        "about": (spanish_url("claims:about"), 200),
        "archived text": (spanish_url("sources:snapshot_text", newer), 200),
        "older archived text": (spanish_url("sources:snapshot_text", older), 200),
        "archived changes": (spanish_url("sources:snapshot_changes", newer), 200),
        "not found": ("/es/no-existe/", 404),
        "feed": (spanish_url("claims:feed_rss"), 200),
        "claimant feed": (spanish_url("claims:claimant_atom", slug=claim.claimant.slug), 200),
    }


def test_spanish_claim_page_urls_are_language_prefixed(desk):
    assert desk.claim.get_absolute_url().startswith("/claims/")
    assert public_pages(desk)["claim page"][0].startswith("/es/claims/")


def test_every_public_page_in_spanish_leaves_no_english_interface_string(desk, english):
    client = Client()
    leftovers = {}
    for name, (url, status) in public_pages(desk).items():
        assert url.startswith("/es/"), name
        response = client.get(url)
        assert response.status_code == status, (name, url)
        html = response.content.decode()
        assert 'lang="es"' in html or name.endswith("feed"), name
        found = english_left(html, english)
        if found:
            leftovers[name] = found
    assert leftovers == {}


def admin_pages(desk) -> dict[str, str]:
    claim, source = desk.claim, desk.source
    older, newer = desk.snapshot_pks
    citation = claim.citations.get()
    return {
        "editor's desk": reverse("admin:index"),
        "claims list": reverse("admin:claims_claim_changelist"),
        "claim page": reverse("admin:claims_claim_change", args=[claim.pk]),
        "draft page": reverse("admin:claims_claim_change", args=[desk.draft.pk]),
        "new claim": reverse("admin:claims_claim_add"),
        "intake": reverse("admin_claim_intake"),
        "sources list": reverse("admin:sources_source_changelist"),
        "source page": reverse("admin:sources_source_change", args=[source.pk]),
        "archived versions": reverse("admin:sources_source_snapshots", args=[source.pk]),
        "archived text": reverse("admin:sources_source_snapshot_text", args=[source.pk, newer]),
        "versions compared": reverse("admin:sources_source_snapshot_diff", args=[source.pk])
        + f"?from={older}&to={newer}",
        "citation page": reverse("admin:sources_citation_change", args=[citation.pk]),
        "figures list": reverse("admin:claims_figure_changelist"),
        "claimants list": reverse("admin:claims_claimant_changelist"),
        "ratings list": reverse("admin:claims_rating_changelist"),
    }


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_the_editors_desk_in_spanish_leaves_no_english_interface_string(
    spanish_desk, english, editor, role
):
    desk = spanish_desk
    user = editor if role == "editor" else ReviewerFactory()
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "es"
    leftovers = {}
    pages = admin_pages(desk)
    if role == "reviewer":  # reviewers' own screens
        pages["withdraw"] = reverse("admin:claims_claim_withdraw", args=[desk.claim.pk])
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        html = response.content.decode()
        assert '<html lang="es"' in html, name
        found = english_left(html, english)
        if found:
            leftovers[name] = found
    assert leftovers == {}
