"""A cap on request bodies for the routes that read them whole (GraphQL).

The tracking routes stream and cap their own bodies (tracking/body.py); GraphQL would read any
body into memory and parse it on the event loop, so one large request, authenticated or not,
could stall every other request of the process. Bodies past the cap are refused with 413
before they are parsed; a declared Content-Length past it is refused before it is read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware: HTTP bodies of requests under `prefix` hold at most `cap` bytes."""

    def __init__(self, app: Asgi, prefix: str, cap: int) -> None:
        self.app = app
        self.prefix = prefix
        self.cap = cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.cap:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending it all: nothing to answer
            body = message.get("body", b"")
            size += len(body)
            if size > self.cap:
                await self._refuse(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        text = f"body: larger than {self.cap // 1024} KB"
        body = orjson.dumps({"errors": [{"message": text}]})
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
