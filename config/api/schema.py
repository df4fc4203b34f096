"""OpenAPI helpers: the schema class that documents every operation's errors, and the
`extend_schema_view` a model viewset needs."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_view

from config.api.errors import ERROR_RESPONSES, READ_ERRORS, WRITE_ERRORS, error_responses


def viewset_schema(
    serializer, *, conditional: bool = False, write: bool = True, delete: bool = False
):
    """`extend_schema_view` for a model viewset: its serializer and documented errors per action."""
    detail = {
        200: serializer,
        **({304: None} if conditional else {}),
        **error_responses(*READ_ERRORS),
    }
    actions = {
        "list": extend_schema(responses={200: serializer(many=True), **error_responses(400, 429)}),
        "retrieve": extend_schema(responses=detail),
    }
    if write:
        for action, status in (("create", 201), ("update", 200), ("partial_update", 200)):
            actions[action] = extend_schema(
                responses={status: serializer, **error_responses(*WRITE_ERRORS)}
            )
    if delete:
        actions["destroy"] = extend_schema(responses={204: None, **error_responses(*WRITE_ERRORS)})
    return extend_schema_view(**actions)


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, documenting on every operation the errors it can return.

    Reads: 400 (bad parameters), 401 (bad token), 404 (unknown id, page or cursor), 405, 429.
    Writes add 403, 409, 413 and 415. Explicit `extend_schema` responses are kept.
    """

    READ_CODES = (400, 401, 404, 405, 429)
    WRITE_CODES = (400, 401, 403, 404, 405, 409, 413, 415, 429)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response" or not str(self.path).startswith("/api/"):
            return responses
        codes = self.READ_CODES if self.method in ("GET", "HEAD") else self.WRITE_CODES
        for code in codes:
            if str(code) not in responses:
                described = ERROR_RESPONSES[code]
                responses[str(code)] = self._get_response_for_code(
                    described, str(code), direction=direction
                )
        return responses
