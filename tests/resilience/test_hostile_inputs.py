"""Hostile input, a committed corpus: the tracking API and /graphql never answer with a 5xx.

Every case below is sent to the real app over loopback HTTP while /healthz is polled: deep
nesting (65 to 100,000 levels), huge strings and numbers, invalid and overlong UTF-8, lone
surrogates, NUL and control characters, a byte order mark, duplicate keys, wrong content types,
empty bodies, broken and bomb-sized compression, and for GraphQL aliases, fragments and their
cycles, directives, batching, long operation names, unicode names, introspection in
production, 10,000 tokens, variables of the wrong type and persisted-query extensions. Each
answer is a 4xx that names the problem (or, for GraphQL, a 200 whose `errors` do), or the
acceptance the case documents; /healthz answers within a second throughout; a refused tracking
request appends nothing to the stream, and what was accepted is resolved without a failure;
no answer repeats the personal value the corpus carries.

Regressions: an event name of 30,000 characters was accepted and then failed every write of
its batch in Neo4j (index entries hold about 8 KB) until it was dead-lettered; a number id past
2^64 became a float, so two such ids were one identifier; a GraphQL variable of the wrong type
was answered "Unexpected error.", while a literal of the wrong type, an unknown operation name
and a malformed identifier type were repeated in the answer (the last in the log too); a
refused JSON text was answered "malformed JSON" without saying what was wrong with it.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from pydantic import SecretStr

from app.bootstrap import Container
from app.entrypoints.api import create_app
from app.settings import Settings
from tests.pipeline import drain

pytestmark = pytest.mark.integration

#: A personal value the corpus carries in many places; no answer may hold it.
PERSONAL = "jane.doe@example.com"
JSON_TYPE = {"Content-Type": "application/json"}
DEEP = "nested more than 64 levels deep"
MALFORMED = "malformed JSON"
NO_CONTENT_TYPE = "Unsupported content type"
TOKENS = "more than 4000 tokens"


@dataclass(frozen=True)
class Case:
    """One request and what it must be answered with."""

    name: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: The status expected; 200 for GraphQL means "with `errors`" unless `data_ok`.
    status: int = 400
    #: Words the answer's message must hold: it names the problem.
    names: str = ""
    #: A GraphQL answer with data and no errors is right (valid, if odd, input).
    data_ok: bool = False
    #: Tracking messages an accepted (200) request appends.
    appends: int = 0
    #: Headers sent as raw bytes (not ASCII), replacing any of the same name.
    raw_headers: tuple[tuple[bytes, bytes], ...] = ()


def deep(depth: int, leaf: bytes = b"1", array: bool = False) -> bytes:
    if array:
        return b"[" * depth + leaf + b"]" * depth
    return b'{"a":' * depth + leaf + b"}" * depth


GZIP_BOMB = gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)
DEFLATE_BOMB = zlib.compress(b" " * (20 * 1024 * 1024), 9)


# --- the tracking API -----------------------------------------------------------------------

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


def tracking_cases() -> list[Case]:
    cases: list[Case] = []
    for kind in TRACKING_PATHS:
        path = f"/v1/{kind}"
        valid = _message(kind)
        for name, extra, status, names, appends in SPLICED:
            body = _message(kind, extra)
            cases.append(
                Case(f"{kind}: {name}", "POST", path, body, {}, status, names, False, appends)
            )
        cases += [
            Case(
                f"{kind}: a byte order mark",
                "POST",
                path,
                b"\xef\xbb\xbf" + valid,
                status=400,
                names="byte order mark",
            ),
            Case(f"{kind}: an empty body", "POST", path, b"", status=400, names="empty document"),
            Case(
                f"{kind}: a truncated body", "POST", path, valid[:-3], status=400, names=MALFORMED
            ),
            Case(
                f"{kind}: an array",
                "POST",
                path,
                b"[" + valid + b"]",
                status=400,
                names="must be a JSON object",
            ),
        ]
    # Bodies whose problem is the same on every path: sent to a few.
    for kind in ("track", "batch", "identify"):
        path = f"/v1/{kind}"
        valid = _message(kind)
        packed = gzip.compress(valid)
        gz = {"Content-Encoding": "gzip"}
        cases += [
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
    long_event = {"type": "track", "userId": "u", "event": "E" * 30_000}
    cases += [
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


# --- GraphQL --------------------------------------------------------------------------------


def gql(
    name: str,
    document: Any,
    status: int = 200,
    names: str = "",
    data_ok: bool = False,
    headers: dict[str, str] | None = None,
) -> Case:
    body = document if isinstance(document, bytes) else orjson.dumps(document)
    merged = {**JSON_TYPE, **(headers or {})}
    return Case(f"graphql POST: {name}", "POST", "/graphql", body, merged, status, names, data_ok)


def get(name: str, query: str, status: int = 200, names: str = "", data_ok: bool = False) -> Case:
    accept = {"Accept": "application/json"}
    path = "/graphql?" + query
    return Case(f"graphql GET: {name}", "GET", path, b"", accept, status, names, data_ok)


def q(query: str, **variables: Any) -> dict[str, Any]:
    return {"query": query, "variables": variables} if variables else {"query": query}


def raw(query: str, variables: bytes) -> bytes:
    """A body whose variables are JSON text as given (values orjson would not write)."""
    return b'{"query":' + orjson.dumps(query) + b',"variables":' + variables + b"}"


def qs(query: str, **params: str) -> str:
    return "&".join(f"{k}={quote(v)}" for k, v in {"query": query, **params}.items())


def chain(n: int) -> str:
    """`n` fragments, each spreading the next."""
    links = " ".join(f"fragment F{i} on Query {{...F{i + 1}}}" for i in range(n))
    return "{...F0} " + links + f" fragment F{n} on Query {{health{{status}}}}"


def aliases(n: int) -> str:
    return "{" + " ".join(f"a{i}:health{{status}}" for i in range(n)) + "}"


ID = "query($id:String!){profile(id:$id){id}}"
IDENT = "query($i:IdentifierInput!){previewErasure(identifier:$i){__typename}}"
LIMIT = "query($l:Int!){erasures(limit:$l){id}}"
BEFORE = "query($f:Float){auditLog(before:$f){id}}"
SEND = (
    "mutation($m:JSON!,$s:String){%s(message:$m,sourceId:$s,waitSeconds:0){"
    "__typename ... on InvalidMessage{message}}}"
)
SUBSCRIBE = 'subscription{profileUpdated(profileId:"p"){kind}}'
PQ = {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}
MULTIPART = (
    b'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
    b'{"query":"mutation($f:Upload){x(f:$f)}","variables":{"f":null}}\r\n'
    b'--x\r\nContent-Disposition: form-data; name="map"\r\n\r\n'
    b'{"0":["variables.f"]}\r\n'
    b'--x\r\nContent-Disposition: form-data; name="0"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n" + PERSONAL.encode() + b"\r\n--x--\r\n"
)


def graphql_cases(source_id: str) -> list[Case]:
    """`source_id`: a source of the workspace, so `track` and `identify` reach validation."""
    source = orjson.dumps(source_id)
    return [
        # Nesting.
        gql(
            "a selection 100 deep",
            q("{" + "a{" * 100 + "b" + "}" * 101),
            names="exceeds maximum operation depth",
        ),
        gql(
            "a selection 20,000 deep",
            q("{" + "a{" * 20_000 + "b" + "}" * 20_001),
            names="nested too deeply",
        ),
        gql(
            "a list literal 5,000 deep",
            q("{profile(id:" + "[" * 5_000 + "1" + "]" * 5_000 + "){id}}"),
            names="nested too deeply",
        ),
        gql(
            "an object literal 5,000 deep",
            q("{previewSegment(definition:" + "{a:" * 5_000 + "1" + "}" * 5_000 + "){__typename}}"),
            names="nested too deeply",
        ),
        gql("variables 65 deep", raw(ID, b'{"id":' + deep(65, array=True) + b"}"), 400, DEEP),
        gql(
            "variables 100,000 deep",
            raw(ID, b'{"d":' + deep(100_000, array=True) + b"}"),
            400,
            DEEP,
        ),
        gql(
            "a JSON variable 60 deep",
            raw(
                'mutation($v:JSON!){setTrait(profileId:"p",name:"plan",value:$v){__typename}}',
                b'{"v":' + deep(60, array=True) + b"}",
            ),
            data_ok=True,
        ),
        # Huge strings and numbers.
        gql("a 900 KB string variable", q(ID, id="x" * 900_000), data_ok=True),
        gql("a body over 1 MB", q(ID, id="x" * 1_100_000), 413, "larger than 1024 KB"),
        gql(
            "an Int literal of 2^64",
            q("{erasures(limit:18446744073709551616){id}}"),
            names="non 32-bit signed integer",
        ),
        gql(
            "an Int variable of 2^64",
            raw(LIMIT, b'{"l":18446744073709551616}'),
            names="Variable '$l' has invalid value",
        ),
        gql(
            "an Int variable of 2^63",
            raw(LIMIT, b'{"l":9223372036854775807}'),
            names="non 32-bit signed integer",
        ),
        gql("a Float variable of 1e309", raw(BEFORE, b'{"f":1e309}'), 400, "infinity"),
        gql("NaN as text", raw(BEFORE, b'{"f":NaN}'), 400, MALFORMED),
        gql("a Float literal of 1e309", q("{auditLog(before:1e309){id}}"), data_ok=True),
        gql("-0", raw(BEFORE, b'{"f":-0}'), data_ok=True),
        gql(
            "a 2^63 page size",
            q("{profiles(first:9223372036854775807){totalCount}}"),
            names="non 32-bit signed integer",
        ),
        gql(
            "a negative page size",
            q("{profiles(first:-1){totalCount}}"),
            names="first: between 0 and 100",
        ),
        # Encodings.
        gql("invalid UTF-8", b'{"query":"{profile(id:\\"\xff\\"){id}}"}', 400, "UTF-8"),
        gql("overlong UTF-8", b'{"query":"{profile(id:\\"\xc0\xaf\\"){id}}"}', 400, "UTF-8"),
        gql("a lone surrogate", b'{"query":"{profile(id:\\"\\ud800\\"){id}}"}', 400, "surrogate"),
        gql("a lone low surrogate in a variable", raw(ID, b'{"id":"\\udfff"}'), 400, "surrogate"),
        gql("NUL in a field name", q("{\u0000health{status}}"), names="U+0000"),
        gql("a control character in a name", q("{hea\u0007lth{status}}"), names="U+0007"),
        gql("NUL and controls in a variable", q(ID, id="\u0000\u0001\u001f"), data_ok=True),
        gql("NUL in a variable's name", raw(ID, b'{"id":"x","\\u0000":1}'), data_ok=True),
        gql("unicode in a field name", q("{héalth{status}}"), names="U+00E9"),
        gql("unicode in an alias", q("{\u210cealth:health{status}}"), names="U+210C"),
        gql(
            "a byte order mark", b'\xef\xbb\xbf{"query":"{health{status}}"}', 400, "byte order mark"
        ),
        gql("duplicate keys", b'{"query":"{nope}","query":"{health{status}}"}', data_ok=True),
        # Content types and bodies.
        gql("an empty body", b"", 400, "empty document"),
        gql("a truncated body", b'{"query":"{health{status}}', 400, MALFORMED),
        gql("a JSON string", b'"{health{status}}"', 400, "expected a JSON object"),
        gql("a JSON number", b"12", 400, "expected a JSON object"),
        gql("null", b"null", 400, "expected a JSON object"),
        gql(
            "text/plain",
            q("{health{status}}"),
            400,
            NO_CONTENT_TYPE,
            headers={"Content-Type": "text/plain"},
        ),
        gql(
            "application/graphql",
            b"{health{status}}",
            400,
            NO_CONTENT_TYPE,
            headers={"Content-Type": "application/graphql"},
        ),
        gql(
            "a form",
            b"query=%7Bhealth%7D",
            400,
            NO_CONTENT_TYPE,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        gql(
            "multipart (uploads are off)",
            MULTIPART,
            400,
            NO_CONTENT_TYPE,
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        ),
        gql(
            "multipart without a boundary",
            b"junk",
            400,
            NO_CONTENT_TYPE,
            headers={"Content-Type": "multipart/form-data"},
        ),
        gql(
            "a gzip body (not decoded)",
            gzip.compress(orjson.dumps(q("{health{status}}"))),
            400,
            MALFORMED,
            headers={"Content-Encoding": "gzip"},
        ),
        gql(
            "a truncated gzip body",
            gzip.compress(b'{"query":"{health}"}')[:-8],
            400,
            MALFORMED,
            headers={"Content-Encoding": "gzip"},
        ),
        gql("a gzip bomb", GZIP_BOMB, 400, MALFORMED, headers={"Content-Encoding": "gzip"}),
        gql(
            "graphql-response+json",
            q("{nope}"),
            names="Cannot query field 'nope'",
            headers={"Accept": "application/graphql-response+json"},
        ),
        # Document abuse.
        gql("1,000 aliases", q(aliases(1_000)), names=TOKENS),
        gql("31 aliases", q(aliases(31)), names="aliases"),
        gql("100 chained fragments", q(chain(100)), data_ok=True),
        gql("600 chained fragments", q(chain(600)), names=TOKENS),
        gql(
            "a fragment cycle",
            q("{...A} fragment A on Query {...B} fragment B on Query {...A}"),
            names="Cannot spread fragment 'A' within itself",
        ),
        gql(
            "a fragment spreading itself",
            q("{...A} fragment A on Query {...A}"),
            names="Cannot spread fragment 'A' within itself",
        ),
        gql(
            "a fragment of no type", q("{...A} fragment A on Nope {x}"), names="Unknown type 'Nope'"
        ),
        gql(
            "100 repeated directives",
            q("{health" + " @include(if:true)" * 100 + "{status}}"),
            names="can only be used once",
        ),
        gql(
            "2,000 directives",
            q("{health" + " @include(if:true)" * 2_000 + "{status}}"),
            names=TOKENS,
        ),
        gql(
            "an unknown directive",
            q("{health @nope(x:1){status}}"),
            names="Unknown directive '@nope'",
        ),
        gql(
            "a directive argument of the wrong type",
            q('{health @skip(if:"' + PERSONAL + '"){status}}'),
            names="Boolean cannot represent",
        ),
        gql(
            "batching",
            [q("{health{status}}"), q("{health{status}}")],
            400,
            "Batching is not enabled",
        ),
        gql(
            "a 100,000 character operation name",
            q("query " + "A" * 100_000 + " {health{status}}"),
            data_ok=True,
        ),
        gql(
            "an unknown operationName",
            {"query": "{health{status}}", "operationName": PERSONAL + "B" * 100_000},
            400,
            "no operation of that name",
        ),
        gql(
            "two operations and no name (the first runs)",
            q("query A{health{status}} query B{health{status}}"),
            data_ok=True,
        ),
        gql("10,000 tokens", q("{health{" + " status" * 10_000 + "}}"), names=TOKENS),
        gql(
            "a mutation spreading a Query fragment",
            q("mutation{...F} fragment F on Query{health{status}}"),
            names="cannot be spread here",
        ),
        # Variables and literals of the wrong type: named, never repeated.
        gql(
            "a number for a String",
            q(ID, id=12),
            names="Variable '$id' has invalid value: String cannot represent",
        ),
        gql(
            "an object for a String",
            q(ID, id={"email": PERSONAL}),
            names="Variable '$id' has invalid value",
        ),
        gql(
            "a personal string for an Int",
            q(LIMIT, l=PERSONAL),
            names="Int cannot represent non-integer value",
        ),
        gql("null for a String!", q(ID, id=None), names="not to be None"),
        gql("a missing variable", q(ID), names="non-null type 'String!' to be provided"),
        gql(
            "a personal unknown input field",
            q(IDENT, i={"type": "email", "value": "x", PERSONAL: 1}),
            names="not to include unknown field",
        ),
        gql(
            "a list for an input field",
            q(IDENT, i={"type": "email", "value": [PERSONAL]}),
            names="Variable '$i' has invalid value at .value: String cannot represent",
        ),
        gql(
            "a personal literal of the wrong type",
            q('{erasures(limit:"' + PERSONAL + '"){id}}'),
            names="Int cannot represent",
        ),
        gql(
            "an unknown literal field",
            q(
                '{previewErasure(identifier:{type:"email",value:"'
                + PERSONAL
                + '",extra:1}){__typename}}'
            ),
            names="unknown field 'extra'",
        ),
        gql(
            "a string where a name goes",
            q('{profile("' + PERSONAL + '"){id}}'),
            names="Syntax Error: Expected Name",
        ),
        gql(
            "variables that are a list",
            {"query": ID, "variables": [PERSONAL]},
            400,
            "`variables` must be an object",
        ),
        gql("a query that is a number", {"query": 12}, 400, "`query` must be a string"),
        gql(
            "a value given as the identifier type",
            q('{profileByIdentifier(type:"' + PERSONAL + '",value:"email"){id}}'),
            names="invalid identifier type",
        ),
        gql(
            "a 30,000 character event name",
            raw(
                SEND % "track",
                b'{"s":' + source + b',"m":{"userId":"u","event":"' + b"E" * 30_000 + b'"}}',
            ),
            data_ok=True,
        ),
        gql(
            "a number id past 2^64",
            raw(SEND % "identify", b'{"s":' + source + b',"m":{"userId":18446744073709551616}}'),
            data_ok=True,
        ),
        # Headers that are not ASCII, subscriptions over plain HTTP.
        Case(
            "graphql POST: a bearer key that is not ASCII",
            "POST",
            "/graphql",
            orjson.dumps(q("{sources{id}}")),
            JSON_TYPE,
            200,
            "Unauthorized",
            raw_headers=((b"Authorization", b"Bearer \xff\xfe\xc0\xaf"),),
        ),
        Case(
            "graphql POST: an Accept header that is not ASCII",
            "POST",
            "/graphql",
            orjson.dumps(q("{health{status}}")),
            JSON_TYPE,
            200,
            data_ok=True,
            raw_headers=((b"Accept", b"text/\xff\xfe"),),
        ),
        gql("a subscription over POST", q(SUBSCRIBE), 400, "subscriptions are not allowed"),
        # Persisted-query extensions (not supported: the query is what counts).
        gql("a persisted-query hash alone", {"extensions": PQ}, 400, "No GraphQL query found"),
        gql(
            "a persisted-query hash and a query",
            {"query": "{health{status}}", "extensions": PQ},
            data_ok=True,
        ),
        gql(
            "extensions that are a string",
            {"query": "{health{status}}", "extensions": PERSONAL},
            400,
            "`extensions` must be an object",
        ),
        # GET.
        get("a plain query", qs("{health{status}}"), data_ok=True),
        get(
            "a mutation",
            qs('mutation{setPurpose(name:"x"){name}}'),
            400,
            "mutations are not allowed",
        ),
        get("a subscription", qs(SUBSCRIBE), 400, "subscriptions are not allowed"),
        get(
            "variables 8,000 deep",
            qs("{health{status}}", variables="[" * 8_000 + "]" * 8_000),
            400,
            DEEP,
        ),
        get("variables 65 deep", qs(ID, variables='{"id":' + "[" * 65 + "]" * 65 + "}"), 400, DEEP),
        get("variables of 1e309", qs("{health{status}}", variables='{"f":1e309}'), 400, "infinity"),
        get("malformed variables", qs(ID, variables='{"id":'), 400, MALFORMED),
        get(
            "a wrong variable type",
            qs(ID, variables='{"id":{"e":"' + PERSONAL + '"}}'),
            names="Variable '$id' has invalid value",
        ),
        get("bad percent-encoding", "query=%ZZ%E0%A4%A", names="Syntax Error"),
        get("NUL", "query=%00", names="U+0000"),
        get(
            "invalid UTF-8",
            "query=" + quote("{profile(id:") + "%22%FF%C0%AF%22" + quote("){id}}"),
            data_ok=True,
        ),
        get(
            "a lone surrogate",
            "query=" + quote("{profile(id:") + "%22%ED%A0%80%22" + quote("){id}}"),
            data_ok=True,
        ),
        get("5,000 tokens", qs("{health{" + " status" * 5_000 + "}}"), names=TOKENS),
        get(
            "a persisted-query hash alone",
            "extensions=" + quote(orjson.dumps(PQ).decode()),
            400,
            "No GraphQL query found",
        ),
        get(
            "a personal operationName",
            qs("{health{status}}", operationName=PERSONAL),
            400,
            "no operation of that name",
        ),
    ]


# --- running it -----------------------------------------------------------------------------


def message_of(response: httpx.Response) -> str:
    """What the answer says is wrong: the tracking error's message, GraphQL's errors, or the
    plain text of an HTTP-level refusal."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict) and "errors" in body:
        return " | ".join(str(e.get("message")) for e in body["errors"] or [])
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return response.text


