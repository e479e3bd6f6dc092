"""GraphQL hostile input in what a request asks: aliases, fragments and their cycles,
directives, batching, operation names, token counts, variables and literals of the wrong type,
headers that are not ASCII, subscriptions and persisted queries over HTTP, and all of it as GET."""

from __future__ import annotations

from urllib.parse import quote

import orjson

from tests.resilience.hostile_corpus import (
    DEEP,
    JSON_TYPE,
    MALFORMED,
    PERSONAL,
    TOKENS,
    Case,
)
from tests.resilience.hostile_graphql_requests import (
    ID,
    IDENT,
    LIMIT,
    PQ,
    SEND,
    SUBSCRIBE,
    aliases,
    chain,
    get,
    gql,
    q,
    qs,
    raw,
)


def fragment_and_directive_cases() -> list[Case]:
    """Aliases, fragment chains and cycles, and directives repeated, unknown or mistyped."""
    return [
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
    ]


def operation_cases() -> list[Case]:
    """Batching, huge and unknown operation names, several operations, 10,000 tokens."""
    return [
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
    ]


def variable_type_cases() -> list[Case]:
    """Variables of the wrong type: the problem named, the value never repeated."""
    return [
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
    ]


def literal_and_value_cases(source_id: str) -> list[Case]:
    """Literals and request members of the wrong type, and values that reach validation
    (named, never repeated); `source_id`: a source of the workspace, so `track` and
    `identify` reach validation."""
    source = orjson.dumps(source_id)
    return [
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
    ]


def header_and_extension_cases() -> list[Case]:
    """Headers that are not ASCII, subscriptions over plain HTTP, persisted-query extensions (not
    supported: the query is what counts)."""
    return [
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
    ]


def get_cases() -> list[Case]:
    """The same abuse sent as GET: mutations, subscriptions, variables, percent-encoding."""
    return [
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
