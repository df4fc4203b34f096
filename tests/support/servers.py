"""Local servers on loopback addresses for tests and bench/: one HTTP server, one raw TCP server.

`LocalServer` answers HTTP with whatever its `respond(path)` returns, counts the requests of each
path and can hold requests back (to kill a worker mid-fetch, or to keep a host busy). It is a
stdlib threaded server, so bench/ measures the app rather than a test library, and it runs in
the test process while workers in other processes fetch from it.

`Site` gives pytest-httpserver's `httpserver` a table of pages that tests change between checks
(with conditional GET on ETag).

`RawServer` is for bytes no HTTP library would send (truncated heads, endless bodies): it runs
`handler(conn, server)` on each accepted connection.
"""

from __future__ import annotations

import contextlib
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from werkzeug import Request, Response

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """What a LocalServer sends for one request."""

    body: bytes = b""
    status: int = 200
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    """One POST a LocalServer was sent."""

    path: str
    headers: dict[str, str]
    body: bytes


def page(body: bytes | str, **reply) -> Callable[[str], Reply]:
    """`respond` for a server that answers every path with the same page."""
    fixed = Reply(body.encode() if isinstance(body, str) else body, **reply)
    return lambda path: fixed


def routes(table: dict[str, Reply], missing: Reply | None = None) -> Callable[[str], Reply]:
    """`respond` for a server with a page per path and 404 for any other path."""
    missing = missing or Reply(b"Not found", 404, "text/plain")
    return lambda path: table.get(path, missing)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that hang up (a killed worker, a closed keep-alive connection) are not news;
        # anything else (a broken `respond`) is printed as usual.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class LocalServer:
    """An HTTP server on `address` (127.0.0.1 unless told), serving until `close()`.

    respond:    path (with its query) -> Reply; the same page for every path unless given.
    keep_alive: speak HTTP/1.1 with persistent connections (bench clients reuse them).
    backlog:    pending connections the socket queues (bench fires thousands at once).

    hits:       Counter of requests per path; `total_hits` is their sum.
    received:   every POST (path, headers, body), in order (webhook receivers).
    hold:       while True, every request waits for `release` before it is answered.
    hold_paths: the first request of each of these paths waits for `release`.
    held:       set once a request is being held back.
    """

    def __init__(
        self,
        respond: Callable[[str], Reply] | None = None,
        *,
        address: str = "127.0.0.1",
        keep_alive: bool = False,
        backlog: int = 128,
    ):
        self.respond = respond or page(b"<html><body><p>ok</p></body></html>")
        self.hits: Counter[str] = Counter()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.hold = False
        self.hold_paths: set[str] = set()
        self.held = threading.Event()
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def do_GET(self):
                server._answer(self, with_body=True)

            def do_HEAD(self):
                server._answer(self, with_body=False)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with server.lock:
                    server.received.append(Received(self.path, dict(self.headers), body))
                server._answer(self, with_body=True)

            def log_message(self, *args):
                pass

        self.server = _Server((address, 0), Handler, bind_and_activate=False)
        self.server.request_queue_size = backlog
        self.server.server_bind()
        self.server.server_activate()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def total_hits(self) -> int:
        with self.lock:
            return sum(self.hits.values())

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def _answer(self, request: BaseHTTPRequestHandler, *, with_body: bool) -> None:
        path = request.path
        with self.lock:
            self.hits[path] += 1
            hold = self.hold or (path in self.hold_paths and self.hits[path] == 1)
        if hold:
            self.held.set()
            self.release.wait(60)
        reply = self.respond(path)
        phrase = HTTPStatus(reply.status).phrase
        head = [f"{request.protocol_version} {reply.status} {phrase}"]
        head += [f"Content-Type: {reply.content_type}", f"Content-Length: {len(reply.body)}"]
        head += [f"{name}: {value}" for name, value in reply.headers.items()]
        if request.protocol_version == "HTTP/1.0":
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        # One write: a head and a body in separate small writes meet delayed ACKs (40 ms),
        # which would dwarf what bench/ measures.
        with contextlib.suppress(OSError):  # the client (a killed worker) may be gone
            request.wfile.write(data + reply.body if with_body else data)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def serving(respond: Callable[[str], Reply] | None = None, **options) -> Iterator[LocalServer]:
    server = LocalServer(respond, **options)
    try:
        yield server
    finally:
        server.close()


class Site:
    """What pytest-httpserver answers, changeable between checks; it records the requests."""

    def __init__(self, httpserver):
        self.server = httpserver
        self.pages: dict[str, tuple[int, dict, bytes]] = {}
        self.requests: list[Request] = []
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self._answer)

    def set(self, path: str, body: str | bytes = b"", status: int = 200, **headers) -> None:
        headers.setdefault("Content-Type", HTML)
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = (status, headers, data)

    def url(self, path: str) -> str:
        return self.server.url_for(path).replace("localhost", "127.0.0.1")

    def _answer(self, request: Request) -> Response:
        self.requests.append(request)
        status, headers, body = self.pages.get(request.path, (404, {}, b"not here"))
        etag = headers.get("ETag")
        if etag and request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        if callable(body):
            return body(request)
        return Response(body, status=status, headers=headers)


class RawServer:
    """A TCP server on 127.0.0.1 that counts connections and runs `handler(conn)` for each."""

    def __init__(self, handler: Callable[[socket.socket, RawServer], None] | None = None):
        self.handler = handler or respond_ok
        self.connections = 0
        self.bytes_sent = 0
        self.stopped = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def _accept_loop(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(5)
            read_request_head(conn)
            self.handler(conn, self)

    def send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.bytes_sent += len(data)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(2)
        self.listener.close()


def read_request_head(conn: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


def respond_ok(conn: socket.socket, server: RawServer) -> None:
    server.send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def stream_forever(
    head: bytes, chunks: Iterable[bytes], server: RawServer, conn: socket.socket, pause=0.0
):
    """Send `head`, then chunks from an iterator until the client goes or the server stops."""
    server.send(conn, head)
    for chunk in chunks:
        if server.stopped.is_set():
            return
        server.send(conn, chunk)
        if pause:
            time.sleep(pause)


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