def problems_with(case: Case, response: httpx.Response) -> list[str]:
    """What is wrong with the answer to `case` (nothing, usually)."""
    found = []
    if response.status_code != case.status:
        found.append(f"{response.status_code} instead of {case.status}: {response.text[:300]}")
    if PERSONAL in response.text:
        found.append("the answer repeats the personal value")
    said = message_of(response)
    if case.names and case.names not in said:
        found.append(f"the answer does not name the problem ({case.names!r}): {said[:300]}")
    graphql_ok = case.path == "/graphql" and response.status_code == 200
    if graphql_ok and not case.data_ok and not response.json().get("errors"):
        found.append(f"a 200 without errors: {response.text[:300]}")
    if case.path.startswith("/v1/") and response.status_code != 200:
        body = response.json()
        if set(body) != {"success", "error", "code", "message"} or body["success"] is not False:
            found.append(f"not the tracking error body: {response.text[:300]}")
    return found


async def _watch_health(client: httpx.AsyncClient, stop: asyncio.Event, seen: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        answer = await client.get("/healthz", timeout=10)
        assert answer.status_code == 200
        seen.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)


@pytest.fixture
async def health_watch(api_url: str) -> AsyncIterator[list[float]]:
    """/healthz latencies, polled for as long as the test runs."""
    seen: list[float] = []
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=api_url) as client:
        task = asyncio.create_task(_watch_health(client, stop, seen))
        await asyncio.sleep(0)
        yield seen
        stop.set()
        await task


