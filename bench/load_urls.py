"""Bench-only URLs for bench/load.py: the site's own, plus /bench/hello/ (never in production)."""

from django.http import HttpResponse
from django.urls import include, path


def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


urlpatterns = [
    path("bench/hello/", hello),
    path("", include("config.urls")),
]
