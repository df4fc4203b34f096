"""sources.fetching against real HTTP servers on 127.0.0.1 (SSRF cases: test_ssrf.py)."""

from __future__ import annotations

import gzip
import itertools
import multiprocessing
import socket
import ssl
import struct
import subprocess
import time
import tracemalloc
import zlib

import brotli
import pytest
from pytest_httpserver import HTTPServer

from sources import fetching
from sources.fetching import FetchResult, fetch
from tests.support.network import PUBLIC_IP, FakeNetwork
from tests.support.servers import RawServer, closed_port, read_request_head, stream_forever

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def network(monkeypatch) -> FakeNetwork:
    net = FakeNetwork()
    net.answer("localhost", ["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", net.getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", net.create_connection)
    yield net
    assert net.forbidden == [], "a test tried to connect beyond 127.0.0.1"


@pytest.fixture
def raw_servers():
    servers: list[RawServer] = []

    def start(handler=None) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def page(httpserver: HTTPServer, path: str, body=b"<p>hello</p>", **kwargs) -> str:
    httpserver.expect_request(path).respond_with_data(body, **kwargs)
    return httpserver.url_for(path)


def redirect(httpserver: HTTPServer, path: str, to: str, status: int = 302) -> str:
    httpserver.expect_request(path).respond_with_data("", status=status, headers={"Location": to})
    return httpserver.url_for(path)


# --- Successful fetches -------------------------------------------------------------------


def test_ok_fetch_returns_body_media_type_charset_validators_and_address(httpserver):
    url = page(
        httpserver,
        "/a",
        b"<p>caf\xc3\xa9</p>",
        headers={
            "Content-Type": 'text/HTML; Charset="UTF-8"',
            "ETag": '"v1"',
            "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT",
        },
    )
    result = fetch(url)
    assert isinstance(result, FetchResult)
    assert result.outcome == "ok" and type(result.outcome) is str
    assert (result.url, result.final_url, result.status) == (url, url, 200)
    assert result.body == b"<p>caf\xc3\xa9</p>"
    assert (result.content_type, result.charset) == ("text/html", "utf-8")
    assert (result.etag, result.last_modified) == ('"v1"', "Wed, 21 Oct 2026 07:28:00 GMT")
    assert result.redirect_chain == [] and not result.permanent_redirect
    assert result.error == "" and result.address == "127.0.0.1"
    assert 0 <= result.elapsed_ms < 5000


def test_request_identifies_itself_and_asks_for_documents_it_can_decode(httpserver, settings):
    settings.SOURCES_USER_AGENT = "ClaimwatchBot/test (+https://claimwatch.test/about/)"
    fetch(page(httpserver, "/ua"))
    request, _ = httpserver.log[-1]
    assert request.headers["User-Agent"] == settings.SOURCES_USER_AGENT
    assert "text/html" in request.headers["Accept"]
    assert request.headers["Accept-Encoding"] == "gzip, deflate, br"
    assert request.headers["Host"] == f"localhost:{httpserver.port}"
    assert "If-None-Match" not in request.headers and "Cookie" not in request.headers


def test_wrong_content_type_is_still_returned_with_its_type(httpserver):
    result = fetch(page(httpserver, "/img", b"<html>not a png</html>", content_type="image/png"))
    assert result.outcome == "ok"
    assert result.content_type == "image/png" and result.body == b"<html>not a png</html>"


def test_missing_content_type_gives_empty_strings(raw_servers):
    def untyped(conn, server):
        server.send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nplain")

    result = fetch(raw_servers(untyped).url("/bare"))
    assert result.outcome == "ok" and result.body == b"plain"
    assert (result.content_type, result.charset) == ("", "")


@pytest.mark.parametrize(
    "encoding, encode",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
        ("br", brotli.compress),
        ("gzip, br", lambda data: brotli.compress(gzip.compress(data))),
    ],
    ids=["gzip", "deflate", "raw-deflate", "brotli", "gzip-then-brotli"],
)
def test_compressed_bodies_are_decoded(httpserver, encoding, encode):
    text = "Unemployment rose to 9,400 people — up 19% on the year. ".encode() * 500
    url = page(httpserver, "/z", encode(text), headers={"Content-Encoding": encoding})
    result = fetch(url)
    assert result.outcome == "ok"
    assert result.body == text


def test_corrupt_gzip_body_is_unsupported(httpserver):
    url = page(httpserver, "/bad", b"this is not gzip at all", headers={"Content-Encoding": "gzip"})
    result = fetch(url)
    assert result.outcome == "unsupported" and "gzip" in result.error
    assert result.body == b"" and result.status == 200


def test_unknown_content_encoding_is_unsupported(httpserver):
    url = page(httpserver, "/zstd", b"\x28\xb5\x2f\xfd...", headers={"Content-Encoding": "zstd"})
    result = fetch(url)
    assert result.outcome == "unsupported" and "zstd" in result.error


# --- Redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, permanent", [(301, True), (302, False), (307, False), (308, True)]
)
def test_redirect_is_followed_and_recorded(httpserver, status, permanent):
    target = page(httpserver, "/new", b"moved here")
    start = redirect(httpserver, "/old", "/new", status)
    result = fetch(start)
    assert result.outcome == "ok" and result.body == b"moved here"
    assert result.final_url == target and result.status == 200
    assert result.redirect_chain == [{"url": start, "status": status}]
    assert result.permanent_redirect is permanent