async def run_corpus(
    api_url: str,
    cases: list[Case],
    headers: dict[str, str],
    after_each: Callable[[Case, httpx.Response], Awaitable[list[str]]] | None = None,
) -> tuple[list[str], float]:
    """Every case, one after the other; the failures and the slowest answer's time."""
    failures = []
    slowest = 0.0
    async with httpx.AsyncClient(base_url=api_url, timeout=20) as client:
        for case in cases:
            started = time.perf_counter()
            raw_names = {name.lower() for name, _ in case.raw_headers}
            sent = [
                (name.encode(), value.encode())
                for name, value in {**headers, **case.headers}.items()
                if name.encode().lower() not in raw_names
            ]
            response = await client.request(
                case.method,
                case.path,
                content=case.body or None,
                headers=[*sent, *case.raw_headers],
            )
            slowest = max(slowest, time.perf_counter() - started)
            problems = problems_with(case, response)
            if after_each is not None:
                problems += await after_each(case, response)
            failures += [f"{case.name}: {p}" for p in problems]
    return failures, slowest


@pytest.mark.timeout(180)
async def test_the_tracking_api_refuses_hostile_input_with_a_4xx_and_appends_nothing(
    api_url: str, container: Container, health_watch: list[float]
) -> None:
    write_key = (await container.sources.create("hostile")).write_key
    cases = tracking_cases()
    basic = base64.b64encode(f"{write_key}:".encode()).decode()
    headers = {"Authorization": f"Basic {basic}", **JSON_TYPE}
    total = [0]  # messages accepted so far

    async def appended(case: Case, response: httpx.Response) -> list[str]:
        accepted = (await container.stream.stats()).get("accepted", 0)
        expected = total[0] + (case.appends if response.status_code == 200 else 0)
        total[0] = accepted
        if accepted != expected:
            return [f"the stream holds {accepted} accepted messages, not {expected}"]
        return []

    started = time.perf_counter()
    failures, slowest = await run_corpus(api_url, cases, headers, appended)
    took = time.perf_counter() - started
    assert not failures, "\n".join(failures)
    assert health_watch and max(health_watch) < 1.0, f"/healthz took {max(health_watch):.2f} s"
    # What was accepted reaches the graph: no hostile message fails the resolver.
    await drain(container)
    stats = await container.stream.stats()
    assert stats.get("failed", 0) == 0 and stats.get("dead_lettered", 0) == 0, stats
    assert stats["processed"] == total[0]
    print(f"{len(cases)} tracking cases in {took:.1f} s, slowest {slowest:.2f} s")


