"""The console's files at /console/: served with their security headers when built, and a
404 that says how to build them when not."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from app.entrypoints import console
from app.settings import Settings


def _client(directory: Path) -> httpx.AsyncClient:
    app = FastAPI()
    console.install(app, Settings(console_dir=directory))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console")


async def test_a_built_console_is_served_with_a_strict_policy(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    async with _client(tmp_path) as client:
        await _check_built(client)


async def _check_built(client: httpx.AsyncClient) -> None:
    moved = await client.get("/console", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/console/"
    page = await client.get("/console/")
    assert page.status_code == 200 and "id=root" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["x-content-type-options"] == "nosniff"
    asset = await client.get("/console/assets/index-abc123.js")
    assert asset.status_code == 200 and "cache-control" not in asset.headers
    assert (await client.get("/console/%2e%2e/pyproject.toml")).status_code == 404
    assert (await client.get("/console/assets/missing.js")).status_code == 404


async def test_without_a_build_the_answer_says_how_to_make_one(tmp_path: Path) -> None:
    async with _client(tmp_path / "absent") as client:
        for path in ("/console/", "/console/assets/index.js"):
            answer = await client.get(path)
            assert answer.status_code == 404
            assert "make console" in answer.text
