"""Bench-only URLs: the site's own plus the baselines the benchmarks divide by (never part of
production urls):

- /bench/hello/: a bare Django view (12 bytes), the floor of any page (public_pages, load);
- /bench/bytes/<size>/: a fixed page of that size, what serving a cached page costs at least;
- /bench/api-hello/: a hello-world DRF view through the API's authentication, throttling and
  renderer (api).
"""

from django.http import HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401 (Django reads them)
from config.urls import urlpatterns as site_urlpatterns


def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


def static_bytes(request, size: int):
    return HttpResponse(b"x" * min(size, 1_000_000), content_type="text/html; charset=utf-8")


class Hello(APIView):
    permission_classes = [AllowAny]  # the API's own views answer anonymous GETs too

    def get(self, request):
        return Response({"hello": "world"})


# The site's patterns themselves, not include()d: i18n_patterns may only sit at the root.
urlpatterns = [
    path("bench/hello/", hello),
    path("bench/bytes/<int:size>/", static_bytes),
    path("bench/api-hello/", Hello.as_view()),
    *site_urlpatterns,
]
