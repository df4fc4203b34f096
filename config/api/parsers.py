"""Request body parsers with the body limit enforced (DEFAULT_PARSER_CLASSES)."""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework.parsers import JSONParser

from config.api.exceptions import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE; DRF reads the stream past Django's check."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and stream is not None:
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
            return super().parse(io.BytesIO(body), media_type, parser_context)
        return super().parse(stream, media_type, parser_context)
