"""Cached claim cards (claims/fragments.py) and the Python-rendered filter selects: the same
HTML as before, reused across lists, and never stale: a card is rendered again whenever its
claim, claimant, topics, figures, citations, sources or the rating scale change."""

import re
from unittest import mock

import pytest
from django import forms
from django.core.paginator import Paginator
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from claims import caching, fragments, selectors, views, workflow
from claims.models import Claim, Figure
from claims.widgets import QuickSelect
from sources.models import Citation, Source
from tests.factories import ClaimantFactory, TopicFactory
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db

INCLUDE_LOOP = Template(
    '{% for claim in claims %}{% include "claims/_claim_card.html" with level=level %}{% endfor %}'
)


@pytest.fixture
def page_cache_off(settings):
    """Whole pages rendered on every request: only the cards can be served from the cache."""
    settings.PUBLIC_PAGE_CACHE = False


@pytest.fixture
def renders():
    """How many cards were rendered (not read from the cache), per claim id."""
    counts: dict[int, int] = {}
    real = fragments.render_card

    def counting(claim, level):
        counts[claim.pk] = counts.get(claim.pk, 0) + 1
        return real(claim, level)

    with mock.patch.object(fragments, "render_card", counting):
        yield counts


def _cards(level: str = "2") -> str:
    return str(fragments.claim_cards(selectors.card_listing(), level))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("cached", [True, False])
def test_cards_are_the_html_the_included_template_renders(settings, language, cached):
    settings.PUBLIC_FRAGMENT_CACHE = cached
    publish_fact_check(title="First <claim> & more", needs_attention=True)
    corrected = publish_fact_check(title="Second claim")
    Claim.objects.filter(pk=corrected.pk).update(status=Claim.Status.CORRECTED)
    with translation.override(language):
        claims = list(selectors.listing())
        expected = INCLUDE_LOOP.render(Context({"claims": claims, "level": "2"}))
        assert _cards() == expected
        assert _cards() == expected  # read back from the cache
        assert "First &lt;claim&gt; &amp; more" in expected


def test_a_second_list_reads_the_cards_from_the_cache(anon, page_cache_off, renders):
    claims = [publish_fact_check(title=f"Claim {n}") for n in range(3)]
    first = anon.get("/claims/").content
    assert renders == {claim.pk: 1 for claim in claims}
    assert anon.get("/claims/").content == first
    assert renders == {claim.pk: 1 for claim in claims}
    # Another list with other headings renders its own; one in the same language reuses them.
    anon.get(claims[0].claimant.get_absolute_url())
    assert renders[claims[0].pk] == 2
    anon.get("/es/claims/")
    assert renders[claims[0].pk] == 3


def test_cards_are_not_shared_between_languages(anon, page_cache_off):
    publish_fact_check()
    assert "Checked" in anon.get("/claims/").content.decode()
    spanish = anon.get("/es/claims/").content.decode()
    assert "Checked" not in spanish
    assert 'href="/es/claims/' in spanish


def test_editing_a_claim_renders_only_its_card_again(anon, page_cache_off, renders):
    claim, other = publish_fact_check(title="Edited one"), publish_fact_check(title="Other one")
    anon.get("/claims/")
    claim.title = "Edited title"
    claim.save()
    html = anon.get("/claims/").content.decode()
    assert "Edited title" in html
    assert renders == {claim.pk: 2, other.pk: 1}


def test_claimant_topic_and_rating_changes_show_on_cached_cards(anon, page_cache_off):
    # (The filter form lists names too: the assertions look inside the cards.)
    claim = publish_fact_check(claimant=ClaimantFactory(name="Old Name"))
    anon.get("/claims/")
    claimant = claim.claimant
    claimant.name = "New Name"
    claimant.save()
    assert '<p class="card__who">New Name' in anon.get("/claims/").content.decode()

    topic = claim.topics.get()
    topic.name = "Renamed topic"
    topic.save()
    assert ">Renamed topic</a>" in anon.get("/claims/").content.decode()
    claim.topics.add(TopicFactory(name="Added topic"))
    assert ">Added topic</a>" in anon.get("/claims/").content.decode()

    rating = claim.rating
    rating.label = "Renamed verdict"
    rating.save()
    assert ">Renamed verdict</span>" in anon.get("/claims/").content.decode()


