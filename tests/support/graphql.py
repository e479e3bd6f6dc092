"""Posting GraphQL to the API under test, as a frontend does: one request, a bearer key."""

from __future__ import annotations

from typing import Any

import httpx


async def graphql_body(api_url: str, key: str, query: str, **variables: Any) -> dict[str, Any]:
    """The whole answer (data and errors) of a request the API took (HTTP 200)."""
    async with httpx.AsyncClient(base_url=api_url) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def graphql_data(api_url: str, key: str, query: str, **variables: Any) -> dict[str, Any]:
    """The data of an answer that holds no error."""
    body = await graphql_body(api_url, key, query, **variables)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data
