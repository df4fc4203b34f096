"""docker-compose.yml, Dockerfile and the README's "Running in production" tell the same story."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_db_and_redis_with_production_settings():
    compose = _compose()
    services = compose["services"]
    assert set(services) >= {"web", "worker", "beat", "db", "redis"}
    environment = compose["x-app"]["environment"]
    assert environment["DEBUG"] == "0"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "celery -A config worker" in services["worker"]["command"]
    assert "celery -A config beat" in services["beat"]["command"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_dockerfile_builds_with_the_required_production_variables():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "SECRET_KEY=build-only ALLOWED_HOSTS=build-only" in dockerfile
    assert "/healthz" in dockerfile


def test_readme_documents_running_in_production():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    for needle in [
        "gunicorn",
        "celery -A config worker",
        "celery -A config beat",
        "/healthz",
        "/readyz",
        "METRICS_TOKEN",
        "ALLOWED_HOSTS",
        "SECURE_HSTS_SECONDS",
        "check --deploy",
        "backup",
        "restore",
        "docker-compose.yml",
    ]:
        assert needle in section, needle
