"""GraphQL hostile input in the body of a request: nesting past every limit, huge strings and
numbers, broken encodings and characters no name may hold, bodies that are not one JSON object,
content types and compression the endpoint does not take."""

from __future__ import annotations

import gzip

import orjson

from tests.resilience.hostile_corpus import (
    DEEP,
    GZIP_BOMB,
    MALFORMED,
    NO_CONTENT_TYPE,
    Case,
    deep,
)
from tests.resilience.hostile_graphql_requests import BEFORE, ID, LIMIT, MULTIPART, gql, q, raw


def nesting_cases() -> list[Case]:
    """Selections, literals and variables nested deep: past the limits, and a JSON value of 60."""
    return [
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
    ]


def number_cases() -> list[Case]:
    """Huge strings and numbers: past the body limit, 32 bits, 64 bits and infinity."""
    return [
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
    ]


def encoding_cases() -> list[Case]:
    """Invalid UTF-8, surrogates, NUL, control characters and unicode in names."""
    return [
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
    ]


def body_and_content_type_cases() -> list[Case]:
    """Bodies that are not one JSON object, and content types the endpoint refuses."""
    return [
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
    ]


def compression_and_accept_cases() -> list[Case]:
    """Compressed bodies (never decoded) and the GraphQL response media type."""
    return [
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
    ]
