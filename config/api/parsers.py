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
from array import array
from collections.abc import Callable
from functools import cache
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils.module_loading import import_string
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, FormParser, JSONParser, MultiPartParser

from config.api.exceptions import PayloadTooLarge

# The skeleton of a JSON text: quotes and brackets only, escapes gone (UTF-8 multi-byte
# sequences never contain ASCII bytes, so this is safe on the raw bytes).
_SKELETON_DROPPED = bytes(sorted(set(range(256)) - set(b'"[]{}')))
_SKELETON_STRING = re.compile(rb'"[^"]*"')
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def json_nesting_depth(body: bytes, limit: int) -> int:
    """How deep arrays and objects nest in the JSON `body`, capped at `limit` + 1; brackets
    inside strings do not count (a malformed body may count deeper: it is refused either way).

    Byte operations in C (replace, translate, one regex) reduce the body to its brackets, so
    a 6 MB import costs a small fraction of decoding it."""
    skeleton = body.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _SKELETON_DROPPED)
    brackets = _SKELETON_STRING.sub(b"", skeleton)
    # Opening brackets as +1, closing as -1 (signed bytes); the deepest running sum is the depth.
    steps = array("b", brackets.translate(_BRACKET_STEPS))
    return min(max(accumulate(steps), default=0), limit + 1)


@cache
def _cleaner(path: str) -> Callable[..., Any]:
    return import_string(path)


def clean_body_text(value: Any, body: bytes | None = None) -> Any:
    """Every string in a parsed body through settings.API_TEXT_CLEANER (unchanged if unset);
    the cleaner is given the raw `body` too, when there is one, to skip clean bodies fast."""
    path = getattr(settings, "API_TEXT_CLEANER", "")
    return _cleaner(path)(value, body) if path else value


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
        if json_nesting_depth(body, max_depth) > max_depth:
            raise ParseError(
                f"JSON parse error - arrays and objects nest deeper than {max_depth} levels."
            )
        try:
            parsed = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as error:  # the depth check above makes this unreachable
            raise ParseError("JSON parse error - nested too deeply.") from error
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        # The cleaner's fast look at the raw bytes knows UTF-8 only.
        utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        return clean_body_text(parsed, body if utf8 else None)


class CleanFormParser(FormParser):
    """URL-encoded forms (the browsable API) with their text cleaned like JSON bodies."""

    def parse(self, stream, media_type=None, parser_context=None):
        return _clean_query_dict(super().parse(stream, media_type, parser_context))


class CleanMultiPartParser(MultiPartParser):
    """Multipart forms with their text fields cleaned like JSON bodies (files untouched)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        return DataAndFiles(_clean_query_dict(parsed.data), parsed.files)
