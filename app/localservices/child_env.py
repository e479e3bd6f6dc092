"""The environment of a platform process started by another (tests, the benchmark, `cdp run`
helpers): the same services, workspace and key store as the settings of the parent."""

from __future__ import annotations

import os
from pathlib import Path

from app.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p),
            "CDP_ENV": settings.env,
            "CDP_WORKSPACE": settings.workspace,
            "CDP_DATA_DIR": str(settings.data_dir),
            "CDP_LOG_LEVEL": settings.log_level,
            "CDP_STREAM_BOUND": str(settings.stream_bound),
            "CDP_RESOLVER_BATCH_ENTRIES": str(settings.resolver_batch_entries),
            "CDP_IDENTITY_RULES_FILE": str(settings.identity_rules_file),
            "CDP_LINKAGE_FILE": str(settings.linkage_file),
            "NEO4J_URI": settings.neo4j_uri or "",
            "REDIS_URL": settings.redis_url or "",
            **extra,
        }
    )
    if settings.neo4j_password is not None:
        env["NEO4J_USER"] = settings.neo4j_user
        env["NEO4J_PASSWORD"] = settings.neo4j_password.get_secret_value()
    return env
