import contextlib
import os
from pathlib import Path

import pytest
from django.test import Client

from config.celery import app as celery_app
from tests.factories import EditorFactory, ReviewerFactory, UserFactory
from tests.support.environment import CHROMIUM, missing_dependency


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


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("services") and not os.environ.get("REDIS_URL"):
        missing_dependency("REDIS_URL is not set (real Redis and Celery worker tests)")
    if item.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        missing_dependency(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture
def eager():
    """Tasks in-process, as without a broker (CI's full suite has one configured)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def unreachable_broker(monkeypatch):
    """The project's Celery app sending to a closed port on 127.0.0.1: the broker is down."""
    from tests.support.servers import closed_port

    # Celery prefers $CELERY_BROKER_URL (set in CI) to its configured broker_url.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    conf = celery_app.conf
    for key, value in {
        "task_always_eager": False,
        "broker_url": f"redis://127.0.0.1:{closed_port()}/0",
        "broker_connection_timeout": 0.5,
        "broker_transport_options": {
            **conf.broker_transport_options,
            "socket_connect_timeout": 0.5,
        },
        "task_publish_retry_policy": {
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.1,
            "interval_max": 0.1,
        },
    }.items():
        monkeypatch.setitem(conf, key, value)
    _forget_broker_connections()
    yield
    _forget_broker_connections()


def _forget_broker_connections() -> None:
    # The app keeps one pool per broker URL: drop the reference so the next send uses the
    # current URL. Never close it: it is kombu's process-wide pool for that URL, and later
    # tests (even eager sends acquire a producer) would get "Acquire on closed pool".
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture(autouse=True)
def clear_cache():
    """Each test starts with an empty cache (pages, throttling counters), Redis or local memory."""
    from django.core.cache import cache

    from claims.caching import forget_local_state

    # A test that stops Redis on purpose must still run.
    with contextlib.suppress(Exception):
        cache.clear()
    forget_local_state()
    yield


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request to a /es/ page leaves Spanish
    active in the thread (LocaleMiddleware activates, never deactivates), and reverse() then
    prefixes every URL of the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def reinstall_migration_data() -> None:
    """Put back what data migrations install (rating scale, aliases, groups and permissions).

    A transactional test ends by flushing every table, data migrations' rows included; the
    next transactional test gets them back from here rather than from `serialized_rollback`,
    which clashes with the content types that post_migrate recreates after a flush.
    """
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    state_apps = MigrationExecutor(connection).loader.project_state().apps
    for module in (
        "claims.migrations.0002_default_scale_and_roles",
        "sources.migrations.0002_roles",
    ):
        importlib.import_module(module).install(state_apps, None)


@pytest.fixture(autouse=True)
def migration_data_in_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        from claims.models import Rating

        if not Rating.objects.exists():
            reinstall_migration_data()
    yield
