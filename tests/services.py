"""Where the tests find Neo4j and Valkey: env vars, else Docker, else the local launchers."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.localservices.neo4j_server import LocalNeo4j, Neo4jDistribution
from app.localservices.valkey_server import LocalValkey

REPO = Path(__file__).resolve().parents[1]
TEST_BOLT_PORT = int(os.environ.get("CDP_TEST_BOLT_PORT", "7688"))
TEST_HTTP_PORT = int(os.environ.get("CDP_TEST_HTTP_PORT", "7475"))
TEST_VALKEY_PORT = int(os.environ.get("CDP_TEST_VALKEY_PORT", "6380"))


@dataclass(frozen=True)
class Endpoints:
    neo4j_uri: str
    neo4j_auth: tuple[str, str] | None
    redis_url: str
    browser_url: str | None
    how: str
    #: The local Valkey when the tests started it (restart tests need it), else None.
    local_valkey: LocalValkey | None = None
    #: The local Neo4j when the tests started it (restart tests need it), else None.
    local_neo4j: LocalNeo4j | None = None


def docker_engine_answers() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        done = subprocess.run([docker, "info"], capture_output=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextmanager
def _containers() -> Iterator[Endpoints]:
    from testcontainers.neo4j import Neo4jContainer
    from testcontainers.redis import RedisContainer

    redis_container = RedisContainer("valkey/valkey:8").with_command(
        "valkey-server --appendonly yes --appendfsync everysec"
    )
    with Neo4jContainer("neo4j:5.26") as neo4j, redis_container as redis:
        host = neo4j.get_container_host_ip()
        yield Endpoints(
            neo4j_uri=neo4j.get_connection_url(),
            neo4j_auth=("neo4j", neo4j.password),
            redis_url=f"redis://{redis.get_container_host_ip()}:{redis.get_exposed_port(6379)}/0",
            browser_url=f"http://{host}:{neo4j.get_exposed_port(7474)}/browser/",
            how="testcontainers",
        )


@contextmanager
def _local() -> Iterator[Endpoints]:
    base = REPO / ".local"
    neo4j = LocalNeo4j(
        distribution=Neo4jDistribution(base / "neo4j"),
        instance_dir=base / "neo4j" / "instances" / f"test-{TEST_BOLT_PORT}",
        bolt_port=TEST_BOLT_PORT,
        http_port=TEST_HTTP_PORT,
        heap="1g",
        pagecache="256m",
    )
    valkey = LocalValkey(
        instance_dir=base / "valkey" / f"test-{TEST_VALKEY_PORT}", port=TEST_VALKEY_PORT
    )
    for stale in (neo4j, valkey):
        stale.stop()
    shutil.rmtree(neo4j.instance_dir / "data", ignore_errors=True)
    shutil.rmtree(valkey.instance_dir, ignore_errors=True)
    with ExitStack() as stack:
        valkey.start()
        stack.callback(valkey.stop)
        neo4j.start()
        stack.callback(neo4j.stop)
        yield Endpoints(
            neo4j_uri=neo4j.bolt_uri,
            neo4j_auth=None,
            redis_url=valkey.url,
            browser_url=neo4j.browser_url,
            how="local launchers",
            local_valkey=valkey,
            local_neo4j=neo4j,
        )


@contextmanager
def test_services() -> Iterator[Endpoints]:
    """Start (or find) the services once for the whole test session."""
    neo4j_uri = os.environ.get("NEO4J_URI")
    redis_url = os.environ.get("REDIS_URL")
    if neo4j_uri and redis_url:
        password = os.environ.get("NEO4J_PASSWORD")
        yield Endpoints(
            neo4j_uri=neo4j_uri,
            neo4j_auth=(os.environ.get("NEO4J_USER", "neo4j"), password) if password else None,
            redis_url=redis_url,
            browser_url=os.environ.get("NEO4J_BROWSER_URL"),
            how="environment",
        )
    elif docker_engine_answers():
        with _containers() as endpoints:
            yield endpoints
    else:
        with _local() as endpoints:
            yield endpoints