def test_see_other_is_followed_with_get(httpserver):
    httpserver.expect_request("/result", method="GET").respond_with_data(b"see here")
    result = fetch(redirect(httpserver, "/form", "/result", 303))
    assert result.outcome == "ok" and result.body == b"see here"
    assert result.redirect_chain[0]["status"] == 303


def test_redirect_chain_is_recorded_in_order_across_hosts(httpserver):
    final = page(httpserver, "/end", b"the end")
    second = redirect(httpserver, "/two", final, 307)
    # Same server through another host name: 127.0.0.1 instead of localhost.
    second_by_ip = second.replace("localhost", "127.0.0.1")
    first = redirect(httpserver, "/one", second_by_ip, 302)
    result = fetch(first)
    assert result.outcome == "ok" and result.final_url == final
    assert result.redirect_chain == [
        {"url": first, "status": 302},
        {"url": second_by_ip, "status": 307},
    ]
    assert not result.permanent_redirect


def test_redirect_loop_is_an_error_that_says_so(httpserver):
    redirect(httpserver, "/ping", "/pong")
    start = redirect(httpserver, "/pong", "/ping")
    result = fetch(start)
    assert result.outcome == "error" and "loop" in result.error
    assert [hop["status"] for hop in result.redirect_chain] == [302, 302]
    assert len(httpserver.log) == 2


def test_redirect_to_the_same_url_with_a_fragment_is_a_loop(httpserver):
    start = redirect(httpserver, "/frag", "/frag#top")
    result = fetch(start)
    assert result.outcome == "error" and "loop" in result.error
    assert len(httpserver.log) == 1


def test_more_redirects_than_allowed_is_an_error(httpserver, settings):
    settings.SOURCES_MAX_REDIRECTS = 3
    page(httpserver, "/hop5", b"too far")
    for n in range(4, -1, -1):
        redirect(httpserver, f"/hop{n}", f"/hop{n + 1}")
    result = fetch(httpserver.url_for("/hop0"))
    assert result.outcome == "error" and "more than 3 redirects" in result.error
    assert len(httpserver.log) == 4  # the fifth hop is never requested


def test_exactly_the_allowed_number_of_redirects_is_followed(httpserver, settings):
    settings.SOURCES_MAX_REDIRECTS = 3
    page(httpserver, "/h3", b"arrived")
    for n in range(2, -1, -1):
        redirect(httpserver, f"/h{n}", f"/h{n + 1}")
    result = fetch(httpserver.url_for("/h0"))
    assert result.outcome == "ok" and len(result.redirect_chain) == 3


@pytest.mark.parametrize(
    "location", ["ftp://localhost/file", "file:///etc/passwd", "mailto:press@example.org"]
)
def test_redirect_to_a_non_http_scheme_is_unsupported(httpserver, location):
    result = fetch(redirect(httpserver, "/elsewhere", location))
    assert result.outcome == "unsupported" and result.error
    assert result.redirect_chain[0]["status"] == 302


def test_redirect_status_without_location_is_an_error(httpserver):
    httpserver.expect_request("/nowhere").respond_with_data("", status=302)
    result = fetch(httpserver.url_for("/nowhere"))
    assert result.outcome == "error" and result.status == 302 and "302" in result.error


def test_redirect_location_with_a_backslash_is_blocked(httpserver):
    result = fetch(redirect(httpserver, "/slash", "http://localhost\\@127.0.0.1/x"))
    assert result.outcome == "blocked"
    assert len(httpserver.log) == 1


