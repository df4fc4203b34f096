"""Fixtures for the webhooks tests: a receiver on 127.0.0.1 and quick retry rules."""

from __future__ import annotations

import pytest

from tests.support.servers import LocalServer, Reply


@pytest.fixture
def receiver():
    """A LocalServer that answers every POST 204 (tests change `respond` to fail)."""
    server = LocalServer(lambda path: Reply(b"", 204, "text/plain"))
    yield server
    server.close()


@pytest.fixture
def quick_rules(settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 4
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 10
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 3600
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 2
    settings.WEBHOOKS_TIMEOUT = 3
    return settings
