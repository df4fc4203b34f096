from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: probes, metrics, logs, security headers, fail-soft cache and broker, backups."""

    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # Celery signal receivers (heartbeats, one log line per check) are connected on import;
        # the worker runs django.setup() before it starts consuming, so they are in place.
        from ops import signals  # noqa: F401