def test_cookies_follow_a_redirect_on_the_same_host_but_never_to_another(httpserver):
    httpserver.expect_request("/set").respond_with_data(
        "", status=302, headers={"Location": "/same", "Set-Cookie": "session=s3cret; Path=/"}
    )
    httpserver.expect_request("/same").respond_with_data(
        "",
        status=302,
        headers={"Location": httpserver.url_for("/other").replace("localhost", "127.0.0.1")},
    )
    page(httpserver, "/other", b"landed")
    result = fetch(httpserver.url_for("/set"))
    assert result.outcome == "ok"
    cookies = [request.headers.get("Cookie") for request, _ in httpserver.log]
    assert cookies == [None, "session=s3cret", None]


def test_cookies_do_not_survive_between_fetches(httpserver):
    page(httpserver, "/c", b"", headers={"Set-Cookie": "seen=1; Path=/"})
    fetch(httpserver.url_for("/c"))
    fetch(httpserver.url_for("/c"))
    assert [request.headers.get("Cookie") for request, _ in httpserver.log] == [None, None]


# --- Conditional requests and statuses ----------------------------------------------------


def test_conditional_request_sends_validators_and_304_is_not_modified(httpserver):
    httpserver.expect_request(
        "/cond",
        headers={"If-None-Match": '"v7"', "If-Modified-Since": "Mon, 02 Nov 2026 10:00:00 GMT"},
    ).respond_with_data("", status=304, headers={"ETag": '"v7"'})
    result = fetch(
        httpserver.url_for("/cond"), etag='"v7"', last_modified="Mon, 02 Nov 2026 10:00:00 GMT"
    )
    assert result.outcome == "not_modified" and result.status == 304
    assert result.body == b"" and result.error == ""
    assert result.etag == '"v7"'
    assert result.last_modified == "Mon, 02 Nov 2026 10:00:00 GMT"  # kept: the 304 left it out


def test_conditional_request_answered_in_full_is_ok_with_new_validators(httpserver):
    url = page(httpserver, "/fresh", b"new text", headers={"ETag": '"v8"'})
    result = fetch(url, etag='"v7"')
    assert result.outcome == "ok" and result.etag == '"v8"' and result.body == b"new text"
    assert httpserver.log[-1][0].headers["If-None-Match"] == '"v7"'


def test_304_to_an_unconditional_request_is_an_error(httpserver):
    httpserver.expect_request("/odd").respond_with_data("", status=304)
    result = fetch(httpserver.url_for("/odd"))
    assert result.outcome == "error" and "304" in result.error


def test_validator_with_a_line_break_is_not_sent(httpserver):
    url = page(httpserver, "/inject")
    result = fetch(url, etag='"x"\r\nX-Injected: 1')
    assert result.outcome == "ok"
    request = httpserver.log[-1][0]
    assert "X-Injected" not in request.headers and "If-None-Match" not in request.headers


@pytest.mark.parametrize(
    "status, outcome",
    [
        (404, "not_found"),
        (410, "gone"),
        (403, "client_error"),
        (429, "client_error"),
        (400, "client_error"),
        (500, "server_error"),
        (503, "server_error"),
    ],
)
def test_http_error_statuses_become_outcomes(httpserver, status, outcome):
    url = page(httpserver, f"/s{status}", b"error page", status=status)
    result = fetch(url)
    assert (result.outcome, result.status) == (outcome, status)
    assert str(status) in result.error and result.body == b""


def test_retry_after_of_a_throttled_answer_is_passed_on(httpserver):
    url = page(httpserver, "/busy", b"slow down", status=429, headers={"Retry-After": "120"})
    result = fetch(url)
    assert (result.outcome, result.retry_after) == ("client_error", "120")
    assert fetch(page(httpserver, "/fine")).retry_after == ""


# --- Time limits --------------------------------------------------------------------------


def test_slow_response_times_out_at_the_total_deadline(raw_servers, settings):
    settings.SOURCES_TOTAL_TIMEOUT = 0.5

    def never_answers(conn, server):
        server.stopped.wait(5)

    server = raw_servers(never_answers)
    started = time.monotonic()
    result = fetch(server.url("/slow"))
    assert result.outcome == "timeout" and result.status is None
    assert time.monotonic() - started < 2


