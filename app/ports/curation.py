"""What operator actions on the identity graph need from storage beside the identity
transaction: the workspace's identifier keys, page by page (re-resolution walks them all)."""

from __future__ import annotations

from typing import Protocol


class CurationStore(Protocol):
    async def identifier_keys(self, after: str, limit: int) -> list[str]:
        """At most `limit` identifier keys of the workspace greater than `after`, in order."""
