"""Background warm-up: after a change, the pages it emptied are rendered before readers ask."""

from unittest import mock

import pytest

from claims import caching, tasks, warmup
from claims.models import Claim
from tests.factories import ClaimFactory
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def warmup_on(settings):
    settings.PUBLIC_PAGE_WARMUP = True
    settings.PUBLIC_PAGE_WARMUP_DELAY = 0


def _invalidate_and_warm(change, django_capture_on_commit_callbacks) -> list:
    """Make the change, commit, and run the tasks it asked for; the (args) of each run."""
    runs = []
    with (
        mock.patch.object(
            tasks.warm_public_pages, "apply_async", side_effect=lambda args, **kw: runs.append(args)
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        change()
    for args in runs:
        tasks.warm_public_pages(*args)
    return runs


def test_after_an_edit_the_next_anonymous_requests_are_hits(
    anon, fact_check, warmup_on, django_capture_on_commit_callbacks
):
    urls = [
        fact_check.get_absolute_url(),
        "/",
        "/claims/",
        "/feeds/latest.rss",
        f"/claimants/{fact_check.claimant.slug}/",
        f"/topics/{fact_check.topics.get().slug}/",
        "/es/",
        f"/es{fact_check.get_absolute_url()}",
    ]
    for url in urls:
        anon.get(url)

    def edit():
        claim = Claim.objects.get(pk=fact_check.pk)
        claim.verdict_summary = "Warmed summary."
        claim.save()

    runs = _invalidate_and_warm(edit, django_capture_on_commit_callbacks)
    assert runs == [([fact_check.pk], True)]
    for url in urls:
        response = anon.get(url)
        assert response.status_code == 200, url
        assert response["X-Page-Cache"] == "hit", url
    assert "Warmed summary." in anon.get(fact_check.get_absolute_url()).content.decode()
    assert "Warmed summary." in anon.get("/claims/").content.decode()


def test_pages_readers_waited_for_are_warmed_after_the_next_change(
    anon, fact_check, warmup_on, django_capture_on_commit_callbacks
):
    # Pages the warm-up cannot guess (a search, a later page, a filter) are learnt from readers.
    read = ["/search/?q=returned", "/claims/?page=1&sort=newest", "/es/search/?q=returned"]
    for url in read:
        assert anon.get(url)["X-Page-Cache"] == "miss", url
    assert caching.recently_read_lists_pages("en") == ["/claims/?page=1&sort=newest", read[0]]
    assert caching.recently_read_lists_pages("es") == [read[2]]

    def edit():
        claim = Claim.objects.get(pk=fact_check.pk)
        claim.verdict_summary = "Warmed summary."
        claim.save()

    _invalidate_and_warm(edit, django_capture_on_commit_callbacks)
    for url in read:
        assert anon.get(url)["X-Page-Cache"] == "hit", url
    # The warm-up's own renders are not readers': what it renders does not stay on the list.
    assert len(caching.recently_read_lists_pages("en")) == 2


def test_the_pages_remembered_for_the_warm_up_are_bounded_and_expire(anon, db, monkeypatch):
    monkeypatch.setattr(caching, "RECENT_LISTS_SIZE", 3)
    for n in range(5):
        anon.get(f"/search/?q=term{n}")
    assert caching.recently_read_lists_pages("en") == [f"/search/?q=term{n}" for n in (4, 3, 2)]
    monkeypatch.setattr(caching, "RECENT_LISTS_TIMEOUT", -1)
    assert caching.recently_read_lists_pages("en") == []


def test_a_burst_of_invalidations_asks_for_one_run_per_page_group(
    fact_check, warmup_on, django_capture_on_commit_callbacks
):
    def burst():
        for n in range(5):
            claim = Claim.objects.get(pk=fact_check.pk)
            claim.verdict_summary = f"Revised {n}."
            claim.save()
            caching.invalidate_claims([fact_check.pk])

    runs = []
    with mock.patch.object(
        tasks.warm_public_pages, "apply_async", side_effect=lambda args, **kw: runs.append(args)
    ):
        with django_capture_on_commit_callbacks(execute=True):
            burst()
        assert runs == [([fact_check.pk], True)]
        tasks.warm_public_pages(*runs[0])  # the run clears the marks: later changes ask again
        with django_capture_on_commit_callbacks(execute=True):
            caching.invalidate_claims([fact_check.pk])
    assert runs == [([fact_check.pk], True), ([fact_check.pk], False)]


def test_a_run_renders_at_most_the_configured_number_of_pages(
    anon, warmup_on, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_PAGE_WARMUP_MAX_PAGES = 3
    claims = [publish_fact_check(title=f"Claim {n}") for n in range(4)]
    assert warmup.warm_pages([c.pk for c in claims], lists=True) == 3


def test_drafts_and_the_switch_off_ask_for_nothing(
    settings, warmup_on, django_capture_on_commit_callbacks
):
    draft = ClaimFactory()
    assert warmup.pages_to_warm([draft.pk], lists=False) == []
    settings.PUBLIC_PAGE_WARMUP = False
    runs = _invalidate_and_warm(
        lambda: caching.invalidate_lists([draft.pk]), django_capture_on_commit_callbacks
    )
    assert runs == []


def test_warm_up_renders_are_not_counted_as_readers_requests(
    fact_check, warmup_on, django_capture_on_commit_callbacks
):
    from claims import cache_metrics

    counted = []
    with mock.patch.object(cache_metrics, "count", side_effect=counted.append):
        assert warmup.warm_pages([fact_check.pk], lists=True) > 0
    assert counted == []


def test_until_the_due_run_renders_a_page_readers_get_its_previous_rendering(
    anon, fact_check, warmup_on, django_capture_on_commit_callbacks
):
    url = fact_check.get_absolute_url()
    anon.get(url), anon.get("/claims/")
    runs = []
    with (
        mock.patch.object(
            tasks.warm_public_pages, "apply_async", side_effect=lambda args, **kw: runs.append(args)
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        claim = Claim.objects.get(pk=fact_check.pk)
        claim.verdict_summary = "Reworded."
        claim.save()
    assert runs == [([fact_check.pk], True)]
    for page in (url, "/claims/"):
        response = anon.get(page)
        assert response["X-Page-Cache"] == "stale"
        assert "Reworded." not in response.content.decode()
    assert anon.get("/claims/?page=1")["X-Page-Cache"] == "miss"  # never rendered: rendered
    tasks.warm_public_pages(*runs[0])
    for page in (url, "/claims/"):
        response = anon.get(page)
        assert response["X-Page-Cache"] == "hit"
        assert "Reworded." in response.content.decode()


def test_without_a_due_run_a_changed_page_is_rendered_fresh(anon, fact_check, warmup_on):
    url = fact_check.get_absolute_url()
    anon.get(url)
    claim = Claim.objects.get(pk=fact_check.pk)
    claim.verdict_summary = "Reworded."
    claim.save()  # warm-up asked for only after commit: none is due in this test transaction
    response = anon.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Reworded." in response.content.decode()


def test_while_a_run_renders_readers_keep_the_previous_rendering(
    anon, fact_check, warmup_on, django_capture_on_commit_callbacks
):
    url = fact_check.get_absolute_url()
    anon.get(url)
    caching.invalidate_claims([fact_check.pk])
    seen = []
    real = warmup._render_all

    def render_all(claim_ids, lists):
        seen.append(anon.get(url)["X-Page-Cache"])  # a reader during the run
        return real(claim_ids, lists)

    with mock.patch.object(warmup, "_render_all", render_all):
        assert warmup.warm_pages([fact_check.pk], lists=False) == 2  # en and es
    assert seen == ["stale"]
    assert anon.get(url)["X-Page-Cache"] == "hit"
