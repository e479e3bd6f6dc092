"""The tracking API's share of the hostile-input corpus: every path with hostile JSON spliced
into a valid message and with malformed bodies, compression and content types, fields past
their length, credentials that are garbled or not ASCII, and write keys in a settings URL."""

from __future__ import annotations

import base64
import gzip
from typing import Any
from urllib.parse import quote

import orjson

from tests.resilience.hostile_corpus import (
    DEEP,
    DEFLATE_BOMB,
    GZIP_BOMB,
    MALFORMED,
    PERSONAL,
    Case,
    deep,
)

TRACKING_PATHS = ["track", "identify", "page", "screen", "group", "alias", "batch", "import"]
VALID: dict[str, dict[str, Any]] = {
    "track": {"userId": "u-1", "event": "Viewed"},
    "identify": {"userId": "u-1", "traits": {"plan": "pro"}},
    "page": {"anonymousId": "a-1", "name": "Home"},
    "screen": {"anonymousId": "a-1", "name": "Settings"},
    "group": {"userId": "u-1", "groupId": "acme"},
    "alias": {"userId": "u-1", "previousId": "a-1"},
}

#: (name, a JSON member spliced into a valid message, status, what the answer names, appends)
SPLICED: list[tuple[str, bytes, int, str, int]] = [
    ("objects 65 deep", b'"context":' + deep(65), 400, DEEP, 0),
    ("arrays 65 deep", b'"context":{"x":' + deep(65, array=True) + b"}", 400, DEEP, 0),
    ("objects 1,000 deep", b'"context":' + deep(1_000), 400, DEEP, 0),
    ("arrays 100,000 deep", b'"context":{"x":' + deep(100_000, array=True) + b"}", 400, DEEP, 0),
    ("objects 100,000 deep", b'"context":' + deep(100_000), 413, "larger than 500 KB", 0),
    ("a 40 KB string", b'"context":{"x":"' + b"y" * 40_000 + b'"}', 413, "larger than 32 KB", 0),
    ("a 600 KB string", b'"context":{"x":"' + b"y" * 600_000 + b'"}', 413, "than 500 KB", 0),
    ("1e309", b'"context":{"x":1e309}', 400, "infinity", 0),
    ("a 5,000 digit number", b'"context":{"x":' + b"9" * 5_000 + b"}", 400, "infinity", 0),
    ("NaN as text", b'"context":{"x":NaN}', 400, MALFORMED, 0),
    ("-Infinity as text", b'"context":{"x":-Infinity}', 400, MALFORMED, 0),
    ("invalid UTF-8", b'"context":{"x":"\xff\xfe"}', 400, "UTF-8", 0),
    ("overlong UTF-8", b'"context":{"x":"\xc0\xaf"}', 400, "UTF-8", 0),
    ("a surrogate as UTF-8 bytes", b'"context":{"x":"\xed\xa0\x80"}', 400, "UTF-8", 0),
    ("a lone surrogate escape", b'"context":{"x":"\\ud800"}', 400, "surrogate", 0),
    ("a lone low surrogate key", b'"context":{"\\udc00":1}', 400, "surrogate", 0),
    (
        "a personal id of the wrong type",
        b'"userId":{"email":"' + PERSONAL.encode() + b'"}',
        400,
        "must be a string or a number",
        0,
    ),
    ("2^64 as an id", b'"userId":18446744073709551616', 400, "send it as a string", 0),
    ("1e300 as an id", b'"anonymousId":1e300', 400, "send it as a string", 0),
    ("a timestamp in year 99999", b'"timestamp":"99999-01-01T00:00:00Z"', 400, "ISO-8601", 0),
    ("a timestamp of -0", b'"timestamp":-0', 400, "must be a string", 0),
    (
        "NUL and control characters",
        b'"context":{"a\\u0000b":"\\u0000\\u0001\\u001f","\\u007f":1,"k":"\\u2028"}',
        200,
        "",
        1,
    ),
    ("duplicate keys", b'"userId":"u-2","userId":"u-3","anonymousId":"a-2"', 200, "", 1),
    (
        "unicode everywhere",
        '"context":{"名前":"ꙮ\u202e\U0001f600","\u0301":1,"\ufeff":"\ufffd"}'.encode(),
        200,
        "",
        1,
    ),
    ("-0 and 2^64 as values", b'"context":{"a":-0,"b":-0.0,"c":18446744073709551616}', 200, "", 1),
]


