from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """Publication name and canonical base URL for every template."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "PUBLISHER_NAME": settings.PUBLISHER_NAME,
    }
