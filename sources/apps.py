from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources and monitoring"

    def ready(self) -> None:
        # Importing the module connects its receivers (public page cache invalidation).
        from sources import signals  # noqa: F401
