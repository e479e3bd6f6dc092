"""The shipped model (config/linkage.yaml), loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.identity.linkage import LinkageModel

SHIPPED = Path(__file__).resolve().parents[5] / "config" / "linkage.yaml"


@pytest.fixture(scope="session")
def shipped() -> Path:
    return SHIPPED


@pytest.fixture(scope="session")
def model(shipped: Path) -> LinkageModel:
    return LinkageModel.load(shipped)
