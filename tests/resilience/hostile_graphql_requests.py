"""How the GraphQL share of the hostile-input corpus writes its requests: POST and GET cases,
bodies whose variables are raw JSON text, query strings, long documents, and the operations
the cases call."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson

from tests.resilience.hostile_corpus import JSON_TYPE, PERSONAL, Case


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
