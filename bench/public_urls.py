"""Bench-only URLs: the site's own, plus /bench/hello/ (never part of production urls)."""

from django.http import HttpResponse
from django.urls import include, path


def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


def static_bytes(request, size: int):
    """A fixed page of `size` bytes: what serving a cached page of that size costs at least."""
    return HttpResponse(b"x" * min(size, 1_000_000), content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench/hello/", hello),
    path("bench/bytes/<int:size>/", static_bytes),
    path("", include("config.urls")),
]
