"""The hostile-input corpus's common ground: what a case is, the personal value no answer may
repeat, the problems answers name, and bodies shared by the tracking and GraphQL cases (deep
nesting, compression bombs)."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field

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
