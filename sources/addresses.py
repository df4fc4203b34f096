"""Which addresses and URLs the fetcher may reach (DESIGN.md §4, "Safety of fetching").

Pure policy, no network: sources.fetching resolves a host once, asks `address_refusal` about
every answer, and connects only to an address that passed. The URL helpers the models use
(`validate_source_url`, `normalise_url`, `literal_ip`) live here too, so that the policy is
written once and this module imports no model.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")

# `is_global` alone is not enough: Python calls 224.0.0.1, ::7f00:1, 2002:7f00:1:: and
# 64:ff9b::7f00:1 global. These ranges are refused whatever the standard library says.
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/96",  # IPv4-compatible (deprecated), :: and ::1 included
        "::ffff:0:0/96",  # IPv4-mapped
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local-use NAT64
        "2001::/32",  # Teredo
        "2002::/16",  # 6to4
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed by some stacks)
        "ff00::/8",  # multicast
    )
)


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses carried inside an IPv6 one (mapped, compatible, 6to4, NAT64, Teredo)."""
    if address.version != 6:
        return []
    found = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    if int(address) >> 32 == 0 or address in NAT64:  # IPv4-compatible ::a.b.c.d, NAT64
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def address_refusal(address: IPAddress) -> str:
    """Why the fetcher must not connect to `address` ("" when it may)."""
    for inner in embedded_ipv4(address):
        reason = address_refusal(inner)
        if reason:
            return f"{address} embeds {inner}: {reason}"
    for network in BLOCKED_NETWORKS:
        if address in network:
            return f"{address} is in the blocked range {network}"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return f"{address} is a reserved, multicast or unspecified address"
    if address.is_loopback or address.is_link_local or address.is_private:
        return f"{address} is a loopback, link-local or private address"
    if not address.is_global:
        return f"{address} is not a public address"
    return ""


def _allow_entries() -> list[str]:
    return [e.strip().lower() for e in getattr(settings, "SOURCES_FETCH_ALLOW", []) or [] if e]


def allowed_by_setting(host: str, address: IPAddress | None) -> bool:
    """True when SOURCES_FETCH_ALLOW names the host or a network holding the address.

    Production leaves the setting empty; tests list 127.0.0.1 to reach their local servers.
    """
    host = host.strip("[]").rstrip(".").lower()
    for entry in _allow_entries():
        if entry.strip("[]") == host:
            return True
        if address is None:
            continue
        try:
            network = ipaddress.ip_network(entry.strip("[]"), strict=False)
        except ValueError:
            continue
        if address.version == network.version and address in network:
            return True
    return False


def url_refusal(url: str) -> str:
    """Why `url` must not be fetched ("" when it may), without resolving its host.

    The rules of `validate_source_url` (only http/https, no credentials, backslashes, spaces
    or control characters) plus the stricter address policy for literal addresses in any
    spelling, so that URL parsers which disagree can never be steered to a private address.
    """
    try:
        validate_source_url(url)
    except ValidationError as error:
        return " ".join(error.messages)
    parts = urlsplit(url)
    netloc = parts.netloc
    # A zone id, a second colon outside brackets or a percent-escape in the host are read
    # differently by different parsers; no public source needs them.
    if "%" in netloc or re.search(r"[^\x21-\x7e]", netloc):
        # Also non-ASCII: IDNA folds full-width digits and dots into "127.0.0.1".
        return "The URL's host contains escapes or characters outside ASCII."
    host = (parts.hostname or "").rstrip(".")
    address = literal_ip(host)
    if address is not None and not allowed_by_setting(host, address):
        reason = address_refusal(address)
        if reason:
            return f"The URL points to a blocked address: {reason}."
    return ""


# --- URLs: what the models accept and how they store them ------------------------------

MAX_URL_LENGTH = 2000
# Query parameters that only track the reader; dropping them makes one page one Source.
TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ocid)$", re.IGNORECASE)
_url_syntax = URLValidator(schemes=["http", "https"])


def literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names literally, in any spelling (2130706433, 0x7f.1, [::1]), or None."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-Fx.]+", host) and not re.fullmatch(r"[a-fA-F.]+", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def validate_source_url(url: str) -> None:
    """Refuse URLs that cannot be monitored safely, with a message an editor can act on."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"URLs are limited to {MAX_URL_LENGTH} characters.")
    if any(ch in url for ch in "\\\t\r\n ") or any(ord(ch) < 32 for ch in url):
        raise ValidationError("The URL contains spaces, backslashes or control characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError("Only http:// and https:// URLs can be monitored.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError("URLs with a user name or password are not accepted.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError("The URL has no host name.")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValidationError("The URL has an invalid port.") from None
    # The fetcher's own address policy, so an editor hears "no" at creation, not at first check.
    address = literal_ip(host)
    if allowed_by_setting(host, address):
        pass
    elif address is not None:
        if address_refusal(address):
            raise ValidationError("The URL points to a private or local address.")
    elif host.lower() == "localhost" or host.lower().endswith(
        (".localhost", ".local", ".internal")
    ):
        raise ValidationError("The URL points to a local host name.")
    _url_syntax(url)


def normalise_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, no default port, fragment or trackers."""
    url = url.strip()
    validate_source_url(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname.rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError("The host name is not valid.") from None
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in {("http", 80), ("https", 443)}
        else f"{host}:{port}"
    )
    query_pairs = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query_pairs, doseq=True), ""))
