"""One JSON shape for every API error, and the documented responses that use it.

    {"status": 400, "code": "invalid", "detail": "Invalid input.", "errors": {"url": ["..."]}}

Domain errors named in settings.API_EXCEPTION_TRANSLATIONS keep their message for the client
(a workflow refusal: 403 when the role does not allow it, 409 otherwise); Django's
ValidationError → 400 with field errors; a body over DATA_UPLOAD_MAX_MEMORY_SIZE → 413.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.api.exceptions import PayloadTooLarge


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


def _error_body(status_code: int, code: str, detail: str, errors: dict | None = None) -> dict:
    body: dict[str, Any] = {"status": status_code, "code": code, "detail": detail}
    if errors:
        body["errors"] = errors
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
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error responses for an operation."""
    return {code: ERROR_RESPONSES[code] for code in codes}


READ_ERRORS = (400, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 415, 429)
