"""Fixtures for the sources tests: the real news-page corpus, local sites, timing rules, a worker."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from config.celery import app
from tests.support.corpus import corpus_pages
from tests.support.pages import article
from tests.support.servers import LocalServer, Site, page


@pytest.fixture
def corpus() -> list[dict]:
    return corpus_pages()


@pytest.fixture
def site(httpserver) -> Site:
    return Site(httpserver)


@pytest.fixture
def serve():
    """serve(address) starts a LocalServer answering `article()`; all stop after the test."""
    started: list[LocalServer] = []

    def start(address: str = "127.0.0.1") -> LocalServer:
        started.append(LocalServer(page(article()), address=address))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def local_site(serve) -> LocalServer:
    return serve("127.0.0.1")


@pytest.fixture
def fast_rules(settings):
    settings.SOURCES_MIN_INTERVAL_HOURS = 1
    settings.SOURCES_MAX_INTERVAL_HOURS = 24
    settings.SOURCES_BROKEN_AFTER_FAILURES = 3
    settings.SOURCES_BROKEN_AFTER_HOURS = 24
    settings.SOURCES_TOTAL_TIMEOUT = 3
    settings.SOURCES_CONNECT_TIMEOUT = 2
    return settings


@pytest.fixture
def real_worker(transactional_db):
    """A Celery worker thread consuming from the real Redis broker."""

    def close_worker_connections(**kwargs):
        # Workers keep connections between tasks; the test database must be droppable.
        connections.close_all()

    app.conf.task_always_eager = False
    app.control.purge()  # leftovers of other tests must not run against this database
    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING"
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_worker_connections)
