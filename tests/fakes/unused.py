"""A stand-in for a dependency the code under test must not touch."""

from __future__ import annotations

from typing import Any, TypeVar, cast

T = TypeVar("T")


class _Unused:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        raise AssertionError(f"{self._name}.{attr} was used by code that must not need it")


def unused(kind: type[T]) -> T:
    """An object typed as `kind` that fails the test as soon as anything on it is used."""
    return cast(T, _Unused(kind.__name__))
