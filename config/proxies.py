"""The client's address, the one way every part of the site reads it: API throttling
(config/api/throttling.py), admin login throttling (django-axes' AXES_CLIENT_IP_CALLABLE) and
the request log (ops/middleware.py).

`PROXY_COUNT` says how many reverse proxies of ours stand in front of gunicorn. Each appends
the address it received the request from to X-Forwarded-For, so only the right-most
PROXY_COUNT entries were written by us; anything to their left came from the client and can be
forged. With PROXY_COUNT=0 the header is ignored and the socket's peer (REMOTE_ADDR) is the
client. The same setting decides whether X-Forwarded-Proto is believed
(SECURE_PROXY_SSL_HEADER in config/settings.py).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind PROXY_COUNT trusted proxies the address
    the outermost of them saw (the PROXY_COUNT-th X-Forwarded-For entry from the right)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Fewer hops than proxies: the request did not come through all of them (or the
        # setting is wrong); the entries present may be the client's own, so none is trusted.
        return remote
    return ip_address_or_none(forwarded[-proxies]) or remote


def ip_address_or_none(text: str) -> str | None:
    """`text` as a canonical IP address, tolerating the port and brackets some proxies add
    ("203.0.113.7:5123", "[2001:db8::1]:443"); None when it is not an address."""
    candidate = text.strip()
    if candidate.startswith("["):
        candidate = candidate[1:].split("]", 1)[0]
    elif candidate.count(":") == 1:
        candidate = candidate.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
