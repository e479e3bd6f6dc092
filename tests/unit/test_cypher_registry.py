from __future__ import annotations

import re

import pytest

from app.adapters.cypher import all_query_names, query, schema_statements
from app.adapters.neo4j_db import schema_change_needed, schema_record
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
        name = _named(statement)
        assert name.upper() not in {"IF", "FOR", "ON"}, f"unnamed: {statement}"
        assert schema_change_needed(statement, set()) != schema_change_needed(statement, {name}), (
            statement
        )


def test_a_drop_then_a_creation_of_one_name_both_run() -> None:
    present = {"event_at"}
    drop, create = (
        "DROP INDEX event_at IF EXISTS",
        "CREATE INDEX event_at IF NOT EXISTS FOR (e:Event) ON (e.ws, e.at)",
    )
    assert schema_change_needed(drop, present)
    schema_record(drop, present)
    assert schema_change_needed(create, present)
    schema_record(create, present)
    assert present == {"event_at"}


def _named(statement: str) -> str:
    code = [line for line in statement.splitlines() if not line.lstrip().startswith("//")]
    words = " ".join(code).split()
    at = next(i for i, w in enumerate(words) if w.upper() in {"INDEX", "CONSTRAINT"})
    return words[at + 1]
