"""A pretend network for the fetcher tests: fake DNS and a connect tripwire.

No fetcher test may open a connection beyond 127.0.0.1. `FakeNetwork` replaces
socket.getaddrinfo (names answer from a table; unknown names fail, never real DNS) and
socket.create_connection (127.0.0.1 and ::1 pass; a few pretend-public addresses are routed
to a local server; anything else is recorded and refused without touching the network).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import time
from collections.abc import Callable

# Pretend-public addresses: global by every rule, so the fetcher lets them through.
PUBLIC_IP = "93.184.215.14"
PUBLIC_IP_2 = "151.101.0.81"


class FakeNetwork:
    def __init__(self) -> None:
        self.names: dict[str, Callable[[], list[str]] | list[str] | Exception] = {}
        self.routes: dict[str, int | None] = {}
        self.blackholes: dict[str, list[float | None]] = {}
        self.lookups: list[str] = []
        self.connects: list[tuple[str, int]] = []
        self.forbidden: list[tuple[str, int]] = []
        self._real_getaddrinfo = socket.getaddrinfo
        self._real_create_connection = socket.create_connection

    def answer(self, name: str, answer) -> None:
        """`name` resolves to a list of addresses, a callable giving one, or raises."""
        self.names[name.lower()] = answer

    def route(self, public_ip: str, to_port: int | None = None) -> None:
        """Connections to `public_ip` reach 127.0.0.1 (on `to_port`, else the same port)."""
        self.routes[public_ip] = to_port

    def blackhole(self, public_ip: str) -> list[float | None]:
        """Connections to `public_ip` hang until their timeout; returns the timeouts given."""
        self.blackholes[public_ip] = []
        return self.blackholes[public_ip]

    def lookups_of(self, name: str) -> int:
        return sum(1 for looked_up in self.lookups if looked_up == name.lower())

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(name.split("%")[0])
            return self._real_getaddrinfo(host, port, family, type, proto, flags)
        self.lookups.append(name.lower())
        answer = self.names.get(name.lower())
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, f"fake DNS: no such name {name}")
        if isinstance(answer, Exception):
            raise answer
        addresses = answer() if callable(answer) else answer
        port = int(port or 0)
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in addresses
        ]

    def create_connection(self, address, timeout=None, source_address=None, **kwargs):
        host, port = address[0], int(address[1])
        try:
            ipaddress.ip_address(host)
        except ValueError:
            # As the real create_connection does: a name is looked up (again) here. A fetcher
            # that checks one answer and then lets the library resolve lands on this one.
            host = self.getaddrinfo(host, port)[0][4][0]
            address = (host, port)
        self.connects.append((host, port))
        if host in self.blackholes:
            self.blackholes[host].append(timeout)
            time.sleep(timeout or 0)
            raise TimeoutError("timed out")
        if host in self.routes:
            target = ("127.0.0.1", self.routes[host] or port)
            return self._real_create_connection(target, timeout, source_address)
        if host in ("127.0.0.1", "::1"):
            return self._real_create_connection(address, timeout, source_address, **kwargs)
        self.forbidden.append((host, port))
        raise ConnectionRefusedError(f"test tripwire: no connection to {host}:{port}")
