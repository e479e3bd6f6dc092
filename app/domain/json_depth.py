"""How deeply request JSON may nest, and how a refused JSON text is described, for every
endpoint that reads JSON.

Real events and GraphQL variables stay under ten levels. The JSON encoder used downstream
stops at 254 levels and Python's own decoder recurses, so deeper input is refused where it is
read, with a 400 that says why, instead of failing later as a 500.
"""

from __future__ import annotations

from typing import Any

import orjson

DEPTH_LIMIT = 64


def nesting_depth(value: Any, limit: int = DEPTH_LIMIT) -> int:
    """How deeply objects and arrays nest in a decoded JSON value (a scalar is 0); stops
    counting once past `limit`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def json_problem(exc: orjson.JSONDecodeError) -> str:
    """What is wrong with a JSON text and where, in the decoder's words ("number is infinity
    when parsed as double", "no low surrogate in string"...): fixed phrases and a position,
    never a piece of the input."""
    if "depth limit" in exc.msg:  # the decoder's own limit, far past ours
        return f"nested more than {DEPTH_LIMIT} levels deep"
    return f"malformed JSON ({exc.msg} at character {exc.pos})"
