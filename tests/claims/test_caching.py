"""The public page cache: anonymous hits, fresh pages for editors, invalidation, failing soft."""

from unittest import mock

import pytest
from django.utils import timezone

from claims import caching
from claims.models import Figure
from sources.models import Citation, Source
from tests.factories import ClaimantFactory, ClaimFactory
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db


def test_anonymous_pages_are_served_from_the_cache(anon, fact_check):
    url = fact_check.get_absolute_url()
    assert anon.get(url)["X-Page-Cache"] == "miss"
    assert anon.get(url)["X-Page-Cache"] == "hit"
    assert anon.get("/claims/")["X-Page-Cache"] == "miss"
    assert anon.get("/claims/")["X-Page-Cache"] == "hit"


def test_logged_in_users_always_get_a_fresh_page(editor_client, fact_check):
    url = fact_check.get_absolute_url()
    for _ in range(2):
        response = editor_client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200
        assert "X-Page-Cache" not in response


def test_not_found_pages_are_not_cached(anon):
    draft = ClaimFactory()
    assert anon.get(draft.get_absolute_url()).status_code == 404
    assert "X-Page-Cache" not in anon.get(draft.get_absolute_url())


def test_a_source_state_change_shows_on_the_claim_page(anon, fact_check):
    url = fact_check.get_absolute_url()
    assert "tone--good" in anon.get(url).content.decode()
    source = fact_check.citations.get().source
    now = timezone.now()
    source.state = Source.State.BROKEN
    source.state_changed_at = now
    source.last_checked_at = now
    source.save(update_fields=["state", "state_changed_at", "last_checked_at"])  # as a check does
    response = anon.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Broken" in response.content.decode()


def test_a_routine_source_check_does_not_empty_other_pages(anon, fact_check):
    other = publish_fact_check(title="Other claim")
    anon.get(other.get_absolute_url())
    anon.get("/claims/")
    source = fact_check.citations.get().source
    source.last_checked_at = timezone.now()
    source.save()  # same state: only the citing claim's page is stale
    assert anon.get(other.get_absolute_url())["X-Page-Cache"] == "hit"
    assert anon.get("/claims/")["X-Page-Cache"] == "hit"
    assert anon.get(fact_check.get_absolute_url())["X-Page-Cache"] == "miss"


def test_citation_figure_and_claim_changes_invalidate(anon, fact_check):
    url = fact_check.get_absolute_url()
    anon.get(url)
    citation = fact_check.citations.get()
    citation.excerpt_state = Citation.ExcerptState.MISSING
    citation.save()
    assert "Missing" in anon.get(url).content.decode()
    figure = fact_check.figures.get()
    figure.unit = Figure.Unit.GBP
    figure.save()
    assert "£9,400" in anon.get(url).content.decode()
    fact_check.verdict_summary = "A new summary."
    fact_check.save()
    assert "A new summary." in anon.get(url).content.decode()
    assert "A new summary." in anon.get("/").content.decode()


def test_pages_render_when_the_cache_is_down(anon, fact_check):
    broken = mock.Mock(side_effect=ConnectionError("redis down"))
    with (
        mock.patch.object(caching.cache, "get_many", broken),
        mock.patch.object(caching.cache, "get", broken),
        mock.patch.object(caching.cache, "set", broken),
        mock.patch.object(caching.cache, "incr", broken),
        mock.patch.object(caching.cache, "add", broken),
    ):
        response = anon.get(fact_check.get_absolute_url())
        assert response.status_code == 200
        fact_check.verdict_summary = "Saved while the cache is down."
        fact_check.save()  # invalidation must not raise either
    assert (
        "Saved while the cache is down." in anon.get(fact_check.get_absolute_url()).content.decode()
    )


def test_the_cache_can_be_switched_off(anon, fact_check, settings):
    settings.PUBLIC_PAGE_CACHE = False
    url = fact_check.get_absolute_url()
    anon.get(url)
    assert "X-Page-Cache" not in anon.get(url)


def test_a_flushed_shared_cache_never_brings_back_a_local_stale_page(anon, fact_check, settings):
    from django.core.cache import cache

    from claims.models import Claim

    settings.PUBLIC_PAGE_VERSION_TTL = 0  # strict: versions read on every request
    url = fact_check.get_absolute_url()
    anon.get(url)
    assert anon.get(url)["X-Page-Cache"] == "hit"
    # A change that fires no signal, then Redis restarts empty: versions start afresh.
    Claim.objects.filter(pk=fact_check.pk).update(verdict_summary="Changed behind our back.")
    cache.clear()
    response = anon.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Changed behind our back." in response.content.decode()


