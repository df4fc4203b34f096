"""The fetcher refuses hostile URLs and redirects before any connection (DESIGN.md §4).

The allow-list is emptied here, as in production, so 127.0.0.1 is as forbidden as any private
address. A counting server on 127.0.0.1 stands in for every target; FakeNetwork records every
connection attempt and refuses (without touching the network) any beyond 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

from sources import fetching
from sources.fetching import fetch
from tests.support.network import PUBLIC_IP, PUBLIC_IP_2, FakeNetwork
from tests.support.servers import RawServer


@pytest.fixture(autouse=True)
def network(monkeypatch, settings) -> FakeNetwork:
    settings.SOURCES_FETCH_ALLOW = []
    net = FakeNetwork()
    net.answer("localhost", ["127.0.0.1"])
    net.answer("metadata.test", ["169.254.169.254"])
    net.answer("mixed.test", [PUBLIC_IP, "10.0.0.7"])
    net.answer("mapped.test", ["::ffff:127.0.0.1"])
    net.answer("sixtofour.test", ["2002:a00:1::1"])
    net.answer("ula.test", ["fd12:3456::1"])
    monkeypatch.setattr(socket, "getaddrinfo", net.getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", net.create_connection)
    yield net
    assert net.forbidden == [], "a test tried to connect beyond 127.0.0.1"


@pytest.fixture
def target():
    """The counting server every hostile URL points at (where a port can be given)."""
    server = RawServer()
    yield server
    server.stop()


HOSTILE_URLS = [
    # Loopback in every spelling.
    "http://127.0.0.1:{port}/",
    "https://127.0.0.1:{port}/",
    "HTTP://127.0.0.1:{port}/",
    "http://127.0.0.1.:{port}/",
    "http://127.1:{port}/",
    "http://2130706433:{port}/",
    "http://0x7f000001:{port}/",
    "http://017700000001:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://0x7f.0.0.1:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::ffff:7f00:1]:{port}/",
    "http://[::127.0.0.1]:{port}/",
    "http://localhost:{port}/",
    "http://0.0.0.0:{port}/",
    "http://0:{port}/",
    "http://[::]:{port}/",
    # Private, shared and special ranges.
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://192.0.0.8/",
    "http://198.18.0.1/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    # Cloud metadata, literally, in decimal and by name.
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/latest/meta-data/",
    "http://metadata.test/latest/meta-data/",
    # IPv6 local ranges and IPv4 tunnelled inside IPv6.
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[2002:7f00:1::]:{port}/",
    "http://[64:ff9b::7f00:1]:{port}/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    # Names whose answers are private (one bad answer among good ones is enough).
    "http://mixed.test:{port}/",
    "http://mapped.test:{port}/",
    "http://sixtofour.test/",
    "http://ula.test/",
    # Other schemes.
    "file:///etc/passwd",
    "ftp://127.0.0.1:{port}/",
    "gopher://127.0.0.1:{port}/_INFO",
    "javascript:alert(1)",
    "data:text/html,<p>hi</p>",
    # URLs that parsers read differently.
    "http://user:pass@127.0.0.1:{port}/",
    "http://user:pass@news.example/",
    "http://news.example@127.0.0.1:{port}/",
    "http://127.0.0.1:{port}\\@news.example/",
    "http://news.example\\@127.0.0.1:{port}/",
    "http://127.0.0.1:{port}#@news.example/",
    "http:// 127.0.0.1:{port}/",
    "http://127.0.0.1:{port}/\n",
    "http://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11:{port}/",  # full-width digits
]


@pytest.mark.parametrize("template", HOSTILE_URLS)
def test_hostile_url_is_blocked_before_any_connection(template, target, network):
    url = template.format(port=target.port)
    result = fetch(url)
    assert result.outcome == "blocked", (url, result.outcome, result.error)
    assert result.error and result.status is None and result.body == b""
    assert network.connects == []
    assert target.connections == 0


@pytest.mark.parametrize("template", HOSTILE_URLS)
def test_hostile_url_gets_no_post_either(template, target, network):
    # Webhook deliveries (fetching.post) go through the same policy as every fetch.
    url = template.format(port=target.port)
    result = fetching.post(url, b"{}", {"Content-Type": "application/json"}, timeout=3)
    assert result.outcome == "blocked", (url, result.outcome, result.error)
    assert result.status is None and network.connects == [] and target.connections == 0


def test_the_table_is_long_enough():
    assert len(HOSTILE_URLS) >= 25


@pytest.fixture
def allowed_server(httpserver, network, settings):
    """The local test server, allowed by name only: 127.0.0.1 itself stays forbidden."""
    settings.SOURCES_FETCH_ALLOW = ["allowed.test"]
    network.answer("allowed.test", ["127.0.0.1"])
    return httpserver


REDIRECT_TARGETS = [
    "http://127.0.0.1:{port}/",
    "http://localhost:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://2130706433:{port}/",
    "//127.0.0.1:{port}/scheme-relative",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.test/latest/meta-data/",
    "http://10.1.2.3/",
    "http://user:pass@127.0.0.1:{port}/",
]


@pytest.mark.parametrize("location", REDIRECT_TARGETS)
def test_redirect_from_an_allowed_server_to_a_blocked_address_is_blocked(
    location, allowed_server, target, network
):
    allowed_server.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": location.format(port=target.port)}
    )
    start = f"http://allowed.test:{allowed_server.port}/go"
    result = fetch(start)
    assert result.outcome == "blocked", result.error
    assert result.redirect_chain == [{"url": start, "status": 302}]
    assert result.status is None and result.body == b""
    assert len(allowed_server.log) == 1
    assert target.connections == 0
    assert ("127.0.0.1", target.port) not in network.connects


def test_blocked_address_deep_in_a_redirect_chain_is_blocked(allowed_server, target):
    allowed_server.expect_request("/one").respond_with_data(
        "", status=301, headers={"Location": "/two"}
    )
    allowed_server.expect_request("/two").respond_with_data(
        "", status=307, headers={"Location": f"http://127.0.0.1:{target.port}/three"}
    )
    start = f"http://allowed.test:{allowed_server.port}/one"
    result = fetch(start)
    assert result.outcome == "blocked"
    assert [hop["status"] for hop in result.redirect_chain] == [301, 307]
    assert result.final_url == f"http://127.0.0.1:{target.port}/three"
    assert len(allowed_server.log) == 2 and target.connections == 0


@pytest.mark.parametrize(
    "location", ["http://127.0.0.1:{port}/admin", "http://169.254.169.254/latest/meta-data/"]
)
def test_public_looking_host_redirecting_to_a_private_address_is_blocked(
    location, httpserver, target, network
):
    # news.example "resolves" to a public address; the pretend network delivers its
    # connections to the local server, which redirects inward.
    network.answer("news.example", [PUBLIC_IP])
    network.route(PUBLIC_IP, to_port=httpserver.port)
    httpserver.expect_request("/story").respond_with_data(
        "", status=301, headers={"Location": location.format(port=target.port)}
    )
    result = fetch("http://news.example/story")
    assert result.outcome == "blocked", result.error
    assert result.redirect_chain == [{"url": "http://news.example/story", "status": 301}]
    assert len(httpserver.log) == 1
    assert network.connects == [(PUBLIC_IP, 80)]
    assert target.connections == 0


def test_dns_rebinding_cannot_move_the_connection_to_loopback(httpserver, target, network):
    # First answer public (checked, allowed), any later answer 127.0.0.1 on the counting
    # server's port: a fetcher that resolves again after checking would land there.
    answers = iter([[PUBLIC_IP]])
    network.answer("rebind.test", lambda: next(answers, ["127.0.0.1"]))
    network.route(PUBLIC_IP, to_port=httpserver.port)
    httpserver.expect_request("/page").respond_with_data(b"the public page")
    result = fetch(f"http://rebind.test:{target.port}/page")
    assert result.outcome == "ok" and result.body == b"the public page"
    assert result.address == PUBLIC_IP
    assert network.lookups_of("rebind.test") == 1
    assert network.connects == [(PUBLIC_IP, target.port)]
    assert target.connections == 0
    assert httpserver.log[0][0].headers["Host"] == f"rebind.test:{target.port}"


def test_a_post_connects_to_the_address_that_was_checked(httpserver, target, network):
    answers = iter([[PUBLIC_IP]])
    network.answer("rebind-post.test", lambda: next(answers, ["127.0.0.1"]))
    network.route(PUBLIC_IP, to_port=httpserver.port)
    httpserver.expect_request("/hook", method="POST").respond_with_data(b"", status=204)
    result = fetching.post(f"http://rebind-post.test:{target.port}/hook", b'{"a":1}', {}, timeout=3)
    assert result.outcome == "ok" and result.status == 204 and result.address == PUBLIC_IP
    assert network.lookups_of("rebind-post.test") == 1 and target.connections == 0
    assert httpserver.log[0][0].get_data() == b'{"a":1}'


def test_dns_rebinding_from_loopback_to_public_is_still_blocked(target, network):
    answers = iter([["127.0.0.1"]])
    network.answer("rebind2.test", lambda: next(answers, [PUBLIC_IP_2]))
    result = fetch(f"http://rebind2.test:{target.port}/")
    assert result.outcome == "blocked" and "127.0.0.1" in result.error
    assert network.lookups_of("rebind2.test") == 1
    assert network.connects == [] and target.connections == 0


def test_redirect_to_another_scheme_on_a_private_address_fetches_nothing(
    allowed_server, target, network
):
    allowed_server.expect_request("/gopher").respond_with_data(
        "", status=302, headers={"Location": f"gopher://127.0.0.1:{target.port}/_SET%20x"}
    )
    result = fetch(f"http://allowed.test:{allowed_server.port}/gopher")
    assert result.outcome == "unsupported" and "gopher" in result.error
    assert target.connections == 0 and ("127.0.0.1", target.port) not in network.connects


def test_allow_list_by_network_lets_the_local_server_through(httpserver, settings):
    settings.SOURCES_FETCH_ALLOW = ["127.0.0.0/8"]
    httpserver.expect_request("/ok").respond_with_data(b"allowed")
    result = fetch(f"http://127.0.0.1:{httpserver.port}/ok")
    assert result.outcome == "ok" and result.body == b"allowed"


def test_empty_allow_list_blocks_the_local_server_without_a_request(httpserver):
    httpserver.expect_request("/ok").respond_with_data(b"allowed")
    result = fetch(f"http://127.0.0.1:{httpserver.port}/ok")
    assert result.outcome == "blocked"
    assert len(httpserver.log) == 0


def test_a_replaced_resolver_is_the_only_lookup_and_is_checked(monkeypatch, target, network):
    asked = []

    def resolver(host: str, port: int):
        asked.append((host, port))
        return [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("169.254.169.254")]

    monkeypatch.setattr(fetching, "resolve_host", resolver)
    result = fetch("http://cloud.test:8080/")
    assert result.outcome == "blocked" and "169.254.169.254" in result.error
    assert asked == [("cloud.test", 8080)]
    assert network.lookups == [] and network.connects == []