@pytest.mark.timeout(180)
async def test_graphql_answers_hostile_input_with_a_4xx_or_errors_that_name_the_problem(
    api_url: str, container: Container, settings: Settings, health_watch: list[float]
) -> None:
    source = (await container.sources.create("hostile")).source.id
    cases = graphql_cases(source)
    headers = {"Authorization": f"Bearer {settings.admin_api_key.get_secret_value()}"}
    started = time.perf_counter()
    failures, slowest = await run_corpus(api_url, cases, headers)
    took = time.perf_counter() - started
    assert not failures, "\n".join(failures)
    assert health_watch and max(health_watch) < 1.0, f"/healthz took {max(health_watch):.2f} s"
    # Both refused messages (the 30,000 character name, the id past 2^64) appended nothing.
    assert (await container.stream.stats()).get("accepted", 0) == 0
    print(f"{len(cases)} GraphQL cases in {took:.1f} s, slowest {slowest:.2f} s")


async def test_production_refuses_introspection_however_it_is_asked(
    container: Container,
) -> None:
    production = Settings(
        env="production",
        neo4j_uri="neo4j://db.internal:7687",
        neo4j_password=SecretStr("a-long-real-password"),
        admin_api_key=SecretStr("a" * 40),
        default_write_key=SecretStr("w" * 40),
        hmac_keys=SecretStr("k2:" + "QUJD" * 12),
        kek=SecretStr("S0VL" * 11),
        outbound_secrets=SecretStr("s" * 40),
    )
    app = create_app(production)  # no lifespan: the test's container serves it
    app.state.container = container
    asks = [
        "{__schema{types{name}}}",
        '{__type(name:"Query"){fields{name}}}',
        "query{a:__schema{queryType{name}}}",
        "{...F} fragment F on Query{__schema{types{name}}}",
        "{health{status} __schema{directives{name}}}",
    ]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cdp") as client:
        for ask in asks:
            for response in (
                await client.post("/graphql", json={"query": ask}),
                await client.get("/graphql", params={"query": ask}),
            ):
                assert response.status_code == 200, response.text
                errors = response.json()["errors"]
                assert any("introspection" in e["message"].lower() for e in errors), ask
        typo = await client.post("/graphql", json={"query": "{helth{status}}"})
        assert "Did you mean" not in typo.text
        ide = await client.get("/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 404
