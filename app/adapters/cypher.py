"""The Cypher registry: every query lives in `cypher/<area>/<verb>.cypher`, loaded by name.

Queries take `$parameters` only; labels and relationship types are never built from input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import LiteralString

from app.errors import ConfigurationError


def cypher_dir() -> Path:
    """The `cypher/` folder: beside the sources in a checkout, under share/ when installed."""
    here = Path(__file__).resolve().parents[2] / "cypher"
    if here.is_dir():
        return here
    installed = Path(sys.prefix) / "share" / "graph-cdp" / "cypher"
    if installed.is_dir():
        return installed
    raise ConfigurationError(f"cypher/ folder not found (looked in {here} and {installed})")


@cache
def query(name: str) -> LiteralString:
    """The text of `cypher/<name>.cypher` (e.g. "identity/resolve_batch")."""
    path = cypher_dir() / f"{name}.cypher"
    if ".." in Path(name).parts or not path.is_file():
        raise ConfigurationError(f"no Cypher query named {name!r}")
    text = path.read_text(encoding="utf-8").strip()
    # A trusted file shipped with the code, never user input: safe to treat as a literal.
    return text


def all_query_names() -> Iterator[str]:
    root = cypher_dir()
    for path in sorted(root.rglob("*.cypher")):
        yield path.relative_to(root).with_suffix("").as_posix()


def schema_statements() -> list[LiteralString]:
    """Constraints and indexes from cypher/schema/, in file-name order."""
    return [query(name) for name in all_query_names() if name.startswith("schema/")]
