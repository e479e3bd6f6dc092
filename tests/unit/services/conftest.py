"""What the fast service tests share: a real sealer over a key store in a temporary file (the
sealing is not faked: it is pure and fast)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.privacy import BlindIndex, LocalKeyStore
from app.services.identity.keys import Sealer


@pytest.fixture
def sealer(tmp_path: Path) -> Iterator[Sealer]:
    with LocalKeyStore(tmp_path / "keys.sqlite", b"k" * 32) as keys:
        yield Sealer("ws", BlindIndex({"k1": b"i" * 32}, "k1"), keys)
