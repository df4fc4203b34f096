"""Fixtures for the public-site tests: a published fact check with its evidence."""

import pytest
from django.test import Client

from claims.models import Claim
from tests.support.builders import publish_fact_check


@pytest.fixture
def anon() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def fact_check(db) -> Claim:
    return publish_fact_check()
