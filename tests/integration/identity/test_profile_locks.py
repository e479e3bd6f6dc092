"""The locks writers take: a profile's lock holds off a writer reaching that profile and no
other, and the exclusive mode waits for a writer in shared mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from neo4j import AsyncTransaction

from app.adapters.cypher import query
from app.adapters.identity_graph import LOCK_STRIPES
from app.bootstrap import Container
from tests.identity_checks import profile_id
from tests.messages import message

pytestmark = pytest.mark.integration

#: Long enough for a writer that is not held to finish on a slow machine.
HELD = 3.0


@asynccontextmanager
async def open_transaction(container: Container) -> AsyncIterator[AsyncTransaction]:
    """A write transaction of our own, committed on leaving."""
    async with container.graph.driver.session(database=container.settings.neo4j_database) as s:
        tx = await s.begin_transaction()
        try:
            yield tx
            await tx.commit()
        finally:
            if not tx.closed():
                await tx.rollback()


async def test_a_locked_profile_holds_off_a_writer_reaching_it_and_no_other(
    container: Container,
) -> None:
    ws = container.settings.workspace
    await container.ingestion.ingest(
        [message(anon="lock-held", at=1.0), message(anon="lock-free", at=2.0)]
    )
    held = await profile_id(container, "anonymous_id", "lock-held")
    async with open_transaction(container) as tx:
        await tx.run(query("identity/lock_profiles"), ws=ws, ids=[held], keys=[])
        # Someone else's profile: written at once, the workspace is not locked.
        await asyncio.wait_for(
            container.ingestion.ingest([message(anon="lock-free", at=3.0)]), HELD
        )
        reaching = asyncio.create_task(
            container.ingestion.ingest([message(anon="lock-held", user="lock-user", at=4.0)])
        )
        await asyncio.sleep(HELD)
        assert not reaching.done(), "a writer reached a locked profile"
    await asyncio.wait_for(reaching, 30)
    assert await profile_id(container, "user_id", "lock-user") == held


async def test_the_exclusive_mode_waits_for_a_writer_in_shared_mode(
    container: Container,
) -> None:
    ws = container.settings.workspace
    async with open_transaction(container) as tx:
        await tx.run(query("identity/lock_shared"), id=f"{ws}:5", ws=ws, stripe=5, at=1.0)

        async def exclusive() -> None:
            await container.ingestion.graph.write(lambda itx: itx.lock_exclusive(2.0))

        waiting = asyncio.create_task(exclusive())
        await asyncio.sleep(HELD)
        assert not waiting.done(), "the exclusive mode ran beside a writer"
    await asyncio.wait_for(waiting, 30)
    rows = await container.identity.read("identity/lock_state")
    assert rows[0]["stripes"] == LOCK_STRIPES
