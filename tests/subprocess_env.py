"""Environment for a platform process started by a test (same services, same key store)."""

from __future__ import annotations

from app.localservices.child_env import child_env
from app.settings import Settings


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    return child_env(settings, **{"CDP_LOG_LEVEL": "WARNING", **extra})
