"""Reading a tracking request's body: bounded on the wire, bounded while inflated, one JSON object.

Sizes are checked while bytes arrive and while they are inflated, so neither a huge body nor a
gzip bomb is ever held in memory. What the body says is read by `app.domain.tracking.parse`.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable
from typing import Any

import orjson

from app.domain.json_depth import json_problem
from app.domain.tracking.parse import BATCH_LIMIT, TrackingError, bad_request, too_large

#: Compressed bodies may be a little larger than their content (incompressible data).
WIRE_SLACK = 1024

_ENCODINGS = {"": None, "identity": None, "gzip": 31, "x-gzip": 31, "deflate": 15}


class _Sink:
    """Collects the decoded body and refuses it past the cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.out = bytearray()

    def take(self, data: bytes) -> None:
        self.out += data
        if len(self.out) > self.cap:
            raise too_large(f"body: larger than {self.cap // 1024} KB once decoded")

    def feed(self, data: bytes) -> None:
        self.take(data)

    def finish(self) -> bytes:
        return bytes(self.out)


class _Inflater(_Sink):
    """Streaming zlib/gzip decoding that never produces more than cap + 1 bytes."""

    def __init__(self, cap: int, wbits: int) -> None:
        super().__init__(cap)
        self._z = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> None:
        while data:
            if self._z.eof:
                raise bad_request("body: data after the end of the compressed stream")
            try:
                piece = self._z.decompress(data, self.cap - len(self.out) + 1)
            except zlib.error as exc:
                raise bad_request("body: not valid compressed data") from exc
            self.take(piece)
            data = self._z.unconsumed_tail or self._z.unused_data

    def finish(self) -> bytes:
        if not self._z.eof:
            raise bad_request("body: compressed data is truncated")
        return bytes(self.out)


def decoder(content_encoding: str | None, cap: int = BATCH_LIMIT) -> _Sink:
    """A sink for this Content-Encoding; 415 for anything but gzip, deflate and identity."""
    name = (content_encoding or "").strip().lower()
    if name not in _ENCODINGS:
        raise TrackingError(
            415,
            "unsupported_encoding",
            "Content-Encoding: only gzip, deflate and identity are supported",
        )
    wbits = _ENCODINGS[name]
    return _Sink(cap) if wbits is None else _Inflater(cap, wbits)


async def read_body(
    chunks: AsyncIterable[bytes],
    content_encoding: str | None,
    content_length: str | None,
    cap: int = BATCH_LIMIT,
) -> bytes:
    """The decoded body, refused (413) as soon as the wire or the decoded size passes `cap`."""
    sink = decoder(content_encoding, cap)
    wire_cap = cap + WIRE_SLACK
    if content_length is not None and content_length.isdigit() and int(content_length) > wire_cap:
        raise too_large(f"body: larger than {cap // 1024} KB")
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > wire_cap:
            raise too_large(f"body: larger than {cap // 1024} KB")
        sink.feed(chunk)
    return sink.finish()


def load_object(raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"body: {json_problem(exc)}") from exc
    if not isinstance(data, dict):
        raise bad_request("body: must be a JSON object")
    # Nesting is checked once per message (`_check_size`), and for a batch's defaults.
    return data
