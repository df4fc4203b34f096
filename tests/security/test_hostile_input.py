"""Hostile input against every API operation and every public page: no 5xx, JSON errors.

Operations come from the generated OpenAPI schema and pages from the URL resolver, so a new
endpoint is probed without editing this file. Probe classes (docs/security.md keeps the
counts): control characters, NUL, lone surrogates / invalid UTF-8, huge numbers, over-long
strings, wrong types and deep nesting, in path ids, query parameters and JSON bodies (each
property of a body built valid from the schema, so hostile text reaches the database).
"""

from __future__ import annotations

import itertools
import json
import socket
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.factories import (
    CitationFactory,
    ClaimFactory,
    FigureFactory,
    PublishedClaimFactory,
    WebhookEndpointFactory,
)
from tests.support.builders import token_client
from tests.support.network import FakeNetwork

pytestmark = pytest.mark.django_db

# Query strings are bytes on the wire: a lone surrogate can only arrive as invalid UTF-8.
QUERY_PROBES = {
    "control": quote("a\x1b\x07\x0bb"),
    "nul": "a%00b",
    "invalid_utf8": "%ED%A0%80%FF",
    "huge_number": "9" * 40,
    "negative_huge": "-" + "9" * 40,
    "float_overflow": "1e400",
    "over_long": "x" * 5000,
    "wrong_type": quote("[{}]"),
    "sql_and_markup": quote("' OR 1=1-- <script>"),
}
PATH_PROBES = {
    "control": quote("1\x1b"),
    "nul": "1%00",
    "invalid_utf8": "%ED%A0%80",
    "huge_number": "9" * 40,
    "negative": "-1",
    "over_long": "9" * 3000,
    "wrong_type": "abc",
}
TEXT_PROBES = {
    "control": "Crime\x1b has\x07 doubled\x0b\r\n",
    "nul": "Crime\x00 doubled",
    "surrogate": "Crime \ud800 doubled",
    "over_long": "x" * 100_000,
}
VALUE_PROBES = {
    "huge_number": 10**40,
    "float_overflow": 1e308 * 10,  # inf: json.dumps writes Infinity, which DRF refuses
    "wrong_type_list": [["nested"]],
    "wrong_type_object": {"a": {"b": 1}},
    "null": None,
    "bool": True,
}
DEEP = "[" * 50_000 + "]" * 50_000
BODY_PROBES = {
    "deep_nesting": DEEP,
    "not_an_object": "[1, 2, 3]",
    "bare_string": '"\\u0000"',
    "huge_integer": "9" * 4000,
    "invalid_utf8": b'{"title": "\xed\xa0\x80"}',
    "truncated": '{"title": "a',
}


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
    )


SCHEMA = _schema()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
    if method in {"get", "post", "put", "patch", "delete"}
]
# Operations that fetch from the network when given a real source or URL: probed with hostile
# ids only (the fake network below would refuse the fetch anyway).
FETCHING = {("POST", "/api/v1/sources/{id}/check/")}
# Valid values differ on every request, so a probe is not refused as a duplicate of the last.
_SERIAL = itertools.count(1)


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            return _resolve(schema[key][0])
    return schema


