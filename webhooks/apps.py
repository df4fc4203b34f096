from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # Importing the modules connects the outbox receivers and registers the desk section.
        from webhooks import desk, receivers  # noqa: F401
