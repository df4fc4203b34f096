"""check_source against real HTTP servers on 127.0.0.1 (pytest-httpserver)."""

import gzip
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from werkzeug import Response

from claims.models import Claim
from sources.checking import FAILURES, check_source
from sources.models import Citation, Snapshot, Source, SourceCheck
from tests.factories import CitationFactory, PublishedClaimFactory, SourceFactory
from tests.support.builders import make_pdf
from tests.support.pages import EXCERPT, article

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def cited(site, fast_rules):
    """A source on the local server cited by a published claim for its 9,400 figure."""
    site.set("/returns", article())
    source = SourceFactory(url=site.url("/returns"), title="")
    citation = CitationFactory(
        source=source, claim=PublishedClaimFactory(), excerpt=EXCERPT, cited_figure="9,400"
    )
    return source, citation


def refreshed(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return objects


def test_first_check_stores_a_snapshot_and_finds_the_excerpt(cited):
    source, citation = cited
    check = check_source(source.pk)
    refreshed(source, citation)
    assert check.outcome == "ok" and check.http_status == 200
    assert source.state == "ok" and source.last_outcome == "ok"
    assert source.title == "Returns rise | Home Office"  # filled from the page when blank
    assert (
        source.current_snapshot.content_hash and "9,400 people" in source.current_snapshot.main_text
    )
    assert citation.excerpt_state == "present" and citation.found_figure == "9,400"
    assert citation.excerpt_prefix.endswith("The Home Office said that")  # context recorded
    assert source.next_check_at - source.last_checked_at == HOUR


def test_the_same_check_run_twice_adds_no_rows(cited):
    source, _ = cited
    first = check_source(source.pk)
    second = check_source(source.pk)
    assert first.pk == second.pk
    assert SourceCheck.objects.filter(source=source).count() == 1
    assert Snapshot.objects.filter(source=source).count() == 1
    second.refresh_from_db()
    assert second.repeat_count == 2
    source.refresh_from_db()
    assert source.check_interval_seconds == 2 * 3600  # stable: backing off


def test_history_grows_with_changes_not_with_checks(cited, site):
    source, _ = cited
    for _ in range(5):
        check_source(source.pk)
    site.set("/returns", article("9,450"))
    for _ in range(5):
        check_source(source.pk)
    outcomes = list(
        source.checks.order_by("started_at", "pk").values_list("outcome", "repeat_count")
    )
    assert outcomes == [("ok", 5), ("changed", 5)]
    assert source.snapshots.count() == 2


def test_the_same_bytes_again_skip_extraction(cited, monkeypatch):
    from sources import checking

    source, _ = cited
    check_source(source.pk)
    calls = []
    monkeypatch.setattr(checking, "extract", lambda *a, **k: calls.append(a))
    check = check_source(source.pk)
    assert calls == []  # the body hash matched: nothing to re-read
    assert check.outcome == "ok" and check.repeat_count == 2


def test_conditional_request_with_etag_is_not_modified(cited, site):
    source, _ = cited
    site.set("/returns", article(), ETag='"v1"')
    check_source(source.pk)
    check = check_source(source.pk)
    source.refresh_from_db()
    assert site.requests[-1].headers.get("If-None-Match") == '"v1"'
    assert source.last_outcome == "not_modified" and source.state == "ok"
    assert check.repeat_count == 2  # the same version, seen twice
    assert check.content_length == len(article().encode())  # not wiped by the empty 304
    assert source.snapshots.count() == 1


def test_edited_figure_is_figure_changed_with_both_numbers_and_flags_the_claim(cited, site):
    source, citation = cited
    check_source(source.pk)
    site.set("/returns", article("9,450"))
    check = check_source(source.pk)
    source, citation = refreshed(source, citation)
    claim = Claim.objects.get(pk=citation.claim_id)
    assert check.outcome == "changed" and source.state == "changed"
    assert source.snapshots.count() == 2
    assert citation.excerpt_state == "figure_changed"
    assert (citation.cited_figure, citation.found_figure) == ("9,400", "9,450")
    assert "9,450 people" in citation.found_text
    assert claim.needs_attention and "9,400 → 9,450" in claim.attention_reason
    assert source.check_interval_seconds == 3600  # a change resets the back-off


def test_removed_excerpt_is_missing_then_present_again_when_restored(cited, site):
    source, citation = cited
    check_source(source.pk)
    original = source.snapshots.get()
    site.set("/returns", article(with_excerpt=False))
    check_source(source.pk)
    refreshed(citation)
    assert citation.excerpt_state == "missing"
    assert Claim.objects.get(pk=citation.claim_id).needs_attention
    site.set("/returns", article())
    check = check_source(source.pk)
    source, citation = refreshed(source, citation)
    assert citation.excerpt_state == "present"
    assert check.outcome == "changed"
    # The restored text is the first version again: no third snapshot.
    assert source.snapshots.count() == 2
    assert source.current_snapshot_id == original.pk


def test_acknowledged_attention_is_not_raised_again_by_the_same_moved_evidence(cited, site, editor):
    from claims import workflow

    source, citation = cited
    check_source(source.pk)
    site.set("/returns", article("9,450"))
    check_source(source.pk)
    claim = Claim.objects.get(pk=citation.claim_id)
    workflow.acknowledge_attention(claim, editor)
    check_source(source.pk)
    claim.refresh_from_db()
    assert not claim.needs_attention
    site.set("/returns", article("9,500"))  # but a further change flags it again
    check_source(source.pk)
    claim.refresh_from_db()
    assert claim.needs_attention and "9,400 → 9,500" in claim.attention_reason


def test_one_failure_does_not_change_the_state_or_lose_the_snapshot(cited, site):
    source, citation = cited
    check_source(source.pk)
    snapshot_id = Source.objects.get(pk=source.pk).current_snapshot_id
    site.set("/returns", "gone away", status=404)
    check = check_source(source.pk)
    source, citation = refreshed(source, citation)
    assert check.outcome == "not_found" and check.http_status == 404
    assert source.state == "ok" and source.consecutive_failures == 1
    assert source.first_failure_at == source.last_checked_at
    assert source.current_snapshot_id == snapshot_id
    assert citation.excerpt_state == "present"  # a failed check says nothing about the excerpt


def test_broken_only_after_enough_failures_spread_over_enough_time(cited, site):
    source, citation = cited
    t0 = timezone.now()
    check_source(source.pk, now=t0)
    site.set("/returns", "server trouble", status=500)
    for hours in (1, 2, 3, 4):  # four failures within 4 hours: still not broken
        check_source(source.pk, now=t0 + hours * HOUR)
    source.refresh_from_db()
    assert source.state == "ok" and source.consecutive_failures == 4
    assert not Claim.objects.get(pk=citation.claim_id).needs_attention
    check_source(source.pk, now=t0 + 25 * HOUR)
    source.refresh_from_db()
    assert source.state == "broken"
    claim = Claim.objects.get(pk=citation.claim_id)
    assert claim.needs_attention and "Source broken" in claim.attention_reason
    assert source.current_snapshot is not None  # the archive stays
    # One row for the whole run of server errors.
    assert source.checks.filter(outcome="server_error").get().repeat_count == 5


def test_two_failures_over_two_days_are_not_enough(cited, site):
    source, _ = cited
    t0 = timezone.now()
    check_source(source.pk, now=t0)
    site.set("/returns", "x", status=503)
    check_source(source.pk, now=t0 + HOUR)
    check_source(source.pk, now=t0 + 48 * HOUR)
    source.refresh_from_db()
    assert source.state == "ok" and source.consecutive_failures == 2


def test_a_recovered_source_is_ok_again_and_its_counters_reset(cited, site):
    source, _ = cited
    t0 = timezone.now()
    check_source(source.pk, now=t0)
    site.set("/returns", "x", status=500)
    for hours in (1, 13, 26):
        check_source(source.pk, now=t0 + hours * HOUR)
    assert Source.objects.get(pk=source.pk).state == "broken"
    site.set("/returns", article())
    check_source(source.pk, now=t0 + 50 * HOUR)
    source.refresh_from_db()
    assert source.state == "ok"
    assert (source.consecutive_failures, source.first_failure_at) == (0, None)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(404, "not_found"), (410, "gone"), (500, "server_error"), (503, "server_error")],
)
def test_http_errors_are_classified(cited, site, status, outcome):
    source, _ = cited
    site.set("/returns", "nope", status=status)
    check = check_source(source.pk)
    assert check.outcome == outcome and check.http_status == status
    assert outcome in FAILURES