def test_evidence_flagged_by_monitoring_shows_on_cached_cards(anon, page_cache_off):
    claim = publish_fact_check()
    assert "Under review" not in anon.get("/claims/").content.decode()
    workflow.flag_for_attention([claim.pk], "A source changed.")  # update(), no model signal
    assert "Under review" in anon.get("/claims/").content.decode()


def test_figure_citation_and_source_changes_render_the_card_again(anon, page_cache_off, renders):
    claim, other = publish_fact_check(), publish_fact_check(title="Other one")
    anon.get("/claims/")
    figure = Figure.objects.get(claim=claim)
    figure.label = "Relabelled"
    figure.save()
    anon.get("/claims/")
    assert renders == {claim.pk: 2, other.pk: 1}

    citation = Citation.objects.get(claim=claim)
    citation.excerpt_state = Citation.ExcerptState.MISSING
    citation.save()
    anon.get("/claims/")
    assert renders == {claim.pk: 3, other.pk: 1}

    source = citation.source
    now = timezone.now()
    source.state, source.state_changed_at, source.last_checked_at = "broken", now, now
    source.save(update_fields=["state", "state_changed_at", "last_checked_at"])
    anon.get("/claims/")
    assert renders == {claim.pk: 4, other.pk: 1}


def test_cards_render_when_the_cache_is_down(anon, page_cache_off):
    claim = publish_fact_check(title="Shown anyway")
    broken = mock.Mock(side_effect=ConnectionError("redis down"))
    with mock.patch.multiple(
        caching.cache, get_many=broken, set_many=broken, add=broken, get=broken, set=broken
    ):
        response = anon.get("/claims/")
    assert response.status_code == 200
    assert claim.title in response.content.decode()


def test_cards_can_be_switched_off(anon, page_cache_off, settings, renders):
    settings.PUBLIC_FRAGMENT_CACHE = False
    claim = publish_fact_check()
    anon.get("/claims/"), anon.get("/claims/")
    assert renders == {claim.pk: 2}


@pytest.mark.parametrize("value", [None, "", "b", "<x>"])
def test_quick_select_renders_what_django_select_renders(value):
    choices = [
        ("", "Any"),
        ("a", "Plain"),
        ("b", "Ampersand & <b>tags</b>"),
        ("<x>", 'Quote "x"'),
        ("Group <1>", [("g1", "One"), ("g2", "Two")]),
    ]
    plain = forms.Select(attrs={"data-x": 'a"b', "required": True, "disabled": False})
    quick = QuickSelect(attrs={"data-x": 'a"b', "required": True, "disabled": False})
    plain.choices = quick.choices = choices
    for attrs in (None, {"id": "id_field", "aria-describedby": "field-error"}):
        assert quick.render("field", value, attrs) == plain.render("field", value, attrs)


# --- The claim page's blocks --------------------------------------------------------------------


def _varied_claims(reviewer) -> list[Claim]:
    plain = publish_fact_check(title="Plain <one> & more", figures=0, citations=0, analysis="")
    rich = publish_fact_check(title="Rich one", figures=3, citations=3, needs_attention=True)
    workflow.correct(rich, reviewer, workflow.CorrectionNote("The 2023 figure.", "A typo."))
    workflow.update_published(rich, reviewer, "A newer release came out.")
    never_checked = Citation.objects.filter(claim=rich).first().source
    never_checked.last_checked_at = None
    never_checked.save()
    repeat = publish_fact_check(title="Said again", repeat_of=plain)
    return [plain, rich, repeat]


