from __future__ import annotations

import re

import pytest

from app.adapters.cypher import all_query_names, query, schema_statements
from app.adapters.neo4j_db import schema_change_needed
from app.errors import ConfigurationError


def test_unknown_and_escaping_names_are_refused() -> None:
    for bad in ("nope/missing", "../pyproject", "schema/../../README"):
        with pytest.raises(ConfigurationError):
            query(bad)


def test_every_query_uses_parameters_not_interpolation() -> None:
    for name in all_query_names():
        text = query(name)
        assert "{0}" not in text and "%s" not in text and not re.search(r"\{\w+\}", text), name


def test_every_schema_statement_names_what_it_makes_or_drops() -> None:
    """apply_schema skips a statement whose object is there (or gone, for a drop): each must
    name it, or it would run at every start."""
    for statement in schema_statements():
        assert schema_change_needed(statement, set()) != schema_change_needed(
            statement, {_named(statement)}
        ), statement


def _named(statement: str) -> str:
    code = [line for line in statement.splitlines() if not line.lstrip().startswith("//")]
    words = " ".join(code).split()
    at = next(i for i, w in enumerate(words) if w.upper() in {"INDEX", "CONSTRAINT"})
    return words[at + 1]
