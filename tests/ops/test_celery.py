"""The Celery side of ops: enqueueing fails soft (ops/broker.py), every check is logged and
heartbeats are recorded (ops/signals.py)."""

import json
import logging
import os
import time
import uuid
from datetime import timedelta

import pytest
from celery import Celery
from django.utils import timezone
from kombu.message import Message

from ops import health
from ops.broker import FailSoftTask
from ops.logging import JsonFormatter
from sources import tasks
from sources.models import Source
from tests.factories import SourceFactory
from tests.support.servers import page, serving


@pytest.fixture
def page_url():
    body = (
        b"<html><body><article><p>9,400 people were returned this year.</p></article></body></html>"
    )
    with serving(page(body, content_type="text/html")) as server:
        yield server.url("/page")


@pytest.fixture
def dead_broker_app(monkeypatch):
    # Celery prefers $CELERY_BROKER_URL (set in CI) to the broker given here.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    dead = Celery("cw-e-dead", broker="redis://127.0.0.1:1/0", task_cls=FailSoftTask)
    dead.conf.broker_connection_timeout = 0.5
    dead.conf.task_publish_retry_policy = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.1,
    }
    dead.conf.broker_transport_options = {"socket_connect_timeout": 0.5}

    @dead.task(name=f"cw_e.noop_{uuid.uuid4().hex}")
    def noop(x):
        return x

    return noop


def test_delay_logs_and_returns_none_when_the_broker_is_down(dead_broker_app, caplog):
    caplog.set_level(logging.WARNING, logger="claimwatch.tasks")
    started = time.monotonic()
    assert dead_broker_app.delay(5) is None
    assert time.monotonic() - started < 10
    record = next(r for r in caplog.records if r.name == "claimwatch.tasks")
    assert f"could not enqueue {dead_broker_app.name}" in record.getMessage()
    assert record.task_args == [5]


def test_apply_async_still_raises_so_celery_retries_are_not_dropped(dead_broker_app):
    with pytest.raises(Exception):  # noqa: B017 (kombu/redis connection error)
        dead_broker_app.apply_async((5,))


def test_tasks_of_the_project_are_fail_soft():
    assert isinstance(tasks.check_source, FailSoftTask)
    assert isinstance(tasks.dispatch_due_checks, FailSoftTask)


@pytest.mark.django_db
def test_every_check_task_writes_one_check_log_line(eager, page_url, caplog):
    caplog.set_level(logging.INFO, logger="claimwatch.checks")
    source = SourceFactory(url=page_url)
    assert tasks.check_source.delay(source.pk).get() == "ok"
    lines = [
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if r.name == "claimwatch.checks"
    ]
    assert len(lines) == 1
    assert lines[0]["source_id"] == source.pk
    assert lines[0]["outcome"] == "ok"
    assert lines[0]["duration_ms"] > 0
    assert lines[0]["error"] is None


@pytest.mark.django_db
def test_dispatcher_run_records_the_dispatcher_heartbeat(
    eager, page_url, django_capture_on_commit_callbacks
):
    assert health.heartbeat_age("dispatcher") is None
    SourceFactory(url=page_url, next_check_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.dispatch_due_checks.delay()
    assert health.heartbeat_age("dispatcher") < 5
    assert Source.objects.filter(last_outcome="ok").count() == 1


def _message_of_a_connection_closed_by_an_outage():
    """A late-ack message as the worker holds it after a broker outage closed its connection:
    kombu has dropped the channel's connection pool and the transport's connection info."""
    from kombu import Connection

    connection = Connection(os.environ["REDIS_URL"])
    queue = connection.SimpleQueue(f"claimwatch-test-{uuid.uuid4().hex}")
    queue.put({"source": 1})
    message = queue.get(timeout=5)
    errors = connection.connection_errors
    queue.queue.delete()
    message.channel.qos.restore_at_shutdown = False  # nothing to restore at exit
    message.channel._pool = None
    message.channel.connection.client = None
    return message, errors


@pytest.mark.services
@pytest.mark.parametrize("settle", ["ack_log_error", "reject_log_error"])
def test_settling_a_message_of_a_closed_connection_is_logged_not_raised(settle, caplog):
    message, errors = _message_of_a_connection_closed_by_an_outage()
    original = getattr(type(message), settle).__wrapped__
    # Without the guard kombu raises, which would stop the worker ("Unrecoverable error").
    with pytest.raises(AttributeError):
        original(message, logging.getLogger("test"), errors)

    with caplog.at_level(logging.CRITICAL, logger="test"):
        assert getattr(message, settle)(logging.getLogger("test"), errors) is None
    assert "broker connection is closed" in caplog.text
    assert "it will be redelivered" in caplog.text


@pytest.mark.services
def test_closing_a_channel_whose_connection_is_gone_does_not_raise(caplog):
    # What the worker does on a broker outage: close the broken connection's channel, which
    # tries to put the unacknowledged messages back (and cannot any more).
    message, _ = _message_of_a_connection_closed_by_an_outage()
    message.channel.qos.restore_at_shutdown = True
    original = type(message.channel.qos).restore_unacked.__wrapped__
    with pytest.raises(AttributeError):
        original(message.channel.qos)

    with caplog.at_level(logging.WARNING, logger="claimwatch.tasks"):
        message.channel.close()
    assert "Could not restore 1 unacknowledged message(s)" in caplog.text


def test_the_broker_guards_are_installed_once():
    from kombu.transport import redis as redis_transport

    from ops import broker

    before = (Message.ack_log_error, redis_transport.QoS.restore_unacked)
    broker.tolerate_closed_connections()
    assert (Message.ack_log_error, redis_transport.QoS.restore_unacked) == before
    assert Message.ack_log_error.claimwatch_guard and Message.reject_log_error.claimwatch_guard


def test_other_attribute_errors_when_settling_still_raise():
    class Broken(Message):
        def ack(self, multiple=False):
            raise AttributeError("a bug, not an outage")

    channel = type("Channel", (), {"connection": type("T", (), {"client": object()})()})()
    message = Broken(body=b"{}", channel=channel, delivery_tag="t1")
    with pytest.raises(AttributeError, match="a bug"):
        message.ack_log_error(logging.getLogger("test"), ())