@pytest.mark.parametrize("language", ["en", "es"])
def test_claim_pages_are_the_same_with_their_blocks_cached(
    anon, page_cache_off, settings, reviewer, language
):
    claims = _varied_claims(reviewer)
    prefix = "/es" if language == "es" else ""
    urls = [prefix + claim.get_absolute_url().removeprefix("/es") for claim in claims]
    settings.PUBLIC_FRAGMENT_CACHE = False
    expected = [anon.get(url).content.decode() for url in urls]
    settings.PUBLIC_FRAGMENT_CACHE = True
    rendered = [anon.get(url).content.decode() for url in urls]  # rendered and stored
    read_back = [anon.get(url).content.decode() for url in urls]  # from the cache
    assert rendered == expected
    assert read_back == expected
    assert f'<html lang="{language}">' in expected[0]
    assert "Plain &lt;one&gt; &amp; more" in expected[0] and "Said again" in expected[2]
    assert expected[1].count('class="source"') == 3


def test_a_cached_claim_page_costs_one_query(anon, page_cache_off):
    claim = publish_fact_check(figures=3, citations=3)
    anon.get(claim.get_absolute_url())
    with CaptureQueriesContext(connection) as ctx:
        assert anon.get(claim.get_absolute_url()).status_code == 200
    assert len(ctx.captured_queries) == 1


def test_a_routine_check_shows_its_time_on_a_cached_claim_page(anon, page_cache_off):
    claim = publish_fact_check(citations=2)
    anon.get(claim.get_absolute_url())
    checked = timezone.make_aware(timezone.datetime(2031, 5, 6, 7, 8))
    # A check that finds the page as before writes only the time: no page version is bumped.
    Source.objects.filter(citations__claim=claim).update(last_checked_at=checked)
    html = anon.get(claim.get_absolute_url()).content.decode()
    assert html.count("last checked <time") == 2
    assert "6 May 2031" in html


def test_the_repeated_claim_s_changes_show_on_a_cached_claim_page(anon, page_cache_off, reviewer):
    earlier = publish_fact_check(title="Earlier check")
    claim = publish_fact_check(title="Said again", repeat_of=earlier)
    assert "Earlier check" in anon.get(claim.get_absolute_url()).content.decode()
    earlier.title = "Earlier check, retitled"
    earlier.save()
    assert "Earlier check, retitled" in anon.get(claim.get_absolute_url()).content.decode()
    workflow.withdraw(earlier, reviewer, "Revised statistics.")
    assert "checked before" not in anon.get(claim.get_absolute_url()).content.decode()


def test_a_cached_claim_page_still_refuses_withdrawn_and_redirects_old_slugs(
    anon, page_cache_off, reviewer
):
    claim = publish_fact_check(title="First title")
    url = claim.get_absolute_url()
    anon.get(url)
    response = anon.get(url.replace(claim.slug, "old-slug"))
    assert response.status_code == 301 and response["Location"] == url
    workflow.withdraw(claim, reviewer, "Revised statistics.")
    assert anon.get(url).status_code == 410


def test_claim_pages_render_when_the_cache_is_down(anon, page_cache_off):
    claim = publish_fact_check(title="Shown anyway")
    broken = mock.Mock(side_effect=ConnectionError("redis down"))
    with mock.patch.multiple(
        caching.cache, get_many=broken, set_many=broken, add=broken, get=broken, set=broken
    ):
        response = anon.get(claim.get_absolute_url())
    assert response.status_code == 200
    assert "Shown anyway" in response.content.decode()


# --- The list's filter fields and count ---------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_list_pages_are_the_same_with_their_filter_fields_and_count_cached(
    anon, page_cache_off, settings, language
):
    claims = [publish_fact_check(title=f"Claim {n}") for n in range(3)]
    claims[1].topics.add(TopicFactory(name="Energy & <power>"))
    prefix = "/es" if language == "es" else ""
    urls = [
        f"{prefix}/claims/",
        f"{prefix}/claims/?topic={claims[1].topics.last().slug}",
        f"{prefix}/claims/?rating=no-such-rating&page=2",
        f"{prefix}/claims/?published_from=2030-01-01&published_to=2020-01-01",
    ]
    settings.PUBLIC_FRAGMENT_CACHE = False
    expected = [anon.get(url).content.decode() for url in urls]
    settings.PUBLIC_FRAGMENT_CACHE = True
    assert [anon.get(url).content.decode() for url in urls] == expected  # rendered, stored
    assert [anon.get(url).content.decode() for url in urls] == expected  # from the cache
    assert 'name="claimant"' in expected[0] and "Energy &amp; &lt;power&gt;" in expected[0]


