"""The SDL snapshot and the frontend operations must match the live schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from app.entrypoints.gql.export_sdl import SDL_PATH, TRACKING_SDL_PATH, sdl, tracking_sdl
from app.entrypoints.gql.schema import build_schema

OPERATIONS = sorted((SDL_PATH.parent / "operations").glob("*.graphql"))


def test_sdl_snapshot_is_current() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), (
        "graphql/schema.graphql is stale: run `python -m app.entrypoints.gql.export_sdl`"
    )


def test_tracking_sdl_snapshot_is_current() -> None:
    assert TRACKING_SDL_PATH.read_text(encoding="utf-8") == tracking_sdl(), (
        "graphql/tracking.graphql is stale: run `python -m app.entrypoints.gql.export_sdl`"
    )


def test_there_are_operations_for_the_identity_api() -> None:
    names = {p.stem for p in OPERATIONS}
    assert {
        "Profile",
        "ProfileByIdentifier",
        "ExplainLink",
        "UnlinkIdentifier",
        "BlockIdentifier",
        "MergeProfiles",
    } <= names


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_operation_validates_against_the_schema(path: Path) -> None:
    schema = build_schema()
    errors = validate(schema._schema, parse(path.read_text(encoding="utf-8")))
    assert not errors, [e.message for e in errors]
