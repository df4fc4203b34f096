"""tests/support and bench/: missing dependencies skip locally and fail in CI; the local
HTTP server; the bench URLconf."""

import socket

import httpx
import pytest

from tests.support import corpus, environment
from tests.support.servers import LocalServer, Reply, page, routes, serving

# Straight to the local server, whatever proxy the environment names.
get = httpx.Client(trust_env=False).get


@pytest.fixture
def ci(monkeypatch):
    monkeypatch.setenv("CLAIMWATCH_REQUIRE_SERVICES", "1")


@pytest.fixture
def local(monkeypatch):
    monkeypatch.delenv("CLAIMWATCH_REQUIRE_SERVICES", raising=False)


def test_a_missing_dependency_fails_the_test_when_ci_requires_every_service(ci):
    with pytest.raises(pytest.fail.Exception, match="CI requires it: no such thing"):
        environment.missing_dependency("no such thing")


def test_a_missing_dependency_skips_the_test_locally(local):
    with pytest.raises(pytest.skip.Exception, match="no such thing"):
        environment.missing_dependency("no such thing")


def test_shared_data_is_looked_up_in_the_folder_named_by_the_environment(monkeypatch, tmp_path):
    (tmp_path / "seed-article.txt").write_text("seed")
    monkeypatch.setenv("CLAIMWATCH_SHARED_DIR", str(tmp_path))
    assert environment.require_shared("seed-article.txt").read_text() == "seed"


def test_an_absent_corpus_fails_in_ci_and_skips_locally(monkeypatch, tmp_path, ci):
    monkeypatch.setenv("CLAIMWATCH_SHARED_DIR", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="corpus/news-pages"):
        corpus.corpus_pages()
    monkeypatch.delenv("CLAIMWATCH_REQUIRE_SERVICES")
    with pytest.raises(pytest.skip.Exception, match="corpus/news-pages"):
        corpus.corpus_pages()


def test_an_empty_corpus_fails_in_ci(monkeypatch, tmp_path, ci):
    (tmp_path / "corpus" / "news-pages").mkdir(parents=True)
    (tmp_path / "corpus" / "news-pages" / "ground-truth.json").write_text("{}")
    monkeypatch.setenv("CLAIMWATCH_SHARED_DIR", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="has no pages"):
        corpus.corpus_pages()


def test_local_server_answers_its_routes_and_counts_hits_per_path():
    pages = {
        "/a": Reply(b"alpha", headers={"ETag": '"1"'}),
        "/png": Reply(b"P", content_type="image/png"),
    }
    with serving(routes(pages)) as server:
        first = get(server.url("/a"))
        get(server.url("/a"))
        image = get(server.url("/png"))
        missing = get(server.url("/nope?x=1"))
    assert (first.status_code, first.text, first.headers["ETag"]) == (200, "alpha", '"1"')
    assert first.headers["Content-Type"] == "text/html; charset=utf-8"
    assert first.headers["Connection"] == "close"
    assert (image.headers["Content-Type"], image.content) == ("image/png", b"P")
    assert missing.status_code == 404
    assert server.hits == {"/a": 2, "/png": 1, "/nope?x=1": 1}
    assert server.total_hits == 4


def read_response(conn: socket.socket) -> tuple[bytes, bytes]:
    """(head, body) of one HTTP response read off `conn`, by its Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(
        next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length:")).split(
            b":"
        )[1]
    )
    while len(body) < length:
        body += conn.recv(4096)
    return head, body


def test_local_server_with_keep_alive_serves_many_requests_on_one_connection():
    bodies, head = [], b""
    with (
        serving(page("<p>same</p>"), keep_alive=True) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn,
    ):
        for n in range(3):
            conn.sendall(f"GET /{n} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            answer_head, body = read_response(conn)
            assert answer_head.startswith(b"HTTP/1.1 200 OK")
            assert b"Connection: close" not in answer_head
            bodies.append(body)
        conn.sendall(b"HEAD /head HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        while chunk := conn.recv(4096):
            head += chunk
    assert bodies == [b"<p>same</p>"] * 3
    assert head.endswith(b"Content-Length: 11\r\n\r\n")  # a HEAD answer has no body
    assert server.total_hits == 4


def test_local_server_holds_the_first_request_of_a_path_until_released():
    server = LocalServer(page(b"late"))
    server.hold_paths.add("/slow")
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
            conn.sendall(b"GET /slow HTTP/1.0\r\n\r\n")
            assert server.held.wait(5)
            conn.settimeout(0.3)
            with pytest.raises(TimeoutError):
                conn.recv(1)  # nothing is sent while the request is held
            assert get(server.url("/fast")).text == "late"  # other paths are not held
            server.release.set()
            conn.settimeout(5)
            assert conn.recv(4096).startswith(b"HTTP/1.0 200 OK")
        assert get(server.url("/slow")).text == "late"  # only the first one was held
    finally:
        server.close()
    assert server.hits == {"/slow": 2, "/fast": 1}


def test_local_server_listens_on_the_loopback_address_it_is_given():
    with serving(address="127.0.0.2") as server:
        assert server.url("/x").startswith("http://127.0.0.2:")
        assert get(server.url("/x")).status_code == 200


def test_the_bench_urlconf_serves_its_baselines_beside_the_site(client, settings, db):
    settings.ROOT_URLCONF = "bench.urls"
    assert client.get("/bench/hello/").content == b"Hello, world"
    assert len(client.get("/bench/bytes/2048/").content) == 2048
    assert client.get("/bench/api-hello/").json() == {"hello": "world"}
    assert client.get("/healthz").status_code == 200  # the site's own URLs are still there
