"""Bodies of the tracking API: reading, decompression and its caps, malformed or too deeply
nested JSON, and batches too large to take."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from app.domain.json_depth import DEPTH_LIMIT
from app.domain.tracking.parse import BATCH_LIMIT, TrackingError, parse_batch, parse_single
from app.domain.tracking.spec import BATCH_MESSAGES_LIMIT
from app.entrypoints.tracking.body import load_object, read_body
from tests.unit.tracking.parsing import RECEIPT, refusal


async def _chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _read(data: bytes, encoding: str | None = None, cap: int = BATCH_LIMIT) -> bytes:
    return await read_body(_chunks(data), encoding, str(len(data)), cap)


async def test_plain_and_gzip_and_deflate_bodies_decode() -> None:
    body = orjson.dumps({"batch": [], "writeKey": "k"})
    assert await _read(body) == body
    assert await _read(gzip.compress(body), "gzip") == body
    assert await _read(gzip.compress(body), " GZIP ") == body
    assert await _read(zlib.compress(body), "deflate") == body


async def test_a_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b" " * (50 * 1024 * 1024))  # 50 MB of spaces in ~50 KB
    assert len(bomb) < BATCH_LIMIT
    with pytest.raises(TrackingError) as caught:
        await _read(bomb, "gzip")
    assert caught.value.status == 413


async def test_oversized_wire_body_is_refused_before_it_is_read() -> None:
    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"x" * 65536

    with pytest.raises(TrackingError) as caught:
        await read_body(endless(), None, None)
    assert caught.value.status == 413
    with pytest.raises(TrackingError) as declared:
        await read_body(_chunks(b"{}"), None, str(BATCH_LIMIT * 2))
    assert declared.value.status == 413


async def test_unsupported_encoding_is_415_and_broken_gzip_is_400() -> None:
    with pytest.raises(TrackingError) as caught:
        await _read(b"{}", "br")
    assert caught.value.status == 415
    for broken in (b"not gzip at all", gzip.compress(b"{}")[:-6], gzip.compress(b"{}") * 2):
        with pytest.raises(TrackingError) as bad:
            await _read(broken, "gzip")
        assert bad.value.status == 400


async def test_batch_over_500_kb_is_413_even_gzipped() -> None:
    message = {"type": "track", "userId": "u", "event": "E", "properties": {"x": "y" * 20_000}}
    body = orjson.dumps({"batch": [message] * 30})
    assert len(body) > BATCH_LIMIT
    for data, encoding in ((body, None), (gzip.compress(body), "gzip")):
        with pytest.raises(TrackingError) as caught:
            await _read(data, encoding)
        assert caught.value.status == 413


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "body: malformed JSON (unexpected character, expected a string key"),
        (b"", "body: malformed JSON (Input is a zero-length, empty document"),
        (b"[1, 2]", "body: must be a JSON object"),
        (b"\xff\xfe", "body: malformed JSON (str is not valid UTF-8"),
        (b'{"a": 1e309}', "body: malformed JSON (number is infinity when parsed as double"),
        (b'{"a": "\\ud800"}', "body: malformed JSON (no low surrogate in string"),
        (b"[" * 2000 + b"]" * 2000, "body: nested more than 64 levels deep"),
    ],
)
def test_bad_json_is_400_and_says_what_is_wrong(raw: bytes, message: str) -> None:
    error = refusal(load_object, raw)
    assert error.status == 400 and error.message.startswith(message), error.message


def _nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = {"x": value} if level % 2 else [value]
    return value


def test_json_nested_exactly_to_the_limit_is_read() -> None:
    body = {"userId": "u", "event": "E", "properties": _nested(DEPTH_LIMIT - 2)}
    assert load_object(orjson.dumps(body))["userId"] == "u"
    assert parse_single("track", body, RECEIPT).event == "E"


@pytest.mark.parametrize("depth", [DEPTH_LIMIT + 1, 254, 255, 1_000])
def test_json_nested_deeper_than_the_limit_is_400_never_a_crash(depth: int) -> None:
    # orjson reads up to 1,024 levels but writes at most 254: deep input must stop here.
    raw = b'{"userId": "u", "event": "E", "p": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    error = refusal(parse_single, "track", load_object(raw), RECEIPT)
    assert (error.status, error.message) == (
        400,
        f"message: nested more than {DEPTH_LIMIT} levels deep",
    )
    defaults = {"batch": [], "context": {"x": _nested(depth - 2)}}
    refused_defaults = refusal(parse_batch, defaults, RECEIPT)
    assert refused_defaults.message == f"context: nested more than {DEPTH_LIMIT} levels deep"
    item = {"type": "track", "userId": "u", "event": "E", "properties": _nested(depth - 1)}
    refused = refusal(parse_batch, {"batch": [item]}, RECEIPT)
    assert (refused.status, refused.message) == (
        400,
        f"batch[0]: nested more than {DEPTH_LIMIT} levels deep",
    )


def test_a_batch_of_more_messages_than_the_limit_is_413_before_it_is_validated() -> None:
    item = {"type": "track", "userId": "u", "event": "E"}
    assert len(parse_batch({"batch": [item] * BATCH_MESSAGES_LIMIT}, RECEIPT)) == (
        BATCH_MESSAGES_LIMIT
    )
    error = refusal(parse_batch, {"batch": [item] * (BATCH_MESSAGES_LIMIT + 1)}, RECEIPT)
    assert (error.status, error.message) == (413, "batch: more than 10000 messages")
