"""A guard in front of every view: query strings and paths holding a character no view can
use (NUL, which PostgreSQL refuses in any text it is sent) answer 400 before a lookup fails
deep in a query as a 500.

Under /api/ the answer is the API's JSON error with the parameter named; elsewhere the site's
400 page. Other control characters are harmless in a lookup and are left to each view.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from claims.hygiene import text_problems
from config.api.errors import api_error_response, django_bad_request, is_api_request


def unusable_query_parameters(request: HttpRequest) -> dict[str, list[str]]:
    """Query parameters (and the path) holding NUL or a lone surrogate, with the reason."""
    errors: dict[str, list[str]] = {}
    if text_problems(request.path):
        errors["path"] = text_problems(request.path)
    for key, values in request.GET.lists():
        problems = text_problems(key) or [p for v in values for p in text_problems(v)]
        if problems:
            name = key if not text_problems(key) else "query"
            errors.setdefault(name, []).extend(dict.fromkeys(problems))
    return errors


class UnusableInputGuardMiddleware:
    """400 for a NUL in the path or query string, JSON under /api/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        errors = unusable_query_parameters(request)
        if not errors:
            return self.get_response(request)
        if is_api_request(request):
            return api_error_response(400, "invalid", "Invalid input.", errors)
        return django_bad_request(request, ValueError("; ".join(sorted(errors))))