def test_a_cached_list_count_and_filters_follow_new_claims_and_names(anon, page_cache_off):
    publish_fact_check(title="First", claimant=ClaimantFactory(name="Old Name"))
    before = anon.get("/claims/").content.decode()
    with CaptureQueriesContext(connection) as ctx:
        assert anon.get("/claims/").content.decode() == before
    cached_queries = len(ctx.captured_queries)
    claimant = Claim.objects.get().claimant
    claimant.name = "New Name"
    claimant.save()
    publish_fact_check(title="Second")
    html = anon.get("/claims/").content.decode()
    assert ">New Name</option>" in html and ">Old Name</option>" not in html
    assert "2 fact checks" in html
    with CaptureQueriesContext(connection) as ctx:
        anon.get("/claims/")
    assert len(ctx.captured_queries) == cached_queries


@pytest.mark.parametrize("cached", [True, False])
def test_list_pages_answer_every_page_number_as_the_paginator_does(
    anon, page_cache_off, settings, monkeypatch, cached
):
    settings.PUBLIC_FRAGMENT_CACHE = cached
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(5):
        publish_fact_check(title=f"Numbered {n}")
    for value in [None, "", "1", "2", "3", "03", "0", "-1", "x", "2.0", " 2", "4", "999", "1e1"]:
        url = "/claims/" if value is None else f"/claims/?page={value}"
        expected = Paginator(selectors.listing(), 2).get_page(value)
        for _ in range(2):  # rendered, then (with fragments) read back
            html = anon.get(url).content.decode()
            assert f"Page {expected.number} of 3" in html, url
            titles = re.findall(r'class="card__title"><a href="[^"]*">([^<]*)</a>', html)
            assert titles == [claim.title for claim in expected.object_list], url


def test_an_empty_list_shows_its_first_page(anon, page_cache_off):
    for url in ["/claims/", "/claims/?page=1", "/claims/?page=2"]:
        html = anon.get(url).content.decode()
        assert "No fact checks match these filters." in html and "0 fact checks" in html


def test_a_cached_list_page_asks_the_cache_twice(anon, page_cache_off, settings):
    settings.PUBLIC_PAGE_VERSION_TTL = 0  # versions read from the cache on every request
    for n in range(3):
        publish_fact_check(title=f"Claim {n}")
    anon.get("/claims/?page=1")
    with (
        mock.patch.object(caching.cache, "get_many", wraps=caching.cache.get_many) as get_many,
        mock.patch.object(caching.cache, "get", wraps=caching.cache.get) as get,
        CaptureQueriesContext(connection) as ctx,
    ):
        anon.get("/claims/?page=1")
    # The versions (site, lists, each claim's), then the filter fields, count and cards.
    assert get_many.call_count == 2
    # No get of its own (the local-memory cache answers get_many with one get per key; Redis
    # with one MGET).
    assert get.call_count in (0, sum(len(call.args[0]) for call in get_many.call_args_list))
    assert len(ctx.captured_queries) == 1  # the page's claims, with their topics


@pytest.mark.parametrize("language", ["en", "es"])
def test_search_pages_are_the_same_with_their_count_cached(
    anon, page_cache_off, settings, language
):
    for n in range(3):
        publish_fact_check(title=f"Returns claim {n}")
    prefix = "/es" if language == "es" else ""
    urls = [f"{prefix}/search/?q=returned", f"{prefix}/search/?q=9%2C400&languageCode=en"]
    settings.PUBLIC_FRAGMENT_CACHE = False
    expected = [anon.get(url).content.decode() for url in urls]
    settings.PUBLIC_FRAGMENT_CACHE = True
    assert [anon.get(url).content.decode() for url in urls] == expected
    assert [anon.get(url).content.decode() for url in urls] == expected
    assert expected[0].count('class="result"') == 3
    publish_fact_check(title="Returns claim 3")
    assert anon.get(urls[0]).content.decode().count('class="result"') == 4
