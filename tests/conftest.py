import contextlib
import os
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import EditorFactory, ReviewerFactory, UserFactory


@pytest.fixture
def editor(db):
    return EditorFactory()


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(reviewer) -> Client:
    client = Client()
    client.force_login(reviewer)
    return client


REQUIRE_SERVICES = os.environ.get("CLAIMWATCH_REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def missing_dependency(reason: str) -> None:
    """Skip locally; fail in CI, where every dependency must be present."""
    if REQUIRE_SERVICES:
        pytest.fail(f"CI requires it: {reason}")
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("services") and not os.environ.get("REDIS_URL"):
        missing_dependency("REDIS_URL is not set (real Redis and Celery worker tests)")
    if item.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        missing_dependency(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture(autouse=True)
def clear_cache():
    """Each test starts with an empty cache (pages, throttling counters), Redis or local memory."""
    from django.core.cache import cache

    # A test that stops Redis on purpose must still run.
    with contextlib.suppress(Exception):
        cache.clear()
    yield
