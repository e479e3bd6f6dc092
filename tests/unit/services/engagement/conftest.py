"""The journey world of tests/unit/services/engagement/journey_world.py as the `world` fixture
of the journey tests (test_destination_outbox.py defines a `world` of its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.services.engagement.journey_world import World, journey_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with journey_world(tmp_path) as found:
        yield found
