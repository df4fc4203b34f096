"""sources.decoding: Content-Encoding undone piece by piece, never in one huge allocation."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from sources.decoding import STEP, BodyDecoder, DecodingError

TEXT = b"The claimant count rose to 9,400 in March, up 19% on the year.\n" * 3000


def decode_in_chunks(encoding: str, data: bytes, chunk: int = 997) -> tuple[bytes, int]:
    decoder = BodyDecoder(encoding)
    pieces = [p for i in range(0, len(data), chunk) for p in decoder.feed(data[i : i + chunk])]
    pieces += list(decoder.finish())
    return b"".join(pieces), max((len(p) for p in pieces), default=0)


@pytest.mark.parametrize(
    "encoding, encode",
    [
        ("", lambda d: d),
        ("identity", lambda d: d),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("GZIP", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda d: zlib.compress(d)[2:-4]),
        ("br", brotli.compress),
        ("deflate, br", lambda d: brotli.compress(zlib.compress(d))),
        ("gzip", lambda d: gzip.compress(d[:1000]) + gzip.compress(d[1000:])),
    ],
    ids=["none", "identity", "gzip", "x-gzip", "upper", "deflate", "raw", "br", "two", "members"],
)
def test_each_encoding_round_trips_whatever_the_chunking(encoding, encode):
    for chunk in (1, 997, 1 << 20):
        body, _ = decode_in_chunks(encoding, encode(TEXT[:20000] if chunk == 1 else TEXT), chunk)
        assert body == (TEXT[:20000] if chunk == 1 else TEXT)


@pytest.mark.parametrize(
    "encoding, encode",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("br", lambda data: brotli.compress(data, quality=5)),
    ],
)
def test_a_bomb_comes_out_in_small_pieces(encoding, encode):
    bomb = encode(b"\0" * (32 << 20))
    assert len(bomb) < 100_000
    decoder = BodyDecoder(encoding)
    pieces = decoder.feed(bomb)  # one network chunk holding the whole bomb
    first = next(pieces)
    assert len(first) <= 2 * STEP
    total = len(first) + sum(len(p) for p in pieces) + sum(len(p) for p in decoder.finish())
    assert total == 32 << 20


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate"])
def test_garbage_is_a_decoding_error(encoding):
    with pytest.raises(DecodingError, match=encoding):
        decode_in_chunks(encoding, b"\xff\xfe this is not compressed data at all " * 10)


def test_unknown_encoding_is_a_decoding_error():
    with pytest.raises(DecodingError, match="zstd"):
        BodyDecoder("gzip, zstd")


def test_truncated_stream_keeps_what_was_decoded():
    body, _ = decode_in_chunks("gzip", gzip.compress(TEXT)[:-200])
    assert TEXT.startswith(body) and len(body) > len(TEXT) // 2


def test_trailing_bytes_after_the_stream_are_ignored():
    body, _ = decode_in_chunks("gzip", gzip.compress(TEXT) + b"\r\n")
    assert body == TEXT


def test_thousands_of_gzip_members_in_one_chunk_are_decoded_without_recursion():
    members = b"".join(gzip.compress(b"%d," % n) for n in range(5000))
    body, _ = decode_in_chunks("gzip", members, chunk=len(members))
    assert body == b"".join(b"%d," % n for n in range(5000))


def test_gzip_member_boundary_split_across_chunks():
    data = gzip.compress(b"first ") + gzip.compress(b"second")
    for split in range(1, len(data)):
        decoder = BodyDecoder("gzip")
        pieces = [*decoder.feed(data[:split]), *decoder.feed(data[split:]), *decoder.finish()]
        assert b"".join(pieces) == b"first second"
