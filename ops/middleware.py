"""Middleware: the request log line and latency metric, the security headers Django does
not set itself (Content-Security-Policy, Permissions-Policy), the language of each request.

Why not django-csp: our policy is one static string (no inline scripts anywhere except Swagger
UI's init script, which gets a per-request nonce), so a settings string and a few lines here
are easier to audit than another dependency. HSTS, nosniff, Referrer-Policy, COOP and
X-Frame-Options come from Django's SecurityMiddleware and XFrameOptionsMiddleware.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.urls import LocalePrefixPattern, Resolver404, URLResolver, get_resolver
from django.utils import translation

from config.proxies import client_address
from ops.metrics import observe_request

request_logger = logging.getLogger("claimwatch.requests")


class RequestLogMiddleware:
    """Logs one line per request to `claimwatch.requests` and feeds the latency histogram."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else ""
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
                "user_id": user_id if user_id is not None else "anon",
                # The address throttling counts by (PROXY_COUNT), so a 429 can be traced.
                "client": client_address(request),
            },
        )
        try:
            observe_request(request.method, route, response.status_code, duration)
        except Exception:  # metrics must never turn a served request into an error
            request_logger.exception("could not record the request latency metric")
        return response


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy (with a per-request script nonce) and Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Templates that need an inline script write nonce="{{ request.csp_nonce }}".
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        if settings.CSP_POLICY and header not in response:
            response[header] = settings.CSP_POLICY.replace("{nonce}", request.csp_nonce)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Public pages speak the language of their URL; everything else (the editors' desk, the
    API) the user's choice: the language cookie the switcher sets, else Accept-Language.

    Django's LocaleMiddleware gives every unprefixed URL the default language once
    `i18n_patterns(prefix_default_language=False)` is used, which would pin the admin to it.
    """

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if translation.get_language_from_path(request.path_info):
            return
        if not is_language_prefix_patterns_used(urlconf)[0]:
            return
        if _is_public_page(request.path_info, urlconf):
            return
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()


def _is_public_page(path_info: str, urlconf: str) -> bool:
    """Whether the path is one of the language-prefixed (public) URLs, in the default language."""
    for pattern in get_resolver(urlconf).url_patterns:
        if isinstance(pattern, URLResolver) and isinstance(pattern.pattern, LocalePrefixPattern):
            try:
                pattern.resolve(path_info.removeprefix("/"))
            except Resolver404:
                continue
            return True
    return False