def _message(kind: str, extra: bytes = b"") -> bytes:
    """A valid message of the path's kind (batches: a track) with `extra` spliced in, as the
    path's body."""
    real = "track" if kind in ("batch", "import") else kind
    data = {**VALID[real], **({"type": real} if real != kind else {})}
    text = orjson.dumps(data)
    if extra:
        text = text[:-1] + b"," + extra + b"}"
    return b'{"batch":[' + text + b"]}" if real != kind else text


def _spliced_cases(kind: str) -> list[Case]:
    """Every member of `SPLICED` in a valid message of `kind`, sent to its path."""
    path = f"/v1/{kind}"
    cases: list[Case] = []
    for name, extra, status, names, appends in SPLICED:
        body = _message(kind, extra)
        cases.append(Case(f"{kind}: {name}", "POST", path, body, {}, status, names, False, appends))
    return cases


def _malformed_body_cases(kind: str) -> list[Case]:
    """A valid message of `kind` made into a body that is not one JSON object."""
    path = f"/v1/{kind}"
    valid = _message(kind)
    return [
        Case(
            f"{kind}: a byte order mark",
            "POST",
            path,
            b"\xef\xbb\xbf" + valid,
            status=400,
            names="byte order mark",
        ),
        Case(f"{kind}: an empty body", "POST", path, b"", status=400, names="empty document"),
        Case(f"{kind}: a truncated body", "POST", path, valid[:-3], status=400, names=MALFORMED),
        Case(
            f"{kind}: an array",
            "POST",
            path,
            b"[" + valid + b"]",
            status=400,
            names="must be a JSON object",
        ),
    ]


def _compression_cases(kind: str) -> list[Case]:
    """Broken, bomb-sized, doubled and unsupported compression of a valid body."""
    path = f"/v1/{kind}"
    packed = gzip.compress(_message(kind))
    gz = {"Content-Encoding": "gzip"}
    return [
        Case(f"{kind}: a truncated gzip", "POST", path, packed[:-8], gz, 400, "truncated"),
        Case(
            f"{kind}: gzip of garbage",
            "POST",
            path,
            b"\x1f\x8b\x08\x00junk",
            gz,
            400,
            "compressed",
        ),
        Case(f"{kind}: a gzip bomb", "POST", path, GZIP_BOMB, gz, 413, "once decoded"),
        Case(
            f"{kind}: a deflate bomb",
            "POST",
            path,
            DEFLATE_BOMB,
            {"Content-Encoding": "deflate"},
            413,
            "once decoded",
        ),
        Case(
            f"{kind}: gzip twice",
            "POST",
            path,
            gzip.compress(packed),
            {"Content-Encoding": "gzip, gzip"},
            415,
            "Content-Encoding",
        ),
        Case(
            f"{kind}: brotli",
            "POST",
            path,
            b"\x0b\x02\x80{}\x03",
            {"Content-Encoding": "br"},
            415,
            "Content-Encoding",
        ),
    ]


def _content_type_cases(kind: str) -> list[Case]:
    """Bodies that are not JSON, and JSON sent as another content type."""
    path = f"/v1/{kind}"
    valid = _message(kind)
    return [
        Case(
            f"{kind}: a form",
            "POST",
            path,
            b"userId=u-1&event=Viewed",
            {"Content-Type": "application/x-www-form-urlencoded"},
            400,
            MALFORMED,
        ),
        Case(
            f"{kind}: XML",
            "POST",
            path,
            b"<track><userId>u</userId></track>",
            {"Content-Type": "application/xml"},
            400,
            MALFORMED,
        ),
        Case(
            f"{kind}: JSON as text/plain",
            "POST",
            path,
            valid,
            {"Content-Type": "text/plain"},
            200,
            "",
            appends=1,
        ),
    ]


