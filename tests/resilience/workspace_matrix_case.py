"""A case of the workspace matrix (one call on `here`'s API that names `there`'s things), the
checks its answer must pass, and pieces several cases send."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.resilience.workspace_matrix_world import World


@dataclass
class Case:
    """One call on `here`'s API that names `there`'s things."""

    field: str
    arguments: tuple[str, ...]
    query: str
    variables: dict[str, Any]
    check: Callable[[dict[str, Any]], None]


def _data(name: str) -> Callable[[dict[str, Any]], Any]:
    def get(body: dict[str, Any]) -> Any:
        assert not body.get("errors"), body
        return body["data"][name]

    return get


def is_null(name: str) -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        assert _data(name)(body) is None, body

    return check


def is_type(name: str, typename: str, text: str = "") -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        answer = _data(name)(body)
        assert answer["__typename"] == typename, body
        assert text in json.dumps(answer), body

    return check


def equals(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        assert _data(name)(body) == value, body

    return check


def is_error(text: str) -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        messages = [e["message"] for e in body.get("errors") or []]
        assert any(text in m for m in messages), body

    return check


def holds(name: str, test: Callable[[Any], bool]) -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        assert test(_data(name)(body)), body

    return check


MESSAGE_TYPES = "__typename ... on InvalidMessage{message} ... on SourceNotFound{message}"


def journey_to(there: World) -> dict[str, Any]:
    """A journey whose one step sends to `there`'s destination."""
    return {
        "name": "probe",
        "trigger": {"event": "Signed Up"},
        "start": "send",
        "steps": {
            "send": {
                "type": "action",
                "action": {
                    "kind": "send_to_destination",
                    "destination": there.destination,
                    "purpose": "marketing",
                },
            }
        },
    }
