"""manage.py checksources: in-process checks with a summary by outcome."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sources.models import Source, SourceCheck
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(httpserver):
    httpserver.expect_request("/ok").respond_with_data(
        "<html><body><p>Returns rose to 9,400 people this year, the department said.</p>"
        "</body></html>",
        content_type="text/html",
    )
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    return lambda path: httpserver.url_for(path).replace("localhost", "127.0.0.1")


def run(*args) -> str:
    out = StringIO()
    call_command("checksources", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_checks_the_given_sources_and_summarises_by_outcome(pages):
    ok = SourceFactory(url=pages("/ok"))
    missing = SourceFactory(url=pages("/missing"))
    output = run(str(ok.pk), str(missing.pk))
    assert "Checked 2 source(s)." in output
    assert "ok: 1" in output and "not_found: 1" in output
    assert SourceCheck.objects.filter(source__in=[ok, missing]).count() == 2


def test_due_checks_only_due_sources(pages):
    now = timezone.now()
    due = SourceFactory(url=pages("/ok"), next_check_at=now - timedelta(minutes=5))
    later = SourceFactory(url=pages("/missing"), next_check_at=now + timedelta(hours=2))
    output = run("--due")
    assert "Checked 1 source(s)." in output
    assert Source.objects.get(pk=due.pk).last_outcome == "ok"
    assert Source.objects.get(pk=later.pk).last_checked_at is None


def test_all_skips_sources_with_monitoring_disabled(pages):
    SourceFactory(url=pages("/ok"))
    SourceFactory(url=pages("/missing"), monitoring_enabled=False)
    assert "Checked 1 source(s)." in run("--all")


def test_unknown_ids_and_missing_selection_are_clear_errors():
    with pytest.raises(CommandError, match="No source with id 424242"):
        run("424242")
    with pytest.raises(CommandError, match="ids, --all or --due"):
        run()
