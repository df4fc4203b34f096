import pytest
from rest_framework.test import APIClient

from tests.support.builders import token_client


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@pytest.fixture
def editor_api(editor) -> APIClient:
    return token_client(editor)


@pytest.fixture
def reviewer_api(reviewer) -> APIClient:
    return token_client(reviewer)