def _field_length_cases() -> list[Case]:
    """Names and events past (and at) their length limit, and a batch too long."""
    long_event = {"type": "track", "userId": "u", "event": "E" * 30_000}
    return [
        Case(
            "track: a 30,000 character event",
            "POST",
            "/v1/track",
            orjson.dumps(long_event),
            names="event: must be at most 1000 characters",
        ),
        Case(
            "batch: a 30,000 character event",
            "POST",
            "/v1/batch",
            orjson.dumps({"batch": [long_event]}),
            names="batch[0].event: must be at most 1000",
        ),
        Case(
            "page: a 30,000 character name",
            "POST",
            "/v1/page",
            orjson.dumps({"anonymousId": "a", "name": "P" * 30_000}),
            names="name: must be at most 1000",
        ),
        Case(
            "screen: a 30,000 character name",
            "POST",
            "/v1/screen",
            orjson.dumps({"anonymousId": "a", "name": "S" * 30_000}),
            names="name: must be at most 1000",
        ),
        Case(
            "track: a 1,000 character event",
            "POST",
            "/v1/track",
            orjson.dumps({"userId": "u", "event": "E" * 1_000}),
            status=200,
            appends=1,
        ),
        Case(
            "batch: 10,001 messages",
            "POST",
            "/v1/batch",
            orjson.dumps({"batch": [{}] * 10_001}),
            status=413,
            names="more than 10000",
        ),
        Case(
            "batch: a type that is an object",
            "POST",
            "/v1/batch",
            b'{"batch":[{"type":{"a":1},"userId":"u"}]}',
            names="batch[0].type",
        ),
    ]


def _credential_cases() -> list[Case]:
    """Write keys missing, of the wrong type, garbled, not UTF-8 or not ASCII."""
    return [
        Case(
            "track: no write key",
            "POST",
            "/v1/track",
            orjson.dumps(VALID["track"]),
            {"Authorization": ""},
            401,
            "write key",
        ),
        Case(
            "track: a write key that is an object",
            "POST",
            "/v1/track",
            orjson.dumps({**VALID["track"], "writeKey": {"k": PERSONAL}}),
            {"Authorization": ""},
            401,
            "write key",
        ),
        Case(
            "track: garbled Basic credentials",
            "POST",
            "/v1/track",
            orjson.dumps(VALID["track"]),
            {"Authorization": "Basic %%%"},
            401,
            "Basic",
        ),
        Case(
            "track: Basic credentials that are not UTF-8",
            "POST",
            "/v1/track",
            orjson.dumps(VALID["track"]),
            {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe\xc0\xaf:").decode()},
            401,
            "Basic",
        ),
        Case(
            "track: a Basic header that is not ASCII",
            "POST",
            "/v1/track",
            orjson.dumps(VALID["track"]),
            status=401,
            names="Basic",
            raw_headers=((b"Authorization", b"Basic \xff\xfe\xc0\xaf"),),
        ),
        Case(
            "track: a Content-Encoding that is not ASCII",
            "POST",
            "/v1/track",
            orjson.dumps(VALID["track"]),
            status=415,
            names="Content-Encoding",
            raw_headers=((b"Content-Encoding", b"gz\xff\xfe"),),
        ),
    ]


def _settings_cases() -> list[Case]:
    """Hostile write keys in the settings URL: refused as unknown."""
    cases: list[Case] = []
    for name, key in (
        ("a 5,000 character key", "k" * 5_000),
        ("NUL", "%00"),
        ("invalid UTF-8", "%FF%FE"),
        ("a lone surrogate", "%ED%A0%80"),
        ("unicode", quote("ключ😀")),
        ("a personal value", quote(PERSONAL)),
    ):
        path = f"/v1/projects/{key}/settings"
        cases.append(Case(f"settings: {name}", "GET", path, status=401, names="write key"))
    return cases


def tracking_cases() -> list[Case]:
    """The tracking corpus, in the order it is sent."""
    cases: list[Case] = []
    for kind in TRACKING_PATHS:
        cases += _spliced_cases(kind) + _malformed_body_cases(kind)
    # Bodies whose problem is the same on every path: sent to a few.
    for kind in ("track", "batch", "identify"):
        cases += _compression_cases(kind) + _content_type_cases(kind)
    return cases + _field_length_cases() + _credential_cases() + _settings_cases()