def test_slow_drip_body_times_out_even_though_every_read_is_quick(raw_servers, settings):
    settings.SOURCES_TOTAL_TIMEOUT = 1.0
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"

    def drip(conn, server):  # one byte every 20 ms: no single read ever waits long
        stream_forever(head, itertools.repeat(b"x", 100000), server, conn, pause=0.02)

    server = raw_servers(drip)
    started = time.monotonic()
    result = fetch(server.url("/drip"))
    elapsed = time.monotonic() - started
    assert result.outcome == "timeout" and result.status == 200
    assert "total time" in result.error
    assert 0.9 < elapsed < 2.0


def test_dns_lookup_that_hangs_times_out(network, settings):
    settings.SOURCES_TOTAL_TIMEOUT = 0.5

    def slow_answer():
        time.sleep(2)
        return ["127.0.0.1"]

    network.answer("slow-dns.test", slow_answer)
    started = time.monotonic()
    result = fetch("http://slow-dns.test/")
    assert result.outcome == "timeout" and "DNS" in result.error
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    "connect_timeout, total_timeout, limit", [(0.3, 20.0, 0.3), (5.0, 0.4, 0.4)]
)
def test_connect_that_hangs_times_out_within_both_limits(
    network, settings, connect_timeout, total_timeout, limit
):
    settings.SOURCES_CONNECT_TIMEOUT = connect_timeout
    settings.SOURCES_TOTAL_TIMEOUT = total_timeout
    network.answer("blackhole.test", [PUBLIC_IP])
    timeouts = network.blackhole(PUBLIC_IP)
    started = time.monotonic()
    result = fetch("http://blackhole.test/")
    assert result.outcome == "timeout" and result.address == ""
    assert len(timeouts) == 1 and 0 < timeouts[0] <= limit
    assert time.monotonic() - started < limit + 0.5


# --- Size limits --------------------------------------------------------------------------


