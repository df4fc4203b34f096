from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = _("Sources and monitoring")

    def ready(self) -> None:
        # Importing the module connects its receivers (public page cache invalidation).
        from sources import signals  # noqa: F401
