from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set (claims of the seed article) and the one-command demo server."""

    name = "demo"
    verbose_name = "Demo"
