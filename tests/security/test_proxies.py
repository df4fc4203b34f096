"""config/proxies.py and config/api/throttling.py: PROXY_COUNT alone decides the client
address (API throttling, login throttling, logs) and whether X-Forwarded-Proto is believed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from config.proxies import client_address
from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5


@pytest.fixture
def low_anon_rate(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": f"{LIMIT}/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No proxy: the header is the client's own words.
        (0, "198.51.100.4", "203.0.113.7", "198.51.100.4"),
        (0, "198.51.100.4", None, "198.51.100.4"),
        # One proxy: it appended the address it saw, right-most.
        (1, "10.0.0.2", "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.2", "203.0.113.7", "203.0.113.7"),
        # Two proxies: the outer one's entry is second from the right.
        (2, "10.0.0.3", "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # Fewer hops than proxies: nothing in the header is trusted.
        (3, "10.0.0.2", "6.6.6.6, 203.0.113.7", "10.0.0.2"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", " , ", "10.0.0.2"),
        # What a proxy wrote that is not an address (misconfiguration) is not used either.
        (1, "10.0.0.2", "203.0.113.7, unknown", "10.0.0.2"),
        (1, "10.0.0.2", "203.0.113.7, 1.2.3.4\x00", "10.0.0.2"),
        # Ports and brackets some proxies add; IPv6 in canonical form.
        (1, "10.0.0.2", "203.0.113.7:5123", "203.0.113.7"),
        (1, "10.0.0.2", "[2001:DB8::1]:443", "2001:db8::1"),
        (1, "10.0.0.2", "2001:db8:0:0::1", "2001:db8::1"),
    ],
)
def test_client_address_trusts_only_the_entries_our_proxies_wrote(
    settings, proxies, remote, forwarded, expected
):
    settings.PROXY_COUNT = proxies
    assert client_address(_request(remote, forwarded)) == expected


def test_anonymous_api_throttle_holds_under_rotating_forwarded_for_without_proxies(
    settings, low_anon_rate
):
    settings.PROXY_COUNT = 0
    api = APIClient(REMOTE_ADDR="198.51.100.4")
    first = [api.get("/api/v1/ratings/").status_code for _ in range(LIMIT)]
    rotated = [
        api.get("/api/v1/ratings/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(1, 21)
    ]
    assert first == [200] * LIMIT
    assert rotated == [429] * 20
    # Another real client is not affected.
    assert APIClient(REMOTE_ADDR="198.51.100.5").get("/api/v1/ratings/").status_code == 200


def test_behind_one_proxy_the_right_most_forwarded_address_is_the_client(settings, low_anon_rate):
    settings.PROXY_COUNT = 1
    # Every request arrives from the proxy; the client forges the left part of the header.
    api = APIClient(REMOTE_ADDR="10.0.0.2")
    codes = [
        api.get("/api/v1/ratings/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7").status_code
        for n in range(1, LIMIT + 11)
    ]
    assert codes == [200] * LIMIT + [429] * 10
    other = api.get("/api/v1/ratings/", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.8")
    assert other.status_code == 200


def test_login_throttling_ignores_a_forged_forwarded_for_without_proxies(settings):
    settings.PROXY_COUNT = 0
    EditorFactory(username="ed", password="right-horse-battery-staple")
    codes = []
    for n in range(django_settings.AXES_FAILURE_LIMIT + 2):
        client = Client(REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        response = client.post("/admin/login/", {"username": "ed", "password": "wrong"})
        codes.append(response.status_code)
    limit = django_settings.AXES_FAILURE_LIMIT
    assert codes == [200] * (limit - 1) + [429] * 3


def test_login_throttling_counts_the_proxied_client_address(settings):
    from axes.models import AccessAttempt

    settings.PROXY_COUNT = 1
    EditorFactory(username="ed", password="right-horse-battery-staple")
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    client.post("/admin/login/", {"username": "ed", "password": "wrong"})
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]


def test_forwarded_proto_is_ignored_without_proxies(client, settings):
    # The test process runs with the default PROXY_COUNT=0.
    assert django_settings.PROXY_COUNT == 0
    assert django_settings.SECURE_PROXY_SSL_HEADER is None
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/healthz"


def _settings_value(name: str, **env: str) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(repr(settings.{name})); "
        "from rest_framework.settings import api_settings; print(api_settings.NUM_PROXIES)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_proxy_count_turns_on_forwarded_proto_and_drf_num_proxies():
    done = _settings_value("SECURE_PROXY_SSL_HEADER", PROXY_COUNT="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["('HTTP_X_FORWARDED_PROTO',", "'https')", "1"]
    done = _settings_value("SECURE_PROXY_SSL_HEADER", PROXY_COUNT="0")
    assert done.stdout.split() == ["None", "0"]


def test_negative_proxy_count_refuses_to_start():
    done = _settings_value("PROXY_COUNT", PROXY_COUNT="-1")
    assert done.returncode != 0
    assert "PROXY_COUNT must be 0 or more" in done.stderr


@pytest.mark.parametrize(("proxies", "trusted"), [("0", False), ("1", True)])
def test_gunicorn_leaves_the_scheme_to_django(tmp_path, proxies, trusted):
    """gunicorn believes X-Forwarded-Proto from 127.0.0.1 by default; gunicorn.conf.py turns
    that off, so a local client cannot claim HTTPS when PROXY_COUNT=0."""
    import httpx

    from tests.support.services import free_port, gunicorn

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "DJANGO_", "PYTEST"))
    }
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "proxy-tests-only-" + "z" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_MANIFEST": "0",
        "SECURE_HSTS_SECONDS": "60",  # sent on HTTPS requests only
        "PROXY_COUNT": proxies,
    }
    port = free_port(8790)
    web = gunicorn(env, port, tmp_path, workers=1)
    try:
        response = httpx.get(
            f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
        )
    finally:
        web.stop()
    assert response.status_code == 200
    assert ("Strict-Transport-Security" in response.headers) is trusted
