"""Bench-only URLs: the site's own plus /bench/api-hello/, a hello-world DRF view that goes
through the same authentication, throttling and renderer as the API (never in production)."""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class Hello(APIView):
    permission_classes = [AllowAny]  # the API's own views answer anonymous GETs too

    def get(self, request):
        return Response({"hello": "world"})


urlpatterns = [
    path("bench/api-hello/", Hello.as_view()),
    path("", include("config.urls")),
]
