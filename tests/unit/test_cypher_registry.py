from __future__ import annotations

import re

import pytest

from app.adapters.cypher import all_query_names, query
from app.errors import ConfigurationError


def test_unknown_and_escaping_names_are_refused() -> None:
    for bad in ("nope/missing", "../pyproject", "schema/../../README"):
        with pytest.raises(ConfigurationError):
            query(bad)


def test_every_query_uses_parameters_not_interpolation() -> None:
    for name in all_query_names():
        text = query(name)
        assert "{0}" not in text and "%s" not in text and not re.search(r"\{\w+\}", text), name
