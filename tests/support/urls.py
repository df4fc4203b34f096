"""URL enumeration for the security tests: every admin URL and every API write endpoint."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
WRITE_METHODS = ("post", "put", "patch", "delete")


def _replace_groups(route: str) -> str:
    """Each regex named group `(?P<name>...)` (nested parentheses included) becomes "1"."""
    out, i = [], 0
    while i < len(route):
        if route.startswith("(?P<", i):
            depth = 0
            for j in range(i, len(route)):
                if route[j] == "(" and route[j - 1 : j] != "\\":
                    depth += 1
                elif route[j] == ")" and route[j - 1 : j] != "\\":
                    depth -= 1
                    if depth == 0:
                        break
            out.append("1")
            i = j + 1
        else:
            out.append(route[i])
            i += 1
    return "".join(out)


def _concrete(route: str) -> str:
    """A path matching `route` (path() or re_path() syntax) with 1 for every parameter."""
    route = PARAM.sub("1", _replace_groups(route))
    return route.replace("^", "").replace("$", "").replace("/?", "/").replace("\\", "")


def iter_patterns(resolver: URLResolver | None = None, prefix: str = ""):
    """(concrete path, pattern) for every leaf URL pattern, depth first."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from iter_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield "/" + _concrete(route), entry


def admin_paths() -> list[str]:
    """Every admin URL except the ones anonymous users must reach (login, logout, catch-all)."""
    paths = []
    for path, pattern in iter_patterns():
        if not path.startswith("/admin/"):
            continue
        if pattern.name in ("login", "logout") or path.endswith("/.*"):
            continue
        if ".*" in path or "(" in path:
            continue
        paths.append(path)
    return sorted(set(paths))


def api_write_endpoints() -> list[tuple[str, str]]:
    """(method, path) for every API view that accepts a write method."""
    endpoints = set()
    for path, pattern in iter_patterns():
        if not path.startswith("/api/v1/"):
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if actions is not None:
            methods = [m for m in actions if m in WRITE_METHODS]
        elif cls is not None:
            methods = [m for m in WRITE_METHODS if hasattr(cls, m)]
        else:
            continue
        if "<format>" in str(pattern.pattern):
            continue  # the same view again with a format suffix
        for method in methods:
            endpoints.add((method, path))
    return sorted(endpoints)
