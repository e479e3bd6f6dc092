"""Named definitions a workspace keeps (segments, journeys, destinations): each kind saves its
own way, and every kind is activated, listed and read the same way."""

from __future__ import annotations

from typing import Protocol, TypeVar

from app.errors import NotFound

V = TypeVar("V")


class Definitions(Protocol[V]):
    async def set_active(self, name: str, active: bool, at: float) -> bool:
        """Activate or pause the definition; False when there is none of that name."""
        ...

    async def all(self) -> list[V]:
        """Every definition of the kind in the workspace, by name."""
        ...

    async def get(self, name: str) -> V | None:
        """One definition, None when there is none of that name."""
        ...


async def named(store: Definitions[V], kind: str, name: str) -> V:
    """The definition of that name, or NotFound naming the kind ("no segment with that name")."""
    found = await store.get(name)
    if found is None:
        raise NotFound(f"no {kind} with that name")
    return found


async def activate(store: Definitions[V], kind: str, name: str, active: bool, at: float) -> None:
    """Activate or pause it; NotFound as `named` says it."""
    if not await store.set_active(name, active, at):
        raise NotFound(f"no {kind} with that name")
