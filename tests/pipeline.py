"""Running the resolver in a test until what was accepted has reached the graph."""

from __future__ import annotations

from app.bootstrap import Container


async def drain(container: Container, rounds: int = 400, name: str = "test-resolver") -> None:
    """Resolve until nothing is pending; fails the test if the backlog does not empty."""
    resolver = container.resolver(name)
    await container.stream.ensure_group()
    for _ in range(rounds):
        if (await container.stream.stats()).get("pending", 0) == 0:
            return
        await resolver.step(block_ms=50)
    raise AssertionError("the resolver did not drain the stream")


async def stored_events(container: Container) -> int:
    """How many events of the container's workspace are in the graph."""
    rows = await container.graph.read("graph/stats", ws=container.settings.workspace)
    return int(rows[0]["events"])