def _fetch_traced(url: str) -> tuple[FetchResult, int, float]:
    """Fetch `url` in a forked child and measure its peak allocations there.

    tracemalloc counts every thread of a process: in this one the test's own server threads
    (compressing the bomb) and whatever earlier tests left running would count too, and did
    (a 10 MB peak once in CI, against 3.8 MB for the fetch alone). The child has only the
    fetch; it inherits the test's settings through fork.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def measure() -> None:
        tracemalloc.start()
        started = time.monotonic()
        result = fetch(url)
        _, peak = tracemalloc.get_traced_memory()
        sender.send((result, peak, time.monotonic() - started))

    child = context.Process(target=measure, daemon=True)
    child.start()
    try:
        assert receiver.poll(60), "the fetch did not finish"
        return receiver.recv()
    finally:
        child.join(10)
        if child.is_alive():
            child.kill()


def test_huge_streamed_body_is_too_large_with_bounded_memory(raw_servers, settings):
    settings.SOURCES_MAX_BYTES = 1 * MB
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
    block = b"a" * 65536

    def fifty_megabytes(conn, server):  # no Content-Length: only counting can stop it
        stream_forever(head, itertools.repeat(block, 50 * MB // len(block)), server, conn)

    server = raw_servers(fifty_megabytes)
    result, peak, _ = _fetch_traced(server.url("/huge"))
    assert result.outcome == "too_large" and result.body == b""
    assert "1048576" in result.error
    assert peak < 4 * MB, f"peak {peak} bytes"
    assert server.bytes_sent < 20 * MB  # stopped reading long before the end


def test_declared_content_length_over_the_cap_stops_before_reading(raw_servers, settings):
    settings.SOURCES_MAX_BYTES = 1 * MB
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 52428800\r\n\r\n"

    def declared_huge(conn, server):
        stream_forever(head, itertools.repeat(b"a" * 65536, 800), server, conn)

    server = raw_servers(declared_huge)
    result = fetch(server.url("/declared"))
    assert result.outcome == "too_large" and "Content-Length 52428800" in result.error


def test_small_compressed_body_that_decodes_over_the_cap_is_too_large(httpserver, settings):
    settings.SOURCES_MAX_BYTES = 1 * MB
    bomb = gzip.compress(b"\0" * (3 * MB))
    assert len(bomb) < 10_000  # Content-Length is far under the cap: only decoding tells
    result = fetch(page(httpserver, "/small-bomb", bomb, headers={"Content-Encoding": "gzip"}))
    assert result.outcome == "too_large" and result.body == b""


def test_body_exactly_at_the_cap_is_kept(httpserver, settings):
    settings.SOURCES_MAX_BYTES = 1000
    assert fetch(page(httpserver, "/edge", b"x" * 1000)).body == b"x" * 1000
    assert fetch(page(httpserver, "/over", b"x" * 1001)).outcome == "too_large"


def _bomb(compressor, total: int, piece: int = MB):
    """`total` bytes of zeros, compressed as they are needed (never all in memory)."""
    zeros = b"\0" * piece
    for _ in range(total // piece):
        out = compressor(zeros)
        if out:
            yield out


def test_gzip_bomb_stops_at_the_cap_quickly_with_bounded_memory(raw_servers, settings):
    settings.SOURCES_MAX_BYTES = 2 * MB
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n"

    def gigabyte_of_zeros(conn, server):
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        stream_forever(head, _bomb(packer.compress, 1024 * MB), server, conn)

    server = raw_servers(gigabyte_of_zeros)
    result, peak, elapsed = _fetch_traced(server.url("/bomb.gz"))
    assert result.outcome == "too_large" and result.body == b""
    assert peak < 6 * MB, f"peak {peak} bytes"
    assert elapsed < 5


def test_brotli_bomb_stops_at_the_cap_quickly_with_bounded_memory(raw_servers, settings):
    settings.SOURCES_MAX_BYTES = 2 * MB
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nConnection: close\r\n\r\n"

    def gigabyte_of_zeros(conn, server):
        packer = brotli.Compressor(quality=1)
        stream_forever(
            head, _bomb(lambda z: packer.process(z) + packer.flush(), 1024 * MB), server, conn
        )

    server = raw_servers(gigabyte_of_zeros)
    result, peak, elapsed = _fetch_traced(server.url("/bomb.br"))
    assert result.outcome == "too_large"
    assert peak < 6 * MB, f"peak {peak} bytes"
    assert elapsed < 5


# --- Connection failures ------------------------------------------------------------------


def test_closed_port_is_refused():
    result = fetch(f"http://127.0.0.1:{closed_port()}/")
    assert result.outcome == "refused" and result.status is None and result.error


def test_connection_reset_before_an_answer_is_refused(raw_servers):
    def reset(conn, server):  # SO_LINGER 0: close sends RST instead of FIN
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    result = fetch(raw_servers(reset).url("/reset"))
    assert result.outcome == "refused", result.error


def test_dns_failure_is_dns_error(network):
    network.answer("no-such-host.test", socket.gaierror(socket.EAI_NONAME, "Name not known"))
    result = fetch("http://no-such-host.test/page")
    assert result.outcome == "dns_error" and "no-such-host.test" in result.error
    assert network.connects == []


def test_host_is_resolved_once_per_fetch_and_the_next_address_tried(network, httpserver):
    # ::1 answers first but nothing listens there: the fetcher moves on to 127.0.0.1.
    network.answer("twice.test", ["::1", "127.0.0.1"])
    url = page(httpserver, "/twice").replace("localhost", "twice.test")
    result = fetch(url)
    assert result.outcome == "ok" and result.address == "127.0.0.1"
    assert network.lookups_of("twice.test") == 1


def test_an_address_that_hangs_gives_way_to_the_next_checked_one(network, httpserver, settings):
    settings.SOURCES_CONNECT_TIMEOUT = 0.2
    settings.SOURCES_FETCH_ALLOW = ["hang.test"]
    network.answer("hang.test", [PUBLIC_IP, "127.0.0.1"])
    network.blackhole(PUBLIC_IP)
    result = fetch(page(httpserver, "/after-hang").replace("localhost", "hang.test"))
    assert result.outcome == "ok" and result.address == "127.0.0.1"


def test_proxies_from_the_environment_are_ignored(httpserver, raw_servers, monkeypatch):
    proxy = raw_servers()
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, proxy.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = fetch(page(httpserver, "/direct", b"direct"))
    assert result.outcome == "ok" and result.body == b"direct"
    assert proxy.connections == 0


@pytest.mark.parametrize("url", ["", "not a url", "http://", "https:///path-only"])
def test_unusable_url_is_refused_without_raising(url, network):
    result = fetch(url)
    assert result.outcome == "blocked" and result.error
    assert network.connects == []


# --- TLS ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for the name tls.test only (not for 127.0.0.1)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=tls.test",
            "-addext", "subjectAltName=DNS:tls.test",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate, network):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/secure").respond_with_data(b"secret page", content_type="text/plain")
    server.start()
    network.answer("tls.test", ["127.0.0.1"])
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def test_untrusted_certificate_is_tls_error(tls_server):
    result = fetch(f"https://tls.test:{tls_server.port}/secure")
    assert result.outcome == "tls_error" and "certificate" in result.error.lower()
    assert len(tls_server.log) == 0


def test_tls_checks_the_host_name_not_the_address_connected_to(
    tls_server, certificate, monkeypatch
):
    trusting = ssl.create_default_context(cafile=certificate[0])
    monkeypatch.setattr(fetching, "tls_context", lambda: trusting)
    result = fetch(f"https://tls.test:{tls_server.port}/secure")
    assert result.outcome == "ok" and result.body == b"secret page"
    assert result.address == "127.0.0.1"
    assert tls_server.log[0][0].headers["Host"] == f"tls.test:{tls_server.port}"
    # The same server by address: the certificate does not name 127.0.0.1.
    by_address = fetch(f"https://127.0.0.1:{tls_server.port}/secure")
    assert by_address.outcome == "tls_error"


def test_plain_http_spoken_to_a_tls_port_is_not_ok(raw_servers):
    def tls_garbage(conn, server):
        server.send(conn, b"\x15\x03\x03\x00\x02\x02\x28")  # a TLS alert record

    result = fetch(raw_servers(tls_garbage).url("/"))
    assert result.outcome == "error" and result.error


def test_each_process_gets_its_own_dns_threads(monkeypatch):
    # A pool inherited through fork has no live threads; a forked worker must start its own.
    parent = fetching._dns_pool()
    assert fetching._dns_pool() is parent
    monkeypatch.setattr(fetching.os, "getpid", lambda: -1)
    child = fetching._dns_pool()
    assert child is not parent
    assert child.submit(lambda: 42).result(timeout=5) == 42
    fetching._dns_pools.pop(-1).shutdown()


# --- Sessions: kept-alive connections from one fetch to the next ---------------------------

KEEP_ALIVE_PAGE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\npage"


def test_a_session_fetches_pages_of_one_host_over_one_connection(raw_servers, network):
    def keeps_alive(conn, server):
        server.send(conn, KEEP_ALIVE_PAGE)
        while read_request_head(conn):
            server.send(conn, KEEP_ALIVE_PAGE)

    server = raw_servers(keeps_alive)
    with fetching.FetchSession() as session:
        results = [fetch(server.url(f"/{n}"), session=session) for n in range(3)]
    assert [(r.outcome, r.body, r.address) for r in results] == [("ok", b"page", "127.0.0.1")] * 3
    assert server.connections == 1 and network.connects == [("127.0.0.1", server.port)]
    # Without a session, every fetch has a connection of its own.
    assert [fetch(server.url("/again")).body for _ in range(2)] == [b"page", b"page"]
    assert server.connections == 3


def test_a_request_the_server_drops_on_a_kept_alive_connection_is_sent_again(raw_servers):
    def answers_once_then_hangs_up(conn, server):
        server.send(conn, KEEP_ALIVE_PAGE)
        read_request_head(conn)  # the next request on this connection: closed unanswered

    server = raw_servers(answers_once_then_hangs_up)
    with fetching.FetchSession() as session:
        first = fetch(server.url("/1"), session=session)
        second = fetch(server.url("/2"), session=session)
    assert (first.outcome, second.outcome, second.body) == ("ok", "ok", b"page")
    assert server.connections == 2


def test_a_first_request_the_server_drops_is_not_sent_again(raw_servers):
    def hangs_up(conn, server):
        pass

    server = raw_servers(hangs_up)
    with fetching.FetchSession() as session:
        result = fetch(server.url("/"), session=session)
    assert result.outcome == "error" and server.connections == 1


def test_each_fetch_of_a_session_has_its_own_deadline(raw_servers, settings):
    settings.SOURCES_TOTAL_TIMEOUT = 0.5

    def answers_then_stalls(conn, server):
        server.send(conn, KEEP_ALIVE_PAGE)
        read_request_head(conn)
        server.send(conn, KEEP_ALIVE_PAGE)
        read_request_head(conn)
        server.stopped.wait(5)  # the third gets none

    server = raw_servers(answers_then_stalls)
    with fetching.FetchSession() as session:
        first = fetch(server.url("/1"), session=session)
        time.sleep(0.6)  # past the first fetch's deadline: the second still gets its answer
        second = fetch(server.url("/2"), session=session)
        started = time.monotonic()
        third = fetch(server.url("/3"), session=session)
    assert (first.outcome, second.outcome, second.body) == ("ok", "ok", b"page")
    assert third.outcome == "timeout" and time.monotonic() - started < 2
    assert server.connections == 1
