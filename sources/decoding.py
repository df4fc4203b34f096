"""Content-Encoding decoders whose output comes in small pieces, whatever the input.

A gzip or brotli bomb turns kilobytes into gigabytes; decoding a whole network chunk at once
(as httpx does) can allocate hundreds of megabytes before anyone counts. These decoders
never produce more than about STEP bytes per piece, so the fetcher can stop at its cap with
memory bounded by the cap, not by the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import brotli

STEP = 64 * 1024


class DecodingError(Exception):
    """The body is not valid in the encoding it claims, or the encoding is unknown."""


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip (several members too, as `cat a.gz b.gz` makes) or deflate (zlib-wrapped or raw)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.decompressor = None  # chosen once the first two bytes are known
        self.pending = b""
        self.members = 0
        self.done = False

    def _start(self, head: bytes) -> None:
        if self.encoding == "gzip":
            if not head.startswith(b"\x1f\x8b"):
                if self.members == 0:
                    raise DecodingError("invalid gzip data: no gzip header")
                self.done = True  # bytes after the last member are ignored, as gzip -d does
                return
            wbits = 16 + zlib.MAX_WBITS
        else:
            # Some servers send raw deflate under "deflate"; a zlib header tells them apart.
            cmf, flg = head[0], head[1]
            wrapped = cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0
            wbits = zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS
        self.decompressor = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        data, self.pending = self.pending + data, b""
        while not self.done:  # a loop, not recursion: one chunk may hold thousands of members
            if self.decompressor is None:
                if len(data) < 2:
                    self.pending = data
                    return
                self._start(data)
                continue
            try:
                out = self.decompressor.decompress(data, STEP)
            except zlib.error as error:
                raise DecodingError(f"invalid {self.encoding} data: {error}") from None
            data = self.decompressor.unconsumed_tail
            if out:
                yield out
            if self.decompressor.eof:
                data = self.decompressor.unused_data
                self.members += 1
                if self.encoding == "gzip":
                    self.decompressor = None  # perhaps another member follows
                    continue
                self.done = True
            elif not data and len(out) < STEP:
                return  # input used up and no output pending

    def finish(self) -> Iterator[bytes]:
        if self.pending and self.members == 0:
            raise DecodingError(f"invalid {self.encoding} data: too short")
        if self.decompressor is not None:
            # A stream cut short keeps what was decoded, as browsers do; the transport has
            # already failed the fetch if the connection ended before Content-Length.
            yield from self.feed(b"")


class _Brotli:
    def __init__(self) -> None:
        self.decompressor = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            while not self.decompressor.is_finished():
                out = self.decompressor.process(data, output_buffer_limit=STEP)
                data = b""
                if out:
                    yield out
                elif self.decompressor.can_accept_more_data():
                    return
        except brotli.error as error:
            raise DecodingError(f"invalid br data: {error}") from None

    def finish(self) -> Iterator[bytes]:
        yield from self.feed(b"")


def _decoder(encoding: str):
    if encoding in ("", "identity"):
        return _Identity()
    if encoding in ("gzip", "x-gzip"):
        return _Zlib("gzip")
    if encoding == "deflate":
        return _Zlib("deflate")
    if encoding == "br":
        return _Brotli()
    raise DecodingError(f"unsupported Content-Encoding {encoding!r}")


class BodyDecoder:
    """Undo a Content-Encoding list ("gzip", "br", "gzip, br"...) piece by piece."""

    def __init__(self, content_encoding: str) -> None:
        names = [name.strip().lower() for name in content_encoding.split(",")]
        # Encodings are listed in the order they were applied; undo the last one first.
        self.stages = [_decoder(name) for name in reversed(names) if name not in ("", "identity")]

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, data)

    def finish(self) -> Iterator[bytes]:
        for index, stage in enumerate(self.stages):
            for piece in stage.finish():
                yield from self._through(index + 1, piece)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self.stages):
            if data:
                yield data
            return
        for piece in self.stages[index].feed(data):
            yield from self._through(index + 1, piece)