def _body_schema(operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    return _resolve(body) if body else None


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No probe may reach the network; throttling is tested elsewhere."""
    from rest_framework.throttling import SimpleRateThrottle

    net = FakeNetwork()
    monkeypatch.setattr(socket, "getaddrinfo", net.getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", net.create_connection)
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    yield
    assert net.forbidden == []


@pytest.fixture
def world(reviewer):
    published = PublishedClaimFactory()
    draft = ClaimFactory()
    for claim in (published, draft):
        FigureFactory(claim=claim)
        CitationFactory(claim=claim)
    citation = draft.citations.first()
    return {
        "claim": draft,
        "claimant": draft.claimant,
        "rating": published.rating,
        "source": citation.source,
        "citation": citation,
        "figure": draft.figures.first(),
        "webhook": WebhookEndpointFactory(owner=reviewer),  # endpoints are their owner's only
    }


@pytest.fixture
def api(reviewer) -> APIClient:
    return token_client(reviewer)


def assert_clean_answer(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), what
        body = response.json()
        assert body["status"] == response.status_code, what
        assert body["code"] and body["detail"], what


def _real_id(path: str, world: dict) -> int:
    resource = path.split("/")[3]
    by_resource = {
        "claims": world["claim"],
        "claimants": world["claimant"],
        "ratings": world["rating"],
        "sources": world["source"],
        "citations": world["citation"],
        "figures": world["figure"],
        "webhooks": world["webhook"],
        "topics": None,
        "checks": None,
        "snapshots": None,
    }
    found = by_resource.get(resource)
    return found.pk if found is not None else 1


def _url(path: str, world: dict, id_value: str | None = None) -> str:
    return path.replace("{id}", id_value if id_value is not None else str(_real_id(path, world)))


def _valid_value(name: str, schema: dict, world: dict):
    schema = _resolve(schema)
    if "enum" in schema:
        return next((v for v in schema["enum"] if v not in (None, "")), None)
    kind = schema.get("type")
    fmt = schema.get("format", "")
    if kind == "integer":
        model = {
            "claimant_id": "claimant",
            "claimant": "claimant",
            "claim": "claim",
            "claim_id": "claim",
            "source": "source",
            "source_id": "source",
            "rating_id": "rating",
            "rating": "rating",
        }.get(name)
        return world[model].pk if model else 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    if fmt == "uri":
        return f"https://probe.example/page-{next(_SERIAL)}"
    if fmt == "date":
        return "2024-01-02"
    if fmt == "date-time":
        return "2024-01-02T03:04:05Z"
    if fmt == "decimal":
        return "12.5"
    return f"Probe text {next(_SERIAL)}"


def _valid_body(schema: dict, world: dict) -> dict:
    properties = schema.get("properties", {})
    return {
        name: _valid_value(name, properties[name], world)
        for name in schema.get("required", [])
        if name in properties and not properties[name].get("readOnly")
    }


def _text_properties(schema: dict) -> list[str]:
    return [
        name
        for name, prop in schema.get("properties", {}).items()
        if not prop.get("readOnly") and _resolve(prop).get("type") in ("string", None)
    ]


READ_OPERATIONS = [(m, p, o) for m, p, o in OPERATIONS if m == "GET"]
ID_OPERATIONS = [(m, p, o) for m, p, o in OPERATIONS if "{id}" in p]
WRITE_OPERATIONS = [
    (m, p, o) for m, p, o in OPERATIONS if m in {"POST", "PUT", "PATCH"} and (m, p) not in FETCHING
]


def test_the_schema_lists_the_operations_probed():
    # A sanity floor, so an empty schema cannot pass every probe vacuously.
    assert len(OPERATIONS) >= 40
    assert len(WRITE_OPERATIONS) >= 15


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    READ_OPERATIONS,
    ids=[f"{m} {p}" for m, p, _ in READ_OPERATIONS],
)
def test_hostile_query_parameters_never_make_a_5xx(api, world, method, path, operation):
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    names += ["unknown_parameter", "page", "ordering"]
    for name in dict.fromkeys(names):
        for probe, value in QUERY_PROBES.items():
            url = f"{_url(path, world)}?{name}={value}"
            assert_clean_answer(api.get(url), f"{method} {url[:120]} ({probe})")


@pytest.mark.parametrize(
    ("method", "path", "operation"), ID_OPERATIONS, ids=[f"{m} {p}" for m, p, _ in ID_OPERATIONS]
)
def test_hostile_path_ids_never_make_a_5xx(api, world, method, path, operation):
    for probe, value in PATH_PROBES.items():
        url = _url(path, world, value)
        response = api.generic(method, url, "{}", content_type="application/json")
        assert_clean_answer(response, f"{method} {url[:120]} ({probe})")
        assert response.status_code in (400, 404, 405), (url, response.status_code)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    WRITE_OPERATIONS,
    ids=[f"{m} {p}" for m, p, _ in WRITE_OPERATIONS],
)
def test_hostile_json_bodies_never_make_a_5xx(api, world, method, path, operation):
    schema = _body_schema(operation) or {"properties": {}}
    url = _url(path, world)
    for probe, raw in BODY_PROBES.items():
        response = api.generic(method, url, raw, content_type="application/json")
        assert_clean_answer(response, f"{method} {path} body {probe}")
    for name in schema.get("properties", {}):
        for probe, value in {**TEXT_PROBES, **VALUE_PROBES}.items():
            if name not in _text_properties(schema) and probe in TEXT_PROBES and probe != "nul":
                continue
            body = {**_valid_body(schema, world), name: value}
            # allow_nan: json.dumps writes inf as Infinity, a token the parser must refuse.
            raw = json.dumps(body, allow_nan=True)
            response = api.generic(method, url, raw, content_type="application/json")
            assert_clean_answer(response, f"{method} {path} {name}={probe}")
            if probe in ("nul", "surrogate") and name in _text_properties(schema):
                # Refused, and by the field that received it.
                assert response.status_code == 400, (path, name, probe, response.status_code)
                assert name in response.json().get("errors", {}), (path, name, response.json())


def _public_routes() -> list[str]:
    """Every route of the site outside the admin and the API, by the resolver."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(("admin", "api", "^")) or "(?P" in route:
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.append("/" + route.replace("$", "").replace("^", ""))

    walk(get_resolver().url_patterns)
    return sorted(set(found))


PUBLIC_ROUTES = _public_routes()
PUBLIC_PATHS = [route for route in PUBLIC_ROUTES if "<" not in route]
# Routes with parameters (<slug:slug>, <int:pk>): each parameter replaced by a hostile value.
PARAMETER_ROUTES = [route for route in PUBLIC_ROUTES if "<" in route]


def test_the_resolver_lists_the_public_pages_probed():
    assert "/claims/" in PUBLIC_PATHS and "/sitemap.xml" in PUBLIC_PATHS


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_hostile_query_parameters_on_public_pages_never_make_a_5xx(client, world, path):
    for name in ("q", "page", "rating", "topic", "claimant", "sort", "format"):
        for probe, value in QUERY_PROBES.items():
            response = client.get(f"{path}?{name}={value}")
            assert response.status_code < 500, (path, name, probe, response.status_code)


def test_the_resolver_lists_the_public_routes_with_parameters_probed():
    assert any(route.startswith("/claims/<") for route in PARAMETER_ROUTES)


@pytest.mark.parametrize("route", PARAMETER_ROUTES)
def test_hostile_path_parameters_on_public_pages_never_make_a_5xx(client, world, route):
    import re

    for probe, value in PATH_PROBES.items():
        path = re.sub(r"<[^>]+>", value, route)
        response = client.get(path)
        assert response.status_code < 500, (path[:120], probe, response.status_code)
