"""The one safe HTTP client: every outbound request of the project goes through `fetch` (GET,
sources) or `post` (webhook deliveries).

DESIGN.md §4. The host of every hop is resolved once, here; every answer is checked against
sources.addresses; the connection goes to a checked address (a custom httpcore network
backend), so a second, different DNS answer can never be used (DNS rebinding). Redirects are
followed by hand and each hop is checked again. One deadline covers DNS, connect, TLS and
every read; the body is decoded piece by piece and cut at SOURCES_MAX_BYTES.
A FetchSession keeps the connections of one thread's fetches alive from one fetch to the next
(the lanes of a batch of checks); each was opened to a checked address, as above.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import httpcore
import httpx
from django.conf import settings

from sources.addresses import (
    IPAddress,
    address_refusal,
    allowed_by_setting,
    literal_ip,
    url_refusal,
)
from sources.decoding import BodyDecoder, DecodingError
from sources.models import SourceCheck

logger = logging.getLogger(__name__)
Outcome = SourceCheck.Outcome

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}
ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"
ACCEPT_ENCODING = "gzip, deflate, br"  # exactly what sources.decoding can undo
_dns_pools: dict[int, ThreadPoolExecutor] = {}
# A FetchSession keeps a few idle connections, each a few seconds at most (servers commonly
# drop idle ones after 5 s or more).
SESSION_CONNECTIONS = 4
KEEPALIVE_SECONDS = 3.0


def _dns_pool() -> ThreadPoolExecutor:
    """Threads for getaddrinfo, which takes no timeout, so that the deadline still holds.

    One pool per process: a pool inherited through fork (Celery's prefork workers) would
    believe in threads that did not survive the fork and never run a lookup.
    """
    pid = os.getpid()
    if pid not in _dns_pools:
        _dns_pools[pid] = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fetch-dns")
    return _dns_pools[pid]


@dataclass(frozen=True)
class FetchResult:
    outcome: str  # a SourceCheck.Outcome value
    url: str  # as requested
    final_url: str  # after redirects (the hop that failed, for failures mid-chain)
    status: int | None  # final HTTP status
    redirect_chain: list[dict] = field(default_factory=list)  # [{"url", "status"}] in order
    content_type: str = ""  # media type, lower-case, without parameters
    charset: str = ""  # from Content-Type, may be ""
    body: bytes = b""  # decoded body, never above SOURCES_MAX_BYTES
    etag: str = ""
    last_modified: str = ""
    error: str = ""  # why, for every outcome but ok and not_modified
    elapsed_ms: int = 0
    address: str = ""  # the IP address last connected to ("" when none)
    retry_after: str = ""  # Retry-After of a 429 or 5xx answer, as sent (seconds or a date)

    @property
    def permanent_redirect(self) -> bool:
        """Whether any hop answered 301 or 308 (the source has moved for good)."""
        return any(hop["status"] in PERMANENT_REDIRECTS for hop in self.redirect_chain)


class FetchRefused(Exception):
    """A fetch ends early with `outcome` (blocked, dns_error, timeout, too_large...)."""

    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to, in resolver order (tests replace this)."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Certificate checks against certifi's roots, built once (tests may replace this)."""
    return httpx.create_ssl_context(trust_env=False)


class _Deadline:
    """One time budget for the whole fetch; every network wait is cut to what is left."""

    def __init__(self, seconds: float) -> None:
        self.ends_at = time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() >= self.ends_at

    def cap(self, timeout: float | None, error=httpcore.ReadTimeout) -> float:
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise error("the total time allowed for the fetch ran out")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connected stream whose reads, writes and TLS handshake all end by the deadline: the
    deadline of the fetch using it now (a kept-alive connection serves several fetches)."""

    def __init__(
        self, inner: httpcore.NetworkStream, backend: _GuardedBackend, address: str
    ) -> None:
        self.inner = inner
        self.backend = backend
        self.address = address  # the checked address connected to

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self.backend.deadline.cap(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.backend.deadline.cap(timeout, httpcore.WriteTimeout))

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        # SNI and certificate checks use the host name, not the address connected to.
        timeout = self.backend.deadline.cap(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self.inner.start_tls(ssl_context, server_hostname, timeout), self.backend, self.address
        )

    def close(self) -> None:
        self.inner.close()

    def get_extra_info(self, info: str):
        return self.inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves each host once, refuses it if any address is blocked, connects by address."""

    def __init__(self, deadline: _Deadline) -> None:
        self.deadline = deadline
        self.inner = httpcore.SyncBackend()
        self.connected_to = ""
        self.connections = 0  # connections opened (a request without a new one reused one)

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        error: Exception | None = None
        for address in self.checked_addresses(host, port):
            limit = self.deadline.cap(timeout, httpcore.ConnectTimeout)
            try:
                # A literal address: socket.create_connection does no DNS lookup for it.
                stream = self.inner.connect_tcp(
                    str(address), port, limit, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failure:
                # Try the next checked address, as browsers do (an unroutable IPv6 address
                # first is common); the deadline still bounds the whole attempt.
                error = failure
                continue
            self.connected_to = str(address)
            self.connections += 1
            return _DeadlineStream(stream, self, str(address))
        raise error or FetchRefused(Outcome.DNS_ERROR, f"{host} has no address")

    def checked_addresses(self, host: str, port: int) -> list[IPAddress]:
        literal = literal_ip(host)
        addresses = [literal] if literal is not None else self.resolve(host, port)
        for address in addresses:
            if allowed_by_setting(host, address):
                continue
            reason = address_refusal(address)
            if reason:
                # One bad answer refuses the host: round-robin DNS could pick it next time.
                raise FetchRefused(
                    Outcome.BLOCKED, f"{host} resolves to a blocked address: {reason}"
                )
        return addresses

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        wait = self.deadline.cap(settings.SOURCES_CONNECT_TIMEOUT, httpcore.ConnectTimeout)
        lookup = _dns_pool().submit(resolve_host, host, port)
        try:
            return lookup.result(timeout=wait)
        except FutureTimeout:
            lookup.cancel()  # if still queued behind other slow lookups, never start it
            raise FetchRefused(Outcome.TIMEOUT, f"DNS lookup for {host} timed out") from None
        except (OSError, UnicodeError, ValueError) as error:
            raise FetchRefused(
                Outcome.DNS_ERROR, f"DNS lookup for {host} failed: {error}"
            ) from None

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the guarded backend (httpx has no public argument for it)."""

    def __init__(self, backend: _GuardedBackend, keepalive_connections: int | None = None) -> None:
        super().__init__(verify=tls_context(), trust_env=False, retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=tls_context(),
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
            # A one-off fetch closes its connections with the transport; a session keeps some.
            max_keepalive_connections=keepalive_connections,
            keepalive_expiry=None if keepalive_connections is None else KEEPALIVE_SECONDS,
        )


class FetchSession:
    """Connections kept alive from one fetch to the next, for a run of fetches made one after
    another by one thread (a lane of a batch of checks): a page of a host already visited
    skips the connection (and TLS) set-up. Each connection was made to an address checked when
    it was opened, as for any fetch; no host is looked up again while its connection lasts.
    Use it as a context manager (the connections are closed at the end).
    """

    def __init__(self) -> None:
        self.backend = _GuardedBackend(_Deadline(0))
        self.transport = _GuardedTransport(self.backend, keepalive_connections=SESSION_CONNECTIONS)

    def __enter__(self) -> FetchSession:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()


@dataclass
class _Progress:
    """What is known so far, so that a failure at any point still reports it."""

    url: str
    current: str
    chain: list[dict] = field(default_factory=list)
    status: int | None = None
    content_type: str = ""
    charset: str = ""


def fetch(
    url: str, *, etag: str = "", last_modified: str = "", session: FetchSession | None = None
) -> FetchResult:
    """Never raises for network/HTTP problems: every failure is an outcome value. With a
    session, its kept-alive connections serve the requests when they can."""
    started = time.monotonic()
    deadline = _Deadline(settings.SOURCES_TOTAL_TIMEOUT)
    progress = _Progress(url=url, current=url)
    headers = _request_headers(etag, last_modified)
    fields: dict[str, Any]
    if session is None:
        backend = _GuardedBackend(deadline)
    else:
        backend = session.backend
        backend.deadline, backend.connected_to = deadline, ""
    try:
        if session is None:
            with _GuardedTransport(backend) as transport:
                fields = _follow(transport, progress, headers, backend)
        else:
            fields = _follow(session.transport, progress, headers, backend)
        if fields["outcome"] == Outcome.NOT_MODIFIED:
            # Servers may leave the validators out of a 304; the ones sent still hold.
            fields["etag"] = fields["etag"] or etag
            fields["last_modified"] = fields["last_modified"] or last_modified
    except FetchRefused as refusal:
        fields = {"outcome": refusal.outcome, "error": str(refusal)}
    except (httpx.HTTPError, OSError) as failure:
        outcome, error = _classify(failure)
        if outcome == Outcome.TIMEOUT and deadline.expired():
            error = (
                f"the total time allowed ({settings.SOURCES_TOTAL_TIMEOUT:g} s) ran out: {error}"
            )
        fields = {"outcome": outcome, "error": error}
    except Exception as failure:  # a check records a result; it never takes the worker down
        logger.exception("Unexpected failure fetching %s", url)
        fields = {"outcome": Outcome.ERROR, "error": f"{type(failure).__name__}: {failure}"}
    defaults: dict[str, Any] = {
        "url": url,
        "final_url": progress.current,
        "status": progress.status,
        "redirect_chain": progress.chain,
        "content_type": progress.content_type,
        "charset": progress.charset,
        "elapsed_ms": int((time.monotonic() - started) * 1000),
        "address": backend.connected_to,
    }
    fields["outcome"] = str(fields["outcome"])  # a plain string, as the interface says
    logger.debug("fetch %s: %s %s", url, fields["outcome"], fields.get("error", ""))
    return FetchResult(**defaults, **fields)


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, keep_bytes: int = 2048
) -> FetchResult:
    """POST `body` once to `url` under the same address policy and guarded connection as
    `fetch` (webhook deliveries). Redirects are not followed: a 3xx is a failed delivery, so a
    receiver cannot bounce a signed body elsewhere. Only the first `keep_bytes` of the answer
    are read. Never raises for network/HTTP problems: outcome "ok" means a 2xx answer.
    """
    started = time.monotonic()
    backend = _GuardedBackend(_Deadline(timeout))
    status: int | None = None
    try:
        refusal = url_refusal(url)
        if refusal:
            raise FetchRefused(Outcome.BLOCKED, refusal)
        request = httpx.Request(
            "POST",
            url,
            content=body,
            headers={"User-Agent": settings.SOURCES_USER_AGENT, "Accept-Encoding": "identity"}
            | headers,
            extensions={
                "timeout": httpx.Timeout(
                    timeout, connect=min(timeout, settings.SOURCES_CONNECT_TIMEOUT)
                ).as_dict()
            },
        )
        with _GuardedTransport(backend) as transport:
            response = transport.handle_request(request)
            try:
                status = response.status_code
                answer = bytearray()
                for raw in response.iter_raw():
                    answer += raw[: keep_bytes - len(answer)]
                    if len(answer) >= keep_bytes:
                        break
            finally:
                response.close()
        ok = 200 <= status < 300
        fields: dict[str, Any] = {
            "outcome": Outcome.OK if ok else _error_outcome(status),
            "error": "" if ok else f"HTTP {status} {response.reason_phrase}",
            "body": bytes(answer),
        }
    except FetchRefused as refusal:
        fields = {"outcome": refusal.outcome, "error": str(refusal)}
    except (httpx.HTTPError, OSError) as failure:
        outcome, error = _classify(failure)
        fields = {"outcome": outcome, "error": error}
    except Exception as failure:  # a delivery records a result; it never takes the worker down
        logger.exception("Unexpected failure posting to %s", url)
        fields = {"outcome": Outcome.ERROR, "error": f"{type(failure).__name__}: {failure}"}
    fields["outcome"] = str(fields["outcome"])
    return FetchResult(
        url=url,
        final_url=url,
        status=status,
        elapsed_ms=int((time.monotonic() - started) * 1000),
        address=backend.connected_to,
        **fields,
    )


def _request_headers(etag: str, last_modified: str) -> dict[str, str]:
    headers = {
        "User-Agent": settings.SOURCES_USER_AGENT,
        "Accept": ACCEPT,
        "Accept-Encoding": ACCEPT_ENCODING,
        "Accept-Language": "en;q=1.0, *;q=0.5",
    }
    # Stored validators came from servers; never let one smuggle a header line in.
    if etag and etag.isprintable():
        headers["If-None-Match"] = etag
    if last_modified and last_modified.isprintable():
        headers["If-Modified-Since"] = last_modified
    return headers


def _follow(
    transport: httpx.BaseTransport, progress: _Progress, headers: dict, backend: _GuardedBackend
) -> dict:
    """Request hop after hop, checking each, until a response that is not a redirect.

    The transport is called directly, not through httpx.Client: the client parses every
    Location (raising on odd ones) and keeps cookies, proxies and auth we do not want.
    """
    conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
    timeout = httpx.Timeout(
        settings.SOURCES_TOTAL_TIMEOUT, connect=settings.SOURCES_CONNECT_TIMEOUT
    ).as_dict()
    cookies = httpx.Cookies()
    seen: set[str] = set()
    previous_host = ""
    while True:
        progress.status, progress.content_type, progress.charset = None, "", ""
        refusal = url_refusal(progress.current)
        if refusal:
            raise FetchRefused(Outcome.BLOCKED, refusal)
        host = (urlsplit(progress.current).hostname or "").lower()
        if host != previous_host:
            cookies.clear()  # cookies may follow a redirect on one host, never across hosts
        previous_host = host
        seen.add(progress.current)
        request = httpx.Request(
            "GET", progress.current, headers=headers, extensions={"timeout": timeout}
        )
        if len(cookies.jar):  # the cookie jar's look-ups cost a tenth of a fetch: only if any
            cookies.set_cookie_header(request)
        response = _send(transport, request, backend)
        response.request = request
        try:
            if "set-cookie" in response.headers:
                cookies.extract_cookies(response)
            progress.status = response.status_code
            progress.content_type, progress.charset = _media_type(response)
            location = response.headers.get("location", "")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return _final(response, conditional)
        finally:
            response.close()
        progress.chain.append({"url": progress.current, "status": response.status_code})
        progress.current = _next_hop(progress.current, location)
        if progress.current in seen:
            raise FetchRefused(Outcome.ERROR, f"redirect loop back to {progress.current}")
        if len(progress.chain) > settings.SOURCES_MAX_REDIRECTS:
            raise FetchRefused(
                Outcome.ERROR, f"more than {settings.SOURCES_MAX_REDIRECTS} redirects"
            )


# How a kept-alive connection that the server closed meanwhile fails a request (before any
# answer: a GET sent again on a new connection is the same request).
_STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def _send(
    transport: httpx.BaseTransport, request: httpx.Request, backend: _GuardedBackend
) -> httpx.Response:
    """The response to one hop's request, and the address it came from in backend.connected_to.
    A request that failed on a reused connection is sent once more, on a new one."""
    opened = backend.connections
    try:
        response = transport.handle_request(request)
    except _STALE_CONNECTION:
        if backend.connections != opened:
            raise  # the connection was new: a real failure
        response = transport.handle_request(request)
    stream = response.extensions.get("network_stream")
    if isinstance(stream, _DeadlineStream):
        backend.connected_to = stream.address
    return response


def _next_hop(current: str, location: str) -> str:
    if any(ch in location for ch in "\\\t\r\n ") or not location.isprintable():
        raise FetchRefused(Outcome.BLOCKED, f"redirect to an ambiguous URL {location!r}")
    # The fragment never reaches the server; without it, a redirect to "#top" is a loop.
    target = urldefrag(urljoin(current, location)).url
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise FetchRefused(Outcome.UNSUPPORTED, f"redirect to a non-HTTP URL {target!r}")
    return target


def _final(response: httpx.Response, conditional: bool) -> dict:
    status = response.status_code
    fields = {
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }
    if 200 <= status < 300:
        body, outcome, error = _read_body(response)
        return {**fields, "outcome": outcome, "body": body, "error": error}
    if status == 304 and conditional:
        return {**fields, "outcome": Outcome.NOT_MODIFIED}
    if status == 429 or status >= 500:
        fields["retry_after"] = response.headers.get("retry-after", "")[:100]
    return {
        **fields,
        "outcome": _error_outcome(status),
        "error": f"HTTP {status} {response.reason_phrase}",
    }


def _error_outcome(status: int) -> str:
    if status == 404:
        return Outcome.NOT_FOUND
    if status == 410:
        return Outcome.GONE
    if 400 <= status < 500:
        return Outcome.CLIENT_ERROR
    if 500 <= status < 600:
        return Outcome.SERVER_ERROR
    return Outcome.ERROR  # 1xx leftovers, 304 unasked, 3xx (not followed, or without Location)


def _read_body(response: httpx.Response) -> tuple[bytes, str, str]:
    """(body, outcome, error): the decoded body, cut off at SOURCES_MAX_BYTES."""
    cap = settings.SOURCES_MAX_BYTES
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        return b"", Outcome.TOO_LARGE, f"Content-Length {declared} is over the {cap}-byte limit"
    try:
        decoder = BodyDecoder(response.headers.get("content-encoding", ""))
        body = bytearray()
        for raw in response.iter_raw():
            for piece in decoder.feed(raw):
                body += piece
                if len(body) > cap:
                    return b"", Outcome.TOO_LARGE, f"body over the {cap}-byte limit"
        for piece in decoder.finish():
            body += piece
            if len(body) > cap:
                return b"", Outcome.TOO_LARGE, f"body over the {cap}-byte limit"
    except DecodingError as error:
        return b"", Outcome.UNSUPPORTED, f"body could not be decoded: {error}"
    return bytes(body), Outcome.OK, ""


def _media_type(response: httpx.Response) -> tuple[str, str]:
    """("text/html", "utf-8") from a Content-Type header; ("", "") when absent."""
    media, *params = response.headers.get("content-type", "").split(";")
    charset = ""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def _classify(failure: BaseException) -> tuple[str, str]:
    """The outcome for an exception from httpx or the socket layer, and a readable reason."""
    chain = list(_causes(failure))
    message = "; ".join(dict.fromkeys(str(e) for e in chain if str(e))) or type(failure).__name__
    if any(isinstance(e, ssl.SSLError) for e in chain):
        return Outcome.TLS_ERROR, message
    if any(isinstance(e, httpx.TimeoutException | socket.timeout) for e in chain):
        return Outcome.TIMEOUT, message
    if any(isinstance(e, ConnectionRefusedError | ConnectionResetError) for e in chain):
        return Outcome.REFUSED, message
    if any(isinstance(e, socket.gaierror) for e in chain):
        return Outcome.DNS_ERROR, message
    if isinstance(failure, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return Outcome.BLOCKED, f"URL not understood: {message}"
    return Outcome.ERROR, message
