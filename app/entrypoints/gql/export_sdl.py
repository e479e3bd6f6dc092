"""Write the live schema to graphql/schema.graphql: `python -m app.entrypoints.gql.export_sdl`.

The snapshot is what frontends and reviewers read; a unit test fails when it is stale.
"""

from __future__ import annotations

from pathlib import Path

from app.entrypoints.gql.schema import build_schema

SDL_PATH = Path(__file__).resolve().parents[3] / "graphql" / "schema.graphql"


def sdl() -> str:
    return str(build_schema()) + "\n"


def main() -> None:
    SDL_PATH.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SDL_PATH}")


if __name__ == "__main__":
    main()
