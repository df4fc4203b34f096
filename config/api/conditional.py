"""Conditional GET for detail views: ETag and Last-Modified, 304 when the client's copy is current."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response


def _etag_for(data) -> str:
    payload = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32] + '"'


class ConditionalRetrieveMixin:
    """ETag (hash of the representation) and Last-Modified on detail views; 304 when unchanged.

    If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2). Views define
    `last_modified(obj)` returning the newest timestamp that the representation depends on.
    """

    def last_modified(self, obj) -> datetime | None:
        return getattr(obj, "updated_at", None)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        instance = self.get_object()
        data = self.get_serializer(instance).data
        return conditional_response(request, data, self.last_modified(instance))


class _PreRenderedResponse(Response):
    """A Response whose plain JSON rendering is already done (the ETag hashes it): reused
    when the negotiated renderer would write the same bytes, rendered again otherwise
    (the browsable API, `; indent=`)."""

    def __init__(self, data, rendered: bytes) -> None:
        super().__init__(data)
        self.rendered_json = rendered

    @property
    def rendered_content(self) -> bytes:
        renderer = getattr(self, "accepted_renderer", None)
        context = getattr(self, "renderer_context", None)
        if (
            type(renderer) is not JSONRenderer
            or context is None
            or renderer.get_indent(getattr(self, "accepted_media_type", None), context) is not None
        ):
            return super().rendered_content
        # What Response.rendered_content does besides rendering (JSONRenderer has no charset).
        context["response"] = self
        self["Content-Type"] = self.content_type or renderer.media_type
        return self.rendered_json


def conditional_response(request: Request, data, modified: datetime | None) -> Response:
    """The representation `data` with its ETag and Last-Modified, or a 304 when the client's
    copy is current."""
    rendered = JSONRenderer().render(data)
    etag = _etag_for(rendered.decode("utf-8"))
    if_none_match = request.headers.get("If-None-Match")
    if_modified_since = request.headers.get("If-Modified-Since")
    not_modified = False
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        not_modified = etag in tags or "*" in tags
    elif if_modified_since and modified is not None:
        since = parse_http_date_safe(if_modified_since)
        not_modified = since is not None and int(modified.timestamp()) <= since
    response = Response(status=304) if not_modified else _PreRenderedResponse(data, rendered)
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    # The representation depends on who asks (editors see more).
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response