def test_with_a_version_ttl_hits_skip_the_shared_cache_but_own_changes_show(
    anon, fact_check, settings
):
    settings.PUBLIC_PAGE_VERSION_TTL = 30
    url = fact_check.get_absolute_url()
    anon.get(url)
    with mock.patch.object(caching.cache, "get_many", side_effect=AssertionError("round trip")):
        assert anon.get(url)["X-Page-Cache"] == "hit"
    fact_check.verdict_summary = "Seen at once by this worker."
    fact_check.save()
    assert "Seen at once by this worker." in anon.get(url).content.decode()


def test_a_routine_check_that_changes_nothing_costs_no_invalidation(anon, fact_check):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = fact_check.get_absolute_url()
    anon.get(url)
    source = fact_check.citations.get().source
    source.last_checked_at = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        source.save(update_fields=["last_checked_at"])  # what an unchanged check writes
    assert len(ctx.captured_queries) == 1
    assert anon.get(url)["X-Page-Cache"] == "hit"


def test_by_default_another_workers_invalidation_shows_within_the_version_ttl(
    anon, fact_check, settings
):
    import time

    from claims.models import Claim

    assert caching.version_ttl() == 1.0  # the shipped default
    settings.PUBLIC_PAGE_VERSION_TTL = 0.3
    url = fact_check.get_absolute_url()
    anon.get(url)
    assert anon.get(url)["X-Page-Cache"] == "hit"
    # Another worker changes the claim: the shared version moves, this worker's memo does not.
    Claim.objects.filter(pk=fact_check.pk).update(verdict_summary="Changed by another worker.")
    caching.cache.incr(caching._claim_version_key(fact_check.pk))
    assert anon.get(url)["X-Page-Cache"] == "hit"  # within the TTL: the page read before
    time.sleep(0.35)
    response = anon.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Changed by another worker." in response.content.decode()


def _status(anon, url: str) -> str:
    return anon.get(url)["X-Page-Cache"]


def test_editing_one_claim_leaves_the_other_claim_pages_cached(anon, fact_check):
    other = publish_fact_check(title="Other claim")
    for url in (fact_check.get_absolute_url(), other.get_absolute_url(), "/claims/"):
        anon.get(url)
    ClaimFactory(title="An editor's new draft")  # editorial work elsewhere
    other.verdict_summary = "Reworded."
    other.save()
    assert _status(anon, fact_check.get_absolute_url()) == "hit"
    assert _status(anon, other.get_absolute_url()) == "miss"
    assert "Reworded." in anon.get("/claims/").content.decode()  # lists did change


def test_claimant_and_topic_edits_refresh_the_pages_that_show_them(anon, fact_check):
    from tests.factories import TopicFactory

    other = publish_fact_check(title="Other claim", claimant=ClaimantFactory(name="Someone Else"))
    url, other_url = fact_check.get_absolute_url(), other.get_absolute_url()
    anon.get(url), anon.get(other_url)
    claimant = fact_check.claimant
    claimant.name = "The Home Office press team"
    claimant.save()
    assert "The Home Office press team" in anon.get(url).content.decode()
    assert _status(anon, other_url) == "hit"

    topic = TopicFactory(name="Returns policy")
    topic.claims.add(fact_check)  # from the topic's side
    assert "Returns policy" in anon.get(url).content.decode()
    topic.name = "Removals policy"
    topic.save()
    assert "Removals policy" in anon.get(url).content.decode()
    fact_check.topics.remove(topic)  # from the claim's side
    assert "Removals policy" not in anon.get(url).content.decode()
    assert _status(anon, other_url) == "hit"


def test_a_rating_scale_change_refreshes_every_page(anon, fact_check):
    other = publish_fact_check(title="Other claim")
    anon.get(fact_check.get_absolute_url()), anon.get(other.get_absolute_url())
    rating = other.rating
    rating.label = "Renamed verdict"
    rating.save()
    assert "Renamed verdict" in anon.get(other.get_absolute_url()).content.decode()
    assert _status(anon, fact_check.get_absolute_url()) == "miss"


def test_a_source_turning_broken_refreshes_the_citing_pages_only(anon, fact_check):
    # Lists show no source; they move when a check flags the claim (workflow's flagging).
    other = publish_fact_check(title="Other claim")
    for url in (fact_check.get_absolute_url(), other.get_absolute_url(), "/claims/"):
        anon.get(url)
    source = fact_check.citations.get().source
    now = timezone.now()
    source.state, source.state_changed_at, source.last_checked_at = "broken", now, now
    source.save(update_fields=["state", "state_changed_at", "last_checked_at"])
    assert _status(anon, "/claims/") == "hit"
    assert _status(anon, fact_check.get_absolute_url()) == "miss"
    assert _status(anon, other.get_absolute_url()) == "hit"


