"""The HTTP side of a GraphQL endpoint: request JSON read fast, bounded, and refused clearly."""

from __future__ import annotations

import json
from typing import Generic, TypeVar

import orjson
from cross_web import HTTPException
from strawberry.fastapi import GraphQLRouter

from app.domain.json_depth import DEPTH_LIMIT, json_problem, nesting_depth

ContextT = TypeVar("ContextT")


class BoundedGraphQLRouter(GraphQLRouter[ContextT, None], Generic[ContextT]):
    """Reads request JSON (bodies and GET variables) with the fast decoder, refusing what
    nests past `depth_limit` with a 400 rather than recursing into a 500, and saying what is
    wrong with a refused JSON text (never quoting it)."""

    depth_limit = DEPTH_LIMIT

    def decode_json(self, data: str | bytes) -> object:
        decoded = orjson.loads(data)
        if nesting_depth(decoded, self.depth_limit) > self.depth_limit:
            # A decoding error: a 400 over HTTP, a refused message over a WebSocket.
            message = f"nested more than {self.depth_limit} levels deep"
            raise json.JSONDecodeError(message, "", 0)
        return decoded

    def parse_json(self, data: str | bytes) -> object:
        try:
            decoded = self.decode_json(data)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"Unable to parse request JSON: {json_problem(exc)}") from exc
        except json.JSONDecodeError as exc:
            raise HTTPException(400, f"Unable to parse request JSON: {exc.msg}") from exc
        # A POST body (bytes; GET parameters arrive as text) that is a JSON string, number or
        # null: strawberry would look a query up in it and fail with a 500.
        if isinstance(data, bytes) and not isinstance(decoded, dict | list):
            raise HTTPException(400, "body: expected a JSON object (a GraphQL request)")
        return decoded
