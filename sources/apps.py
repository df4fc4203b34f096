from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources and monitoring"

    def ready(self) -> None:
        # Receivers for claims.intake signals (claims cannot import sources).
        from sources import (  # noqa: F401
            articles,
            intake_citations,
            signals,
        )
