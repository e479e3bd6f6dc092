"""Query parameters: list rows are passed on intact, and their repr stays short (the driver
formats every query's parameters for its debug log whether or not anyone listens; the
integration tests send every query through them)."""

from __future__ import annotations

from app.adapters.neo4j_db import Rows, parameters


def test_rows_are_wrapped_and_their_repr_is_a_count() -> None:
    rows = [{"key": f"k{i}", "enc": "x" * 200} for i in range(1_000)]
    params = parameters({"rows": rows, "ws": "default", "at": 1.5})
    assert isinstance(params["rows"], Rows)
    assert params["rows"] == rows and params["ws"] == "default" and params["at"] == 1.5
    assert repr(params) == "{'rows': <1000 rows>, 'ws': 'default', 'at': 1.5}"
