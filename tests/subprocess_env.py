"""Environment for a platform process started by a test (same services, same key store)."""

from __future__ import annotations

import os

from app.settings import Settings
from tests.services import REPO


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "CDP_ENV": "test",
            "CDP_DATA_DIR": str(settings.data_dir),
            "CDP_LOG_LEVEL": "WARNING",
            "NEO4J_URI": settings.neo4j_uri or "",
            "REDIS_URL": settings.redis_url or "",
            **extra,
        }
    )
    if settings.neo4j_password is not None:
        env["NEO4J_USER"] = settings.neo4j_user
        env["NEO4J_PASSWORD"] = settings.neo4j_password.get_secret_value()
    return env