def test_permanent_redirect_marks_the_source_redirected_and_keeps_its_url(cited, site):
    source, citation = cited
    site.set("/returns", b"", status=301, Location=site.url("/news/returns-2024"))
    site.set("/news/returns-2024", article())
    check = check_source(source.pk)
    source, citation = refreshed(source, citation)
    assert check.outcome == "redirected"
    assert source.state == "redirected"
    assert source.url == site.url("/returns")
    assert source.final_url == site.url("/news/returns-2024")
    assert check.redirect_chain and check.redirect_chain[0]["status"] == 301
    assert citation.excerpt_state == "present"  # the text is read at the new address


def test_temporary_redirect_is_just_ok(cited, site):
    source, _ = cited
    site.set("/returns", b"", status=302, Location=site.url("/tmp/returns"))
    site.set("/tmp/returns", article())
    check = check_source(source.pk)
    source.refresh_from_db()
    assert check.outcome == "ok" and source.state == "ok" and source.final_url == ""


def test_redirect_chain_is_followed_and_recorded(cited, site):
    source, _ = cited
    site.set("/returns", b"", status=301, Location=site.url("/a"))
    site.set("/a", b"", status=302, Location=site.url("/b"))
    site.set("/b", b"", status=307, Location=site.url("/final"))
    site.set("/final", article())
    check = check_source(source.pk)
    assert [hop["status"] for hop in check.redirect_chain][:3] == [301, 302, 307]
    assert check.final_url == site.url("/final")


