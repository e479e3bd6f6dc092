"""The local service stack as one object: what `cdp services up|down|status` acts on."""

from __future__ import annotations

from dataclasses import dataclass

from app.localservices.neo4j_server import LocalNeo4j, Neo4jDistribution
from app.localservices.valkey_server import LocalValkey
from app.settings import Settings


@dataclass(frozen=True)
class LocalStack:
    """Local Neo4j and Valkey, each used only when no external URL is configured."""

    neo4j: LocalNeo4j | None
    valkey: LocalValkey | None

    @classmethod
    def from_settings(cls, settings: Settings, instance: str = "dev") -> LocalStack:
        base = settings.local_dir
        neo4j = None
        if settings.neo4j_uri is None:
            neo4j = LocalNeo4j(
                distribution=Neo4jDistribution(base / "neo4j"),
                instance_dir=base / "neo4j" / "instances" / instance,
                bolt_port=settings.local_neo4j_bolt_port,
                http_port=settings.local_neo4j_http_port,
                heap=settings.local_neo4j_heap,
                pagecache=settings.local_neo4j_pagecache,
            )
        valkey = None
        if settings.redis_url is None:
            valkey = LocalValkey(
                instance_dir=base / "valkey" / instance, port=settings.local_valkey_port
            )
        return cls(neo4j=neo4j, valkey=valkey)

    def up(self) -> None:
        if self.valkey is not None:
            self.valkey.start()
        if self.neo4j is not None:
            self.neo4j.start()

    def down(self) -> None:
        if self.neo4j is not None:
            self.neo4j.stop()
        if self.valkey is not None:
            self.valkey.stop()

    def status(self) -> dict[str, str]:
        return {
            "neo4j": self.neo4j.status() if self.neo4j else "external (NEO4J_URI)",
            "valkey": self.valkey.status() if self.valkey else "external (REDIS_URL)",
        }


def effective_urls(settings: Settings) -> tuple[str, str]:
    """(Neo4j URI, Redis URL) the app connects to: configured ones, else the local services."""
    neo4j = settings.neo4j_uri or f"bolt://127.0.0.1:{settings.local_neo4j_bolt_port}"
    redis = settings.redis_url or f"redis://127.0.0.1:{settings.local_valkey_port}/0"
    return neo4j, redis
