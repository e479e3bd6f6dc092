"""Rotating the key-encryption key while events keep arriving: nothing is lost or unreadable."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.bootstrap import Container, build_container
from app.privacy import LocalKeyStore, load_kek
from app.settings import Settings
from tests.identity_checks import profile_id
from tests.messages import message
from workers.jobs import rotate_kek

pytestmark = pytest.mark.integration


def _b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


async def test_kek_rotation_under_ingestion_leaves_everything_readable(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    # A key store of its own: the rest of the session keeps the shared one and its KEK.
    settings = settings.model_copy(
        update={"keystore_path": tmp_path / "keys.sqlite", "kek_file": tmp_path / "kek.b64"}
    )
    before = await build_container(settings)
    try:
        for i in range(40):
            await before.ingestion.ingest(
                [message("identify", user=f"u-{i}", email=f"p{i}@example.com", at=float(i))]
            )
    finally:
        await before.close()
    old = load_kek(None, settings.resolved_kek_file, allow_generate=False)
    new = os.urandom(32)
    rotated = settings.model_copy(
        update={
            "kek": SecretStr(_b64(new)),
            "kek_id": "k2",
            "kek_previous": SecretStr(f"local-1:{_b64(old)}"),
        }
    )
    during = await build_container(rotated)
    try:

        async def keep_ingesting() -> None:
            for i in range(40, 80):
                await during.ingestion.ingest(
                    [message("identify", user=f"u-{i}", email=f"p{i}@example.com", at=float(i))]
                )

        result, _ = await asyncio.gather(
            rotate_kek({"container": during}, step=7), keep_ingesting()
        )
        assert result["remaining"] == 0 and result["rewrapped"] > 0
        progress = await during.redis.hgetall(  # type: ignore[misc]
            f"cdp:{settings.workspace}:rotation:kek"
        )
        assert progress[b"remaining"] == b"0"
        for i in range(80):
            pid = await profile_id(during, "user_id", f"u-{i}")
            values = {v.type: v.value for v in await during.profiles.identifiers(pid)}
            assert values == {"user_id": f"u-{i}", "email": f"p{i}@example.com"}
    finally:
        await during.close()

    # The old KEK no longer opens the store; the new one alone does.
    with LocalKeyStore(settings.resolved_keystore_path, new, "k2") as store:
        assert store.rewrap_step() == (0, 0)
