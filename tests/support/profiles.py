"""Finding the profile an identifier belongs to."""

from __future__ import annotations

from app.bootstrap import Container


async def profile_id_or_none(container: Container, type: str, value: str) -> str | None:
    view = await container.profiles.profile_by_identifier(type, value)
    return view.id if view else None


async def profile_id(container: Container, type: str, value: str) -> str:
    found = await profile_id_or_none(container, type, value)
    assert found is not None, f"no profile for that {type}"
    return found
