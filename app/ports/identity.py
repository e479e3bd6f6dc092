"""The identity transaction as the stores see it.

A store whose queries must run inside an identity-writing transaction (under its locks: segment
memberships, journey steps, erasure, re-keying) takes that transaction as an argument; the
Neo4j `IdentityTx` satisfies this protocol.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class IdentityTransaction(Protocol):
    #: The workspace the transaction writes in.
    ws: str

    async def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """A named query inside the transaction, with its `$ws` (stores only)."""
        ...


class IdentityWrites(Protocol):
    async def write(self, work: Callable[[IdentityTransaction], Awaitable[T]]) -> T:
        """Run `work` in one identity-writing transaction (run again on a transient failure)."""
        ...
