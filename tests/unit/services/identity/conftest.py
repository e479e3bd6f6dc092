"""Identity services over the in-memory graph (tests/support/identity_world.py)."""

from __future__ import annotations

import pytest

from app.services.identity.keys import Sealer
from tests.fakes.changes import InMemoryChangeFeed
from tests.fakes.identity_graph import InMemoryIdentityGraph
from tests.support.identity_world import IdentityWorld, identity_world


@pytest.fixture
def graph() -> InMemoryIdentityGraph:
    return InMemoryIdentityGraph("ws")


@pytest.fixture
def feed() -> InMemoryChangeFeed:
    return InMemoryChangeFeed()


@pytest.fixture
def world(graph: InMemoryIdentityGraph, sealer: Sealer, feed: InMemoryChangeFeed) -> IdentityWorld:
    return identity_world(graph, sealer, feed=feed)