def _cache_unreachable():
    broken = mock.Mock(side_effect=ConnectionError("redis unreachable"))
    return mock.patch.multiple(caching.cache, incr=broken, add=broken)


def test_a_change_made_while_the_cache_is_unreachable_shows_once_it_answers(anon, fact_check):
    from claims.models import PendingPageInvalidation
    from claims.tasks import flush_page_invalidations

    url = fact_check.get_absolute_url()
    anon.get(url)
    with _cache_unreachable():  # Redis unreachable for a moment, but keeping its data
        fact_check.verdict_summary = "A correction published during the outage."
        fact_check.save()
    recorded = set(PendingPageInvalidation.objects.values_list("key", flat=True))
    assert recorded == {caching.LISTS_VERSION_KEY, caching._claim_version_key(fact_check.pk)}
    caching.forget_local_state()  # another worker: it has the old page, not the edit
    assert anon.get(url)["X-Page-Cache"] == "hit"  # the versions in Redis never moved

    assert flush_page_invalidations() == 2
    response = anon.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "A correction published during the outage." in response.content.decode()
    assert not PendingPageInvalidation.objects.exists()


def test_pending_invalidations_stay_recorded_while_the_cache_is_still_down(fact_check):
    from claims.models import PendingPageInvalidation

    with _cache_unreachable():
        fact_check.save()
        fact_check.save()  # recorded once per key
        assert caching.flush_pending() == 0
    assert PendingPageInvalidation.objects.count() == 2
    assert caching.flush_pending() == 2
    assert PendingPageInvalidation.objects.count() == 0


def test_a_rolled_back_change_leaves_no_pending_invalidation(fact_check):
    from django.db import transaction

    from claims.models import PendingPageInvalidation

    with _cache_unreachable(), pytest.raises(RuntimeError), transaction.atomic():
        fact_check.save()
        raise RuntimeError("the edit fails")
    assert not PendingPageInvalidation.objects.exists()


def test_beat_flushes_pending_invalidations_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["flush-page-invalidations"]
    assert entry["task"] == "claims.tasks.flush_page_invalidations"
    assert entry["schedule"].total_seconds() == 60


def test_deferred_invalidation_sends_each_key_once_when_the_block_ends(anon, fact_check):
    url = fact_check.get_absolute_url()
    anon.get(url)
    bumped = []
    real = caching._try_bump
    with (
        mock.patch.object(
            caching, "_try_bump", side_effect=lambda key: bumped.append(key) or real(key)
        ),
        caching.deferred_invalidation(),
    ):
        for n in range(3):
            fact_check.verdict_summary = f"Revised {n}."
            fact_check.save()
        assert bumped == []  # nothing sent during the bulk write
        assert _status(anon, url) == "hit"
    assert sorted(bumped) == sorted({caching.LISTS_VERSION_KEY, f"public:v:claim:{fact_check.pk}"})
    assert _status(anon, url) == "miss"


def test_a_deferred_block_that_fails_sends_nothing(fact_check):
    with (
        mock.patch.object(caching, "_try_bump") as bump,
        pytest.raises(RuntimeError),
        caching.deferred_invalidation(),
    ):
        fact_check.save()
        raise RuntimeError("the bulk write failed")
    bump.assert_not_called()


def test_one_address_never_serves_another_languages_cached_page(rf):
    """Pages outside the language-prefixed URLs (the sitemap) follow Accept-Language."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.utils import translation

    view = caching.cached_public_page(lambda request: HttpResponse(translation.get_language()))
    answers = []
    for language in ("en", "es", "en"):
        request = rf.get("/sitemap.xml")
        request.user = AnonymousUser()
        with translation.override(language):
            response = view(request)
        answers.append((response.content.decode(), response["X-Page-Cache"]))
    assert answers == [("en", "miss"), ("es", "miss"), ("en", "hit")]


def test_with_the_database_unreachable_the_last_good_page_is_served(anon, fact_check):
    from django.db import OperationalError, connection

    url = fact_check.get_absolute_url()
    assert anon.get(url)["X-Page-Cache"] == "miss"
    assert anon.get("/claims/")["X-Page-Cache"] == "miss"
    caching.invalidate_lists([fact_check.pk])  # changed; then the database goes away

    def unreachable(execute, sql, params, many, context):
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(unreachable):
        response = anon.get(url)
        assert response.status_code == 200
        assert response["X-Page-Cache"] == "stale"
        assert fact_check.title in response.content.decode()
        assert anon.get("/claims/")["X-Page-Cache"] == "stale"
        with pytest.raises(OperationalError):  # never rendered: nothing to fall back on
            anon.get("/claimants/someone-never-seen/")
    assert anon.get(url)["X-Page-Cache"] == "miss"  # back: rendered fresh
