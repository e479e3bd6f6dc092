"""Shared fixtures: real Neo4j and Valkey once per session, a clean graph for every test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from pydantic import SecretStr

from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.processes import served
from tests.services import Endpoints, test_services
from tests.support.webhooks import Receiver


@pytest.fixture(scope="session")
def endpoints() -> Iterator[Endpoints]:
    with test_services() as found:
        yield found


@pytest.fixture(scope="session")
def settings(endpoints: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("cdp-data")
    auth = endpoints.neo4j_auth
    return Settings(
        env="test",
        data_dir=data_dir,
        neo4j_uri=endpoints.neo4j_uri,
        neo4j_user=auth[0] if auth else "neo4j",
        neo4j_password=SecretStr(auth[1]) if auth else None,
        redis_url=endpoints.redis_url,
        log_json=True,
        log_level="WARNING",
        # Webhook receivers in tests listen on loopback.
        outbound_allowed_networks=["127.0.0.0/8"],
    )


@pytest_asyncio.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """A fresh container over an empty graph and an empty Valkey."""
    built = await build_container(settings)
    await built.graph.run_auto_commit("admin/wipe_all")
    await built.redis.flushdb()
    built.ledger.forget_workspace(settings.workspace)
    await built.prepare_graph()
    try:
        yield built
    finally:
        await built.close()


@pytest_asyncio.fixture
async def elsewhere(settings: Settings, container: Container) -> AsyncIterator[Container]:
    """A second workspace on the same Neo4j and Valkey (after `container` wiped both)."""
    built = await build_container(settings.model_copy(update={"workspace": "elsewhere"}))
    await built.prepare_graph()
    try:
        yield built
    finally:
        await built.close()


@pytest_asyncio.fixture(scope="session")
async def api_url(settings: Settings) -> AsyncIterator[str]:
    """The real app served by uvicorn over loopback HTTP for the whole session."""
    async with served(settings) as url:
        yield url


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback webhook receiver, closed after the test."""
    found = Receiver()
    yield found
    found.close()
