"""One JSON line per request (ops/middleware.py, ops/logging.py) and per check (sources/checklog.py)."""

import json
import logging

import pytest

from ops.logging import JsonFormatter
from sources.checklog import log_check
from tests.factories import EditorFactory


def _json_lines(caplog, logger: str) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]


@pytest.mark.django_db
def test_request_log_names_the_client_address_that_throttling_counts(client, caplog, settings):
    caplog.set_level(logging.INFO, logger="claimwatch.requests")
    settings.PROXY_COUNT = 0
    client.get("/healthz", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.9")
    settings.PROXY_COUNT = 1
    client.get("/healthz", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    lines = _json_lines(caplog, "claimwatch.requests")
    assert [line["client"] for line in lines] == ["198.51.100.4", "203.0.113.9"]


@pytest.mark.django_db
def test_each_request_logs_one_json_line_with_status_duration_and_user(client, caplog):
    caplog.set_level(logging.INFO, logger="claimwatch.requests")
    client.get("/healthz")
    client.get("/no-such-page/")
    editor = EditorFactory()
    client.force_login(editor)
    client.get("/admin/")
    lines = _json_lines(caplog, "claimwatch.requests")
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/healthz", 200),
        ("GET", "/no-such-page/", 404),
        ("GET", "/admin/", 200),
    ]
    assert lines[0]["user_id"] == "anon"
    assert lines[2]["user_id"] == editor.pk
    assert lines[0]["route"] == "healthz"
    assert all(
        isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0 for line in lines
    )
    assert all(line["level"] == "INFO" and line["time"].endswith("+00:00") for line in lines)


def test_log_check_writes_outcome_and_duration(caplog):
    caplog.set_level(logging.INFO, logger="claimwatch.checks")
    log_check(42, "changed", 123.456, task_id="t-1", retries=1)
    log_check(43, None, 5.0, error="FAILURE: timeout")
    ok, failed = _json_lines(caplog, "claimwatch.checks")
    assert ok["source_id"] == 42
    assert ok["outcome"] == "changed"
    assert ok["duration_ms"] == 123.46
    assert ok["task_id"] == "t-1"
    assert ok["retries"] == 1
    assert failed["level"] == "WARNING"
    assert failed["error"] == "FAILURE: timeout"


def test_formatter_keeps_extra_fields_and_exceptions_on_one_line():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %s", ("here",), None)
    record.source_id = 7
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "boom here"
    assert parsed["source_id"] == 7
    assert "ValueError: bad" in parsed["exception"]
