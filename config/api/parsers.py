"""Request body parsers with the body limits enforced and text cleaned (DEFAULT_PARSER_CLASSES).

Limits: the size (DATA_UPLOAD_MAX_MEMORY_SIZE; DRF reads the stream past Django's own check)
and the nesting depth of JSON (API_JSON_MAX_DEPTH), checked before decoding: Python's decoder
recurses once per level and a body nested 50,000 deep would end in a RecursionError (a 500).
Text: every string of a body passes through the cleaner settings name (API_TEXT_CLEANER; the
rules live with the editorial core), so control characters never reach a serializer; NUL and
lone surrogates are left for the fields to refuse one by one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils.module_loading import import_string
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, FormParser, JSONParser, MultiPartParser

from config.api.exceptions import PayloadTooLarge

# A JSON string, escapes included (the unrolled form: fast on megabytes).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_nesting_depth(text: str, limit: int) -> int:
    """How deep arrays and objects nest in JSON `text`, counted up to `limit` + 1 (so an
    absurd body stops early); brackets inside strings do not count."""
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        else:
            depth -= 1
    return deepest


@cache
def _cleaner(path: str) -> Callable[[Any], Any]:
    return import_string(path)


def clean_body_text(value: Any) -> Any:
    """Every string in a parsed body through settings.API_TEXT_CLEANER (unchanged if unset)."""
    path = getattr(settings, "API_TEXT_CLEANER", "")
    return _cleaner(path)(value) if path else value


def _clean_query_dict(data: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        cleaned.setlist(clean_body_text(key), [clean_body_text(v) for v in values])
    cleaned._mutable = False
    return cleaned


class LimitedJSONParser(JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE and API_JSON_MAX_DEPTH, text cleaned."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is None:
            return super().parse(stream, media_type, parser_context)
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        max_depth = settings.API_JSON_MAX_DEPTH
        text = body.decode("utf-8", errors="replace")
        if json_nesting_depth(text, max_depth) > max_depth:
            raise ParseError(
                f"JSON parse error - arrays and objects nest deeper than {max_depth} levels."
            )
        try:
            parsed = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as error:  # the depth check above makes this unreachable
            raise ParseError("JSON parse error - nested too deeply.") from error
        return clean_body_text(parsed)


class CleanFormParser(FormParser):
    """URL-encoded forms (the browsable API) with their text cleaned like JSON bodies."""

    def parse(self, stream, media_type=None, parser_context=None):
        return _clean_query_dict(super().parse(stream, media_type, parser_context))


class CleanMultiPartParser(MultiPartParser):
    """Multipart forms with their text fields cleaned like JSON bodies (files untouched)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        return DataAndFiles(_clean_query_dict(parsed.data), parsed.files)
