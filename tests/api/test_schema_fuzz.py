"""Schema fuzzing with schemathesis: every operation of the generated OpenAPI schema, bounded.

Requests go in-process to the Django WSGI app as a reviewer (so writes get past auth and
reach validation); a few claims with evidence give real ids to hit. No 500s; status codes, content types
and bodies conform to the schema.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import CitationFactory, ClaimFactory, FigureFactory, PublishedClaimFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def api_data(db, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # Hundreds of requests in one test: throttling is tested elsewhere.
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    for claim in [PublishedClaimFactory(), PublishedClaimFactory(), ClaimFactory()]:
        FigureFactory(claim=claim)
        CitationFactory(claim=claim)
    # The WSGI app is called directly, so request_finished would close the test's database
    # connection (inside its transaction); Django's own test client disconnects it the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def load_schema():
    from drf_spectacular.generators import SchemaGenerator

    from config.wsgi import application

    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(generated, default=str)))
    loaded.app = application
    return loaded


@pytest.fixture
def reviewer_token(reviewer) -> str:
    return Token.objects.get_or_create(user=reviewer)[0].key


schema = load_schema()


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case, reviewer_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {reviewer_token}"},
        checks=CHECKS,
    )
