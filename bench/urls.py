"""Bench-only URLs: the site's own plus the baselines the benchmarks divide by (never part of
production urls):

- /bench/hello/: a bare Django view (12 bytes), the floor of any page (public_pages, load);
- /bench/bytes/<size>/: a fixed page of that size, what serving a cached page costs at least;
- /bench/api-hello/: a hello-world DRF view through the API's authentication, throttling and
  renderer (api).
"""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


def static_bytes(request, size: int):
    return HttpResponse(b"x" * min(size, 1_000_000), content_type="text/html; charset=utf-8")


class Hello(APIView):
    permission_classes = [AllowAny]  # the API's own views answer anonymous GETs too

    def get(self, request):
        return Response({"hello": "world"})


urlpatterns = [
    path("bench/hello/", hello),
    path("bench/bytes/<int:size>/", static_bytes),
    path("bench/api-hello/", Hello.as_view()),
    path("", include("config.urls")),
]