def test_redirect_loop_is_a_failure_not_a_hang(cited, site):
    source, _ = cited
    site.set("/returns", b"", status=302, Location=site.url("/loop"))
    site.set("/loop", b"", status=302, Location=site.url("/returns"))
    started = time.monotonic()
    check = check_source(source.pk)
    assert check.outcome in FAILURES
    assert time.monotonic() - started < 5


def test_slow_answer_times_out(cited, site, settings):
    source, _ = cited
    settings.SOURCES_TOTAL_TIMEOUT = 1

    def slow(request):
        time.sleep(2.5)
        return Response(article(), content_type="text/html")

    site.pages["/returns"] = (200, {}, slow)
    started = time.monotonic()
    check = check_source(source.pk)
    assert check.outcome == "timeout"
    assert time.monotonic() - started < 2.4


def test_huge_body_is_too_large(cited, site, settings):
    source, _ = cited
    settings.SOURCES_MAX_BYTES = 100_000
    site.set("/returns", article(extra="<p>" + "filler words " * 50_000 + "</p>"))
    assert check_source(source.pk).outcome == "too_large"


def test_gzip_bomb_is_too_large_by_its_decompressed_size(cited, site, settings):
    source, _ = cited
    settings.SOURCES_MAX_BYTES = 1_000_000
    bomb = gzip.compress(b"<html><body>" + b"A" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    site.set("/returns", bomb, **{"Content-Encoding": "gzip"})
    assert check_source(source.pk).outcome == "too_large"


@pytest.mark.parametrize("content_type", ["image/png", "application/zip"])
def test_wrong_content_type_is_unsupported(cited, site, content_type):
    source, citation = cited
    site.set("/returns", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, **{"Content-Type": content_type})
    check = check_source(source.pk)
    assert check.outcome == "unsupported"
    citation.refresh_from_db()
    assert citation.excerpt_state == "unknown"


def test_pdf_source_is_read_and_its_excerpt_found(site, fast_rules):
    pdf = make_pdf(["Immigration statistics.", "In 2024, 9,400 people were returned."], "Stats")
    site.set("/stats.pdf", pdf, **{"Content-Type": "application/pdf"})
    source = SourceFactory(url=site.url("/stats.pdf"))
    citation = CitationFactory(source=source, excerpt="9,400 people were returned")
    check = check_source(source.pk)
    citation.refresh_from_db()
    assert check.outcome == "ok"
    assert source.snapshots.get().content_type.startswith("application/pdf")
    assert citation.excerpt_state == "present"


def test_soft_404_page_counts_as_a_failure(cited, site):
    source, _ = cited
    check_source(source.pk)
    site.set(
        "/returns",
        "<html><head><title>Page not found - GOV.UK</title></head>"
        "<body><h1>Page not found</h1><p>Check the address.</p></body></html>",
    )
    check = check_source(source.pk)
    source.refresh_from_db()
    assert check.outcome == "soft_404"
    assert source.consecutive_failures == 1
    assert source.snapshots.count() == 1  # the error page is not archived


def test_deep_link_redirected_to_the_home_page_is_a_soft_404(cited, site):
    source, _ = cited
    site.set("/returns", b"", status=302, Location=site.url("/"))
    site.set("/", article())
    assert check_source(source.pk).outcome == "soft_404"


def test_an_article_that_mentions_not_found_is_not_a_soft_404(cited, site):
    source, _ = cited
    site.set("/returns", article(extra="<p>The inquiry said the papers were not found.</p>"))
    assert check_source(source.pk).outcome == "ok"


@pytest.mark.parametrize("title", ["Not Found", "404 Not Found", "Error 404 | GOV.UK"])
def test_error_titles_are_soft_404s(cited, site, title):
    source, _ = cited
    site.set(
        "/returns", f"<html><head><title>{title}</title></head><body><p>Sorry.</p></body></html>"
    )
    assert check_source(source.pk).outcome == "soft_404"


def test_a_title_that_merely_contains_404_is_not_a_soft_404(cited, site):
    source, _ = cited
    site.set("/returns", article().replace("Returns rise | Home Office", "Route 404 reopens"))
    assert check_source(source.pk).outcome == "ok"


SAYS_NOT_FOUND = [
    "Page not found",
    "PAGE NOT FOUND",
    "The document could not be found.",
    "Sorry, the article was not found",
    "Error 404",
    "404 - page",
    "page 404",
    "This page does not exist",
    "This page doesn't exist any more",
    "The page no longer exists.",
    "  not found",
    "Error not found",
    "This offer is no longer available",
    "We cannot find that page",
    "We can't find the PAGE",
    "Sorry, we CAN'T FIND THIS PAGE",
]


@pytest.mark.parametrize("text", SAYS_NOT_FOUND)
def test_the_soft_404_pre_check_lets_every_match_through(text):
    # The cheap look for keywords must never hide a page the full expression calls an error.
    from sources.checking import SOFT_404, _may_say_not_found

    assert SOFT_404.search(text) and _may_say_not_found(text)
    assert not _may_say_not_found("The department said 42 people were returned this year.")


def test_an_edited_excerpt_is_looked_up_again_on_a_not_modified_answer(cited, site):
    source, citation = cited
    site.set("/returns", article(), ETag='"v1"')
    check_source(source.pk)
    citation.excerpt = "£75 million of new funding"
    citation.cited_figure = ""
    citation.save()
    check_source(source.pk)
    citation.refresh_from_db()
    assert Source.objects.get(pk=source.pk).last_outcome == "not_modified"
    assert citation.excerpt_state == "present" and citation.found_figure == "£75 million"


def test_a_deleted_source_is_skipped():
    assert check_source(987654) is None


def test_all_citations_of_the_source_are_updated(cited, site):
    source, first = cited
    second = CitationFactory(source=source, excerpt="An excerpt this page never had")
    check_source(source.pk)
    refreshed(first, second)
    assert (first.excerpt_state, second.excerpt_state) == ("present", "missing")
    flagged = Claim.objects.get(pk=second.claim_id)
    assert flagged.needs_attention and "check the quotation" in flagged.attention_reason
    assert first.excerpt_checked_at == second.excerpt_checked_at is not None
    assert Citation.objects.filter(source=source, excerpt_state="unknown").count() == 0


# --- Every digit run watched, rewording flagged with its words -------------------------------


def test_changed_year_in_the_passage_flags_the_claim_naming_both_years(cited, site):
    source, citation = cited
    Citation.objects.filter(pk=citation.pk).update(
        excerpt="people with no right to remain were returned this year, up 19% on 2023",
        cited_figure="",
    )
    check_source(source.pk)
    page = article().replace("on 2023", "on 2021")
    site.set("/returns", page)
    check_source(source.pk)
    (citation,) = refreshed(citation)
    claim = Claim.objects.get(pk=citation.claim_id)
    assert citation.excerpt_state == "figure_changed"
    assert citation.figure_changes == [{"old": "2023", "new": "2021"}]
    assert citation.evidence_changed_at is not None
    assert citation.attention_reason.startswith("Figure 2023 → 2021 on Returns rise")
    assert claim.needs_attention and "2023 → 2021" in claim.attention_reason


def test_reworded_passage_flags_the_claim_with_the_word_level_diff(cited, site):
    source, citation = cited
    Citation.objects.filter(pk=citation.pk).update(
        excerpt="people with no right to remain were returned this year, up 19% on 2023",
        cited_figure="19%",
    )
    check_source(source.pk)
    site.set("/returns", article().replace("up 19% on 2023", "down 19% on 2023"))
    check_source(source.pk)
    (citation,) = refreshed(citation)
    claim = Claim.objects.get(pk=citation.claim_id)
    assert citation.excerpt_state == "reworded"
    assert citation.figure_changes == []
    assert {"op": "replace", "old": "up", "new": "down"} in citation.excerpt_diff
    assert "“up” → “down”" in citation.attention_reason
    assert claim.needs_attention and claim.attention_reason == citation.attention_reason


def test_cosmetic_edits_and_boilerplate_churn_flag_nothing(cited, site):
    source, citation = cited
    check_source(source.pk)
    page = article(extra="<aside>Updated 3 minutes ago · 41 comments</aside>")
    page = page.replace("9,400 people", "9&nbsp;400&nbsp;people").replace("this", "th&#105;s")
    site.set("/returns", page.replace("<nav>", "<nav><a href='/ad'>Ad 7</a>"))
    check_source(source.pk)
    (citation,) = refreshed(citation)
    assert citation.excerpt_state == "present"
    assert (citation.figure_changes, citation.excerpt_diff, citation.attention_reason) == (
        [],
        [],
        "",
    )
    assert citation.evidence_changed_at is None
    assert not Claim.objects.get(pk=citation.claim_id).needs_attention


def test_the_change_date_is_kept_while_the_same_change_is_seen_again(cited, site):
    source, citation = cited
    check_source(source.pk)
    site.set("/returns", article("9,450"))
    check_source(source.pk, now=timezone.now())
    (citation,) = refreshed(citation)
    first_seen = citation.evidence_changed_at
    site.set("/returns", article("9,450", extra="<p>A new paragraph at the end.</p>"))
    check_source(source.pk, now=timezone.now() + 2 * HOUR)
    (citation,) = refreshed(citation)
    assert citation.excerpt_state == "figure_changed"
    assert citation.evidence_changed_at == first_seen
