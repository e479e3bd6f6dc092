"""The Cypher registry: every query lives in `cypher/<area>/<verb>.cypher`, loaded by name.

Queries take `$parameters` only; labels and relationship types are never built from input.
Several write-only queries and one more can be sent as one statement (`composed`): a
transaction's writes whose results nobody reads wait for its next read, and go with it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, LiteralString

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


#: The planner options of a composed statement: each part's own must be these, or none.
COMPOSED_OPTIONS = "CYPHER replan=skip"
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NESTED = re.compile(r"\{[^{}]*\}")


@cache
def _options_and_body(name: str) -> tuple[str, str]:
    """A query's `CYPHER ...` options line (or "") and the rest, its comment lines left out."""
    code = [line for line in query(name).splitlines() if not line.lstrip().startswith("//")]
    if code and code[0].startswith("CYPHER "):
        return code[0].strip(), "\n".join(code[1:])
    return "", "\n".join(code)


def _top_level(body: str, clause: str) -> bool:
    """Whether a query has this clause (its keywords as the queries write them, upper case)
    outside every `{...}` (subqueries, maps)."""
    while _NESTED.search(body):
        body = _NESTED.sub(" ", body)
    return re.search(rf"\b{clause}\b", body) is not None


@cache
def deferrable(name: str) -> bool:
    """Whether a query can run as a unit subquery of a composed statement: it writes and
    returns nothing, and it could end one."""
    return composable(name) and not _top_level(_options_and_body(name)[1], "RETURN")


@cache
def composable(name: str) -> bool:
    """Whether a query can end a composed statement: no `UNION` and no batches of its own
    (`IN TRANSACTIONS`), no planner options but the usual ones."""
    options, body = _options_and_body(name)
    alone = _top_level(body, "UNION") or _top_level(body, r"IN\s+TRANSACTIONS")
    return options in ("", COMPOSED_OPTIONS) and not alone


@cache
def composed(writes: tuple[str, ...], last: str | None = None) -> LiteralString:
    """One statement running the write-only queries `writes` in order, each as a unit
    subquery (`CALL () {...}`) whose parameters are prefixed `w<i>_`, then the query `last`
    as it stands. Later parts see what earlier ones wrote: a statement's clauses run in order.
    """
    parts = [COMPOSED_OPTIONS]
    for i, name in enumerate(writes):
        if not deferrable(name):
            raise ConfigurationError(f"the query {name!r} returns rows: it cannot be deferred")
        body = _options_and_body(name)[1]
        parts.append("CALL () {\n" + _PARAMETER.sub(rf"$w{i}_\1", body) + "\n}")
    if last is not None:
        if not composable(last):
            raise ConfigurationError(f"the query {last!r} cannot end a composed statement")
        parts.append(_options_and_body(last)[1])
    return "\n".join(parts)


def composed_parameters(
    writes: Sequence[Mapping[str, Any]], last: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The parameters of a `composed` statement: each write's prefixed as its text is."""
    values = {f"w{i}_{k}": v for i, params in enumerate(writes) for k, v in params.items()}
    return values | dict(last or {})
