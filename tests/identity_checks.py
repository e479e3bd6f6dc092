"""Reading the identity graph back in tests: partitions, conflicts, profiles by identifier."""

from __future__ import annotations

from app.bootstrap import Container


async def partition(container: Container) -> frozenset[frozenset[str]]:
    """Identifier keys grouped by profile; fails if an identifier is not in exactly one."""
    rows = await container.graph.read("identity/partition", ws=container.settings.workspace)
    groups: dict[str, set[str]] = {}
    for row in rows:
        assert len(row["profiles"]) == 1, f"{row['type']} identifier in {row['profiles']}"
        groups.setdefault(row["profiles"][0], set()).add(row["key"])
    return frozenset(frozenset(g) for g in groups.values())


async def profile_id(container: Container, type: str, value: str) -> str:
    profile = await container.profiles.profile_by_identifier(type, value)
    assert profile is not None, f"no profile for that {type}"
    return profile.id


async def conflicts(container: Container) -> list[dict[str, object]]:
    return await container.graph.read(
        "identity/conflicts", ws=container.settings.workspace, limit=1000
    )
