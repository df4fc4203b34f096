"""Schemathesis's stateful phase: sequences of API calls linked by the ids one response gives
the next (links inferred from the schema), as a reviewer, with no 5xx and every answer within
the schema. Bounded (scenarios and steps) so it runs in CI in about a minute.

Requests go in-process to the WSGI app, as in tests/api/test_schema_fuzz.py; the network is
fake (a "check now" or an intake by URL cannot leave the machine).
"""

from __future__ import annotations

import json
import socket

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tests.factories import CitationFactory, ClaimFactory, FigureFactory, PublishedClaimFactory
from tests.support.network import FakeNetwork

pytestmark = pytest.mark.django_db
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
SCENARIOS = 25
STEPS = 6


def load_schema():
    from drf_spectacular.generators import SchemaGenerator

    from config.wsgi import application

    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(generated, default=str)))
    loaded.app = application
    return loaded


@pytest.fixture
def live_data(reviewer, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    net = FakeNetwork()
    monkeypatch.setattr(socket, "getaddrinfo", net.getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", net.create_connection)
    for claim in [PublishedClaimFactory(), ClaimFactory()]:
        FigureFactory(claim=claim)
        CitationFactory(claim=claim)
    # The WSGI app is called directly: keep the test's connection (and its transaction) open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield Token.objects.get_or_create(user=reviewer)[0].key, net
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_stateful_sequences_of_calls_never_make_a_5xx(live_data):
    token, net = live_data
    schema = load_schema()
    machine = schema.as_state_machine()
    # Links were inferred (e.g. POST /claims/ -> GET/PATCH /claims/{id}/): the phase is stateful.
    assert schema.statistic.transitions.total > 50
    calls: list[str] = []

    class ReviewerWorkflow(machine):
        def get_call_kwargs(self, case):
            calls.append(f"{case.method} {case.path}")
            return {"headers": {"Authorization": f"Token {token}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    ReviewerWorkflow.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    assert len(calls) > SCENARIOS  # scenarios of several linked steps ran
    assert net.forbidden == []
