"""One JSON shape for every API error, and the documented responses that use it.

    {"status": 400, "code": "invalid", "detail": "Invalid input.", "errors": {"url": ["..."]}}

Domain errors named in settings.API_EXCEPTION_TRANSLATIONS keep their message for the client
(a workflow refusal: 403 when the role does not allow it, 409 otherwise); Django's
ValidationError → 400 with field errors; a body over DATA_UPLOAD_MAX_MEMORY_SIZE → 413.

Errors Django answers before or after a view (a bad Host, a body too large for Django's own
check, an unknown path, a bug) use the same shape under /api/: the `handler400` ... `handler500`
of config/urls.py are `django_bad_request` ... `django_server_error` below, which answer the
site's HTML pages elsewhere.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.api.exceptions import PayloadTooLarge

logger = logging.getLogger(__name__)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Field errors (400): field name → messages; `non_field_errors` for the rest."),
    )


# Messages may quote the client's input ('"\ud800" is not a valid choice'): a lone surrogate
# cannot be encoded as UTF-8, so it is shown as U+FFFD rather than failing the error itself.
_SURROGATES = re.compile("[\ud800-\udfff]")


def _encodable(text: str) -> str:
    # str(): messages may be lazy translations, resolved here in the request's language.
    return _SURROGATES.sub("\ufffd", str(text))


def _error_body(status_code: int, code: str, detail: str, errors: dict | None = None) -> dict:
    body: dict[str, Any] = {"status": status_code, "code": code, "detail": _encodable(detail)}
    if errors:
        body["errors"] = {
            _encodable(key): [_encodable(message) for message in messages]
            for key, messages in errors.items()
        }
    return body


def _flatten(detail: Any) -> dict[str, list[str]]:
    """DRF's nested error detail → {field: [messages]}; nested fields joined with dots."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            for sub_key, messages in _flatten(value).items():
                flat[f"{key}.{sub_key}" if sub_key else str(key)] = messages
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {"": [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            for sub_key, messages in _flatten(item).items():
                flat[f"{index}.{sub_key}" if sub_key else str(index)] = messages
        return flat
    return {"": [str(detail)]}


def _domain_translation(exc: Exception) -> type[exceptions.APIException] | None:
    """The API error settings name for the raised error's class or, failing that, its nearest
    base class (so a subclass can answer differently from its parent)."""
    translations = getattr(settings, "API_EXCEPTION_TRANSLATIONS", {})
    for cls in type(exc).__mro__:
        target = translations.get(f"{cls.__module__}.{cls.__qualname__}")
        if target is not None:
            return import_string(target)
    return None


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    translation = _domain_translation(exc)
    if translation is not None:
        return translation(str(exc))
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return exceptions.ValidationError(detail)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(_("The request body is larger than the server accepts."))
    if isinstance(exc, DataError):
        # A value the database refuses (out of range, unstorable text) that validation let
        # through: the client's input, so a 400; logged, since validation should have caught it.
        logger.warning("database refused an API request's value: %s", str(exc).splitlines()[0])
        return exceptions.ValidationError(
            {"non_field_errors": [_("A value is outside what the database can store.")]}
        )
    return exc


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, with workflow and Django errors translated and one body shape."""
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        errors = {key or "non_field_errors": value for key, value in errors.items()}
        response.data = _error_body(response.status_code, "invalid", _("Invalid input."), errors)
    else:
        detail = getattr(exc, "detail", None)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = _error_body(
            response.status_code,
            codes if isinstance(codes, str) else "error",
            str(detail) if detail is not None else str(exc),
        )
    return response


@csrf_exempt  # a JSON 404 for any method; nothing is changed, so no CSRF check is needed
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Unknown paths under /api/v1/ answer JSON, not the site's HTML 404 page."""
    return JsonResponse(
        _error_body(404, "not_found", _("No API endpoint at %(path)s.") % {"path": request.path}),
        status=404,
    )


API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    """Whether `request` is the API's (its errors answer JSON, not the site's HTML pages)."""
    return request.path.startswith(API_PREFIX)


def api_error_response(
    status_code: int, code: str, detail: str, errors: dict[str, list[str]] | None = None
) -> JsonResponse:
    """An error in the API's JSON shape, for code outside DRF (middleware, Django's handlers)."""
    return JsonResponse(_error_body(status_code, code, detail, errors), status=status_code)


def django_bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: JSON under /api/ (413 for a body Django itself found too large)."""
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return api_error_response(
            413, "too_large", "The request body is larger than the server accepts."
        )
    return api_error_response(400, "bad_request", "The request could not be understood.")


def django_permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: JSON under /api/."""
    if not is_api_request(request):
        return defaults.permission_denied(request, exception)
    return api_error_response(
        403, "permission_denied", "You do not have permission to perform this action."
    )


def django_page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/ (paths outside /api/v1/'s own catch-all, e.g. /api/v2/)."""
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    return api_error_response(404, "not_found", f"No API endpoint at {request.path}.")


def django_server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/; nothing about the failure is disclosed."""
    if not is_api_request(request):
        return defaults.server_error(request)
    return api_error_response(500, "server_error", "The server failed to answer; try again later.")


def _described(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


ERROR_RESPONSES = {
    400: _described("Invalid input: malformed JSON, wrong types or failed validation."),
    401: _described("Authentication credentials were not provided or are invalid."),
    403: _described("Your role does not allow this (e.g. an editor publishing)."),
    404: _described("Not found (drafts are not found for anonymous clients)."),
    405: _described("Method not allowed."),
    409: _described("The workflow does not allow this change in the claim's current state."),
    413: _described("The request body or the number of import items is too large."),
    415: _described("Unsupported media type: send application/json."),
    429: _described("Too many requests: throttled, see the Retry-After header."),
    503: _described("A service the request needs (the task queue) is down; see Retry-After."),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error responses for an operation."""
    return {code: ERROR_RESPONSES[code] for code in codes}


READ_ERRORS = (400, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 415, 429)
