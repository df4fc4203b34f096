"""Admin login throttling (django-axes, configured in config/settings.py)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db

PASSWORD = "right-horse-battery-staple"


def _login(password: str, address: str = "203.0.113.5", username: str = "ed"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )
    return client, response


@pytest.fixture
def editor():
    return EditorFactory(username="ed", password=PASSWORD)


def test_failed_logins_lock_the_account_from_that_address_with_429(editor):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        _, response = _login("wrong")
        assert response.status_code == 200  # the form again, with an error
    _, response = _login("wrong")
    assert response.status_code == 429
    # Locked: even the right password is refused now, and no session is made.
    client, response = _login(PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_does_not_reach_the_editor_from_another_address(editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("wrong", address="198.51.100.66")
    _, response = _login(PASSWORD, address="203.0.113.5")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_legit_user_can_log_in_after_the_cooloff(editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("wrong")
    assert _login(PASSWORD)[1].status_code == 429
    # Time passes: move the recorded attempts back past the cool-off period.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    client, response = _login(PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_a_successful_login_resets_the_failure_count(editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login("wrong")
    assert _login(PASSWORD)[1].status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _, response = _login("wrong")
    assert response.status_code == 200


def test_guessing_many_usernames_from_one_address_is_logged(editor):
    for name in ("admin", "root", "editor"):
        _login("guess", username=name)
    assert AccessAttempt.objects.filter(ip_address="203.0.113.5").count() == 3
