"""Write the live schemas to graphql/: `python -m app.entrypoints.gql.export_sdl`.

graphql/schema.graphql is the API's (/graphql), graphql/tracking.graphql the trackers'
(/v1/graphql). The snapshots are what frontends and reviewers read; a unit test fails when
one is stale.
"""

from __future__ import annotations

from pathlib import Path

from app.entrypoints.gql.schema import build_schema
from app.entrypoints.tracking.gql_schema import build_tracking_schema

SDL_PATH = Path(__file__).resolve().parents[3] / "graphql" / "schema.graphql"
TRACKING_SDL_PATH = SDL_PATH.with_name("tracking.graphql")


def sdl() -> str:
    return str(build_schema()) + "\n"


def tracking_sdl() -> str:
    return str(build_tracking_schema()) + "\n"


def main() -> None:
    SDL_PATH.write_text(sdl(), encoding="utf-8")
    TRACKING_SDL_PATH.write_text(tracking_sdl(), encoding="utf-8")
    print(f"wrote {SDL_PATH} and {TRACKING_SDL_PATH.name}")


if __name__ == "__main__":
    main()
