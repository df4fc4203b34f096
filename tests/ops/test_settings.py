"""config/settings.py production hardening: `check --deploy` clean, fail-fast requirements."""

import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "factcheck.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://factcheck.example.org",
    "SITE_URL": "https://factcheck.example.org",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_has_no_security_warning_with_production_env():
    done = _manage(
        "check", "--deploy", "--tag", "security", "--fail-level", "WARNING", **PRODUCTION_ENV
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "no issues" in done.stdout


def test_check_deploy_has_no_warning_of_any_kind_with_production_env():
    """Every tag, warnings included (drf-spectacular's schema warnings among them)."""
    done = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "no issues" in done.stdout


def readme_production_env() -> dict[str, str]:
    """The variables README "Running in production" tells operators to export, with its
    placeholders (…) filled in."""
    section = (ROOT / "README.md").read_text().split("## Running in production", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    words = shlex.split(block.strip().replace("\\\n", " ").split("\n")[0])
    assert words[0] == "export", block
    documented = dict(word.split("=", 1) for word in words[1:])
    return {
        name: value.replace("…", secrets.token_urlsafe(40)) for name, value in documented.items()
    }


def test_check_deploy_is_clean_with_the_variables_the_readme_documents():
    env = readme_production_env()
    # What the README promises to set (HSTS preload among them: security.W021).
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "SECURE_HSTS_PRELOAD", "PROXY_COUNT"} <= set(env)
    done = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    output = done.stderr + done.stdout
    assert done.returncode == 0, output
    assert "System check identified no issues" in done.stdout
    assert "security.W" not in output


def test_every_documented_production_variable_is_in_env_example():
    listed = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert set(readme_production_env()) <= listed


def test_check_deploy_flags_missing_hsts_and_ssl_redirect():
    weak = PRODUCTION_ENV | {"SECURE_HSTS_SECONDS": "0", "SECURE_SSL_REDIRECT": "0"}
    done = _manage("check", "--deploy", "--tag", "security", "--fail-level", "WARNING", **weak)
    assert done.returncode != 0
    assert "security.W004" in done.stderr + done.stdout
    assert "security.W008" in done.stderr + done.stdout


def test_production_settings_refuse_to_start_without_allowed_hosts():
    env = PRODUCTION_ENV | {"ALLOWED_HOSTS": ""}
    done = _manage("check", **env)
    assert done.returncode != 0
    assert "ALLOWED_HOSTS must be set" in done.stderr


def test_production_settings_refuse_to_start_without_secret_key():
    env = PRODUCTION_ENV | {"SECRET_KEY": ""}
    done = _manage("check", **env)
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr


def test_production_settings_values(settings):
    # The test process runs with DEBUG off, like production.
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SECURE_CROSS_ORIGIN_OPENER_POLICY == "same-origin"
    assert "'unsafe-inline'" not in settings.CSP_POLICY.split("script-src", 1)[1].split(";")[0]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
