"""What is left of a person in the graph: a scan of every property of every node and
relationship for their values, keyed hashes and ids (docs/privacy.md, "Erasure")."""

from __future__ import annotations

from typing import Any

from app.bootstrap import Container

#: The properties of a `:Suppression` node, which holds erased identifiers' keyed hashes by
#: design: the scan leaves them out.
SUPPRESSION_PROPS = {"key", "ws", "type", "at", "request"}


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [str(value)]


async def leftovers(container: Container, needles: list[str]) -> list[tuple[str, str]]:
    """(property, needle) of every node or relationship property naming a needle, the
    suppressions aside."""
    rows = await container.graph.read("admin/all_properties")
    return [
        (key, needle)
        for row in rows
        if set(row["props"]) != SUPPRESSION_PROPS
        for key, value in row["props"].items()
        for text in _strings(value)
        for needle in needles
        if needle.lower() in text.lower()
    ]
