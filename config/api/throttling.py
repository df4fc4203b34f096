"""API rate limits counted per client address as config/proxies.py reads it (DRF's own
`get_ident` would key anonymous clients on the whole X-Forwarded-For header, which they
choose themselves, unless NUM_PROXIES is set)."""

from __future__ import annotations

from rest_framework import throttling

from config.proxies import client_address


class ClientAddressMixin:
    def get_ident(self, request) -> str:
        return client_address(request) or ""


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    """Anonymous requests per client address (`anon` rate)."""


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    """Requests per signed-in user, or per client address when anonymous (`user` rate)."""
